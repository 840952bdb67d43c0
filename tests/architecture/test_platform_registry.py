"""A new platform is one package entry: registered once, it gets a CLI command and a place in serve."""

from __future__ import annotations

import asyncio

import typer
from typer.testing import CliRunner

from reelbot.app.platforms import PLATFORMS, ChatPlatform, RunOptions, register_platform
from reelbot.cli.platforms import configured_platforms, load_platforms, register
from reelbot.domain.settings import Settings


def test_a_stub_platform_gets_a_command_and_a_place_in_serve() -> None:
    runs: list[RunOptions] = []

    async def run(settings: Settings, stop: asyncio.Event, options: RunOptions) -> None:
        runs.append(options)

    stub = ChatPlatform(
        name="stubchat",
        help="A throwaway chat platform.",
        configured=lambda settings: True,
        check=lambda settings: None,
        run=run,
    )
    register_platform(stub)
    try:
        assert {"discord", "line", "stubchat"} <= set(load_platforms())
        app = typer.Typer()
        register(app)
        result = CliRunner().invoke(app, ["stubchat", "--port", "4321", "--host", "127.0.0.1"])
        assert result.exit_code == 0, result.output
        assert runs == [RunOptions(host="127.0.0.1", port=4321)]
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        assert "stubchat" in [p.name for p in configured_platforms(settings)]
    finally:
        PLATFORMS.pop("stubchat", None)


def test_run_options_become_the_platforms_own_setting_names() -> None:
    assert RunOptions(port=9).overrides(host="health_host", port="health_port") == {"health_port": 9}
    assert RunOptions(host="::1").overrides() == {"host": "::1"}
