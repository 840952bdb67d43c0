"""LINE adapter (line-bot-sdk v3, aiohttp webhook)."""
