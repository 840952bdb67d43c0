"""reelbot: short AI videos made from inside a chat.

The core package holds what every part shares: settings, domain types, the message
catalogue, errors, the service and the CLI. Platform adapters live in ``reelbot.bots``,
the GPU side in ``reelbot.generator``, the Redis transport in ``reelbot.queue`` and
persistence in ``reelbot.storage``.
"""

__version__ = "0.1.0"
