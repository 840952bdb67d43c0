"""The Redis Streams transport. (No __init__.py at the top: see pyproject.toml.)"""
