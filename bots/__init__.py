"""Chat platform adapters. Imports no torch and no diffusers: the bot image has neither."""
