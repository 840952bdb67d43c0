"""What the Discord and LINE bots share: status texts, the remix action registry, click guards.

Nothing here knows a platform's SDK; each bot turns these values into its own messages.
"""
