"""Alembic migrations, run programmatically by reelbot.storage.db."""
