"""Persistence: SQLModel tables, repository functions, migrations, the media store."""
