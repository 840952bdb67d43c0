"""``reelbot discord invite-url``: the OAuth2 link that adds the bot with exactly the rights it uses.

The permissions integer is the sum of the bits below — each one something the bot really does
(see docs/discord.md), nothing more: a server admin can read the list before clicking. The
application id comes from ``--client-id`` or, offline, from the bot token itself (its first
dot-separated part is the bot user's id in base64, the same number as the application id for
every bot made in the Developer Portal). The token is never printed.

``reelbot discord`` itself stays the command that runs the bot: the group's callback runs it
when no subcommand is given (``reelbot discord --port 9102``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import urlencode

import typer

from reelbot.cli.lang import cli_locale
from reelbot.domain.messages import render

AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")

#: Discord permission bits the bot needs, and why (docs/discord.md, "Permissions").
PERMISSIONS: dict[str, tuple[int, str]] = {
    "View Channels": (1 << 10, "see the channel a command came from"),
    "Send Messages": (1 << 11, "post the status message and the finished clip"),
    "Embed Links": (1 << 14, "links to clips over the upload limit unfurl"),
    "Attach Files": (1 << 15, "upload the mp4"),
    "Read Message History": (1 << 16, "reply to the message that was animated"),
    "Send Messages in Threads": (1 << 38, "the same, inside threads"),
}


def permissions_integer() -> int:
    total = 0
    for bit, _why in PERMISSIONS.values():
        total |= bit
    return total


def client_id_from_token(token: str) -> str | None:
    """The bot's id from the first part of its token (base64 of the decimal id), or None."""
    head = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isdigit() else None


def invite_url(client_id: str) -> str:
    query = {
        "client_id": client_id,
        "permissions": str(permissions_integer()),
        "integration_type": "0",  # a server install (not a user install)
        "scope": " ".join(SCOPES),
    }
    return f"{AUTHORIZE_URL}?{urlencode(query)}"


def invite_command(
    client_id: Annotated[
        str | None, typer.Option(help="application id (default: read from REELBOT_DISCORD_TOKEN)")
    ] = None,
) -> None:
    """Print the OAuth2 URL that adds the bot to a server, with the exact permissions integer."""
    from reelbot.domain.settings import load_settings

    locale = cli_locale()
    if not client_id:
        token = load_settings().discord_token
        client_id = client_id_from_token(token.get_secret_value()) if token else None
    if not client_id or not client_id.isdigit():
        typer.echo(render("invite.no_client_id", locale), err=True)
        raise typer.Exit(2)
    typer.echo(render("invite.url", locale, url=invite_url(client_id)))
    typer.echo(
        render("invite.permissions", locale, permissions=permissions_integer(), names=", ".join(PERMISSIONS)),
        err=True,
    )


def register(app: typer.Typer) -> None:
    """Make ``reelbot discord`` a group: bare, it runs the bot (as before); ``invite-url`` prints."""
    group = typer.Typer(name="discord", no_args_is_help=False, add_completion=False)
    original = next((info for info in app.registered_commands if info.name == "discord"), None)
    run: Any = original.callback if original is not None else None
    if original is not None:
        app.registered_commands.remove(original)

    @group.callback(invoke_without_command=True, help=(run.__doc__ if run else None))
    def discord_main(
        ctx: typer.Context,
        host: Annotated[str | None, typer.Option(help="listen address of the health endpoints")] = None,
        port: Annotated[int | None, typer.Option(min=0, max=65535, help="health endpoints' port")] = None,
    ) -> None:
        if ctx.invoked_subcommand is None and run is not None:
            run(host=host, port=port)

    group.command(name="invite-url")(invite_command)
    app.add_typer(group, name="discord")
