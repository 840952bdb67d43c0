"""The operator's first-day commands, registered with one line in core/cli/commands.py:
``reelbot doctor`` (core/cli/doctor.py) and ``reelbot discord invite-url`` (discord_invite.py).
The invite command turns ``reelbot discord`` into a group, so it registers after the platforms."""

from __future__ import annotations

import typer

from reelbot.cli import discord_invite, doctor


def register(app: typer.Typer) -> None:
    doctor.register(app)
    discord_invite.register(app)
