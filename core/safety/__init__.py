"""Responsible generation: moderation, consent for real people, quotas, audit.

Kept import-light on purpose: ``reelbot.settings`` imports :mod:`reelbot.safety.config`,
so nothing here may import settings, storage or OpenCV at package import time. Import the
modules you need (``from reelbot.safety.moderation import ...``).
"""
