"""Responsible generation: moderation, consent for real people, quotas, audit.

Kept import-light on purpose: ``reelbot.domain.settings`` imports :mod:`reelbot.domain.safety_config`,
so nothing here may import settings, storage or OpenCV at package import time. Import the
modules you need (``from reelbot.app.safety.moderation import ...``).
"""
