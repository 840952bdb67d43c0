"""``python -m reelbot.cli``: the same as the ``reelbot`` command."""

from reelbot.cli import main

main()
