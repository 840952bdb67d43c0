"""The GPU side: presets, pipelines, conditioning, encoding, the worker loop.

Importing this package (or ``reelbot.generator.presets``) must not import torch: the bots
use the preset registry for autocomplete and have no torch installed.
"""
