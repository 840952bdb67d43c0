"""``reelbot discord invite-url``: the exact permissions integer, the id read offline from the token,
and ``reelbot discord`` still running the bot when no subcommand is given."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import typer
from typer.testing import CliRunner

from reelbot.cli import discord_invite
from reelbot.cli.lang import set_lang
from reelbot.cli.platforms import register as register_platforms

APP_ID = "1234567890123456789"
TOKEN = base64.b64encode(APP_ID.encode()).decode().rstrip("=") + ".GhIjKl.secret-part-of-the-token"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("REELBOT_DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("LANG", "C")
    set_lang(None)
    app = typer.Typer()
    register_platforms(app)
    discord_invite.register(app)
    return app


def test_permissions_are_exactly_what_the_bot_uses() -> None:
    # View Channels 1024 + Send Messages 2048 + Embed Links 16384 + Attach Files 32768
    # + Read Message History 65536 + Send Messages in Threads 2**38
    assert discord_invite.permissions_integer() == 274_878_024_704


def test_url_from_the_token_never_prints_the_token(cli: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELBOT_DISCORD_TOKEN", TOKEN)
    result = CliRunner().invoke(cli, ["discord", "invite-url"])
    assert result.exit_code == 0, result.output
    url = next(word for word in result.output.split() if word.startswith("https://discord.com/"))
    query = parse_qs(urlsplit(url).query)
    assert query == {
        "client_id": [APP_ID],
        "permissions": ["274878024704"],
        "integration_type": ["0"],
        "scope": ["bot applications.commands"],
    }
    assert "secret-part" not in result.output and TOKEN not in result.output


def test_client_id_option_and_its_absence(cli: typer.Typer) -> None:
    ok = CliRunner().invoke(cli, ["discord", "invite-url", "--client-id", "42424242424242"])
    assert ok.exit_code == 0 and "client_id=42424242424242" in ok.output
    missing = CliRunner().invoke(cli, ["discord", "invite-url"])
    assert missing.exit_code == 2 and "--client-id" in missing.output


def test_bare_discord_still_runs_the_bot(cli: typer.Typer) -> None:
    """Without a token the bot command stops at its one-line check (it did before the group)."""
    result = CliRunner().invoke(cli, ["discord"])
    assert result.exit_code == 2, result.output
    assert "REELBOT_DISCORD_TOKEN" in result.output
