"""Discord adapter (discord.py 2.x)."""
