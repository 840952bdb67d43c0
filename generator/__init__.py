"""The GPU side: presets, pipelines, conditioning, encoding, the worker loop.

Importing this package (or ``reelbot.generator.presets``) must not import torch: the bots
use the preset registry for autocomplete and have no torch installed.
"""

import logging


class _NoTorchvisionNotice(logging.Filter):
    """Drop transformers' "requires torchvision; falling back to PIL" notice.

    The Wan image-to-video pipeline imports CLIP's image processor, and transformers warns on
    every start that torchvision is missing. reelbot leaves torchvision out on purpose (PyPI's
    build does not load beside the torch 2.13 CPU wheel); the PIL processor is what we want.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "requires torchvision" not in record.getMessage()


logging.getLogger("transformers.utils.import_utils").addFilter(_NoTorchvisionNotice())
