"""Bot processes load what they use: no torch, diffusers, numpy or alembic at start.

The bots' import graph is checked statically in test_import_rules; this checks what really
ends up in ``sys.modules`` of a fresh interpreter that builds the command line the way
``reelbot discord`` / ``reelbot line`` do (only the platform's commands) and opens the service
on a migrated database (production runs migrations once, from the CLI or a one-shot job), then
builds what the bots build at start: the Discord bot with its cogs and delivery loop's module,
the LINE bot with its web app (webhook, health and media routes).

Each name in ``HEAVY`` after the GPU stack was once in a bot's start-up and was cut
(docs/architecture.md, "What a bot process loads"): alembic, mako and pygments came with
migrations; Pillow with image intake (``domain.images`` now imports it on the first picture);
Jinja2 with the web pages (imported on the first page render); rich with the CLI's console
and the command modules a bot never runs (``reelbot.cli.commands``), which it must not import
either.

The fresh interpreter imports reelbot from a link tree of its own, made from pyproject's
``package-dir`` in the test's folder, not from the editable install's ``build/__editable__…``:
every ``make install`` deletes and rebuilds that tree (setuptools' strict mode), so a teammate
installing while this test ran made the subprocess fail to import reelbot at all, although
nothing was wrong with what it checks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from reelbot.cli.commands import COMMAND_MODULES, PLATFORM_COMMAND_MODULES

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "torch", "diffusers", "transformers", "numpy", "alembic", "cv2", "mako", "pygments", "PIL", "jinja2",
    "rich",
)  # fmt: skip
NOT_RUN = (*(name for name in COMMAND_MODULES if name not in PLATFORM_COMMAND_MODULES), "reelbot.cli.doctor")

CODE = """
import asyncio, json, sys
from pathlib import Path
from reelbot.cli.commands import build, modules_for
build(modules_for(["discord"]))
build(modules_for(["line"]))
import importlib
import reelbot.bots.discord.bot, reelbot.bots.line.app, reelbot.bots.media_server
import reelbot.bots.discord.delivery
from reelbot.app.service import ReelbotService
from reelbot.bots.discord.bot import EXTENSIONS, make_bot
from reelbot.bots.line.app import LineBot
from reelbot.domain.settings import Settings
from reelbot.storage.db import head_revision

async def main():
    settings = Settings(_env_file=None, data_dir=Path(sys.argv[1]), redis_url=sys.argv[2], preset="tiny",
                        device="cpu", redis_prefix=sys.argv[3], line_channel_secret="s" * 32,
                        line_channel_access_token="t", media_base_url="https://media.example.invalid")
    service = await ReelbotService.open(settings)
    for name in EXTENSIONS:
        importlib.import_module(name)
    discord_bot = make_bot(service=service, settings=settings)
    line_bot = LineBot(service, settings)
    line_bot.web_app()
    await line_bot.close()
    await discord_bot.close()
    await service.close()

asyncio.run(main())
loaded = sorted(m for m in json.loads(sys.argv[4]) if m in sys.modules)
print(json.dumps({"head": head_revision(), "loaded": loaded}))
"""


def link_tree(target: Path) -> Path:
    """``target``/reelbot/… as symlinks to the source folders, the way pyproject maps them."""
    package_dir = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    top = target / "reelbot"
    top.mkdir(parents=True)
    for entry in (ROOT / package_dir["reelbot"]).iterdir():
        (top / entry.name).symlink_to(entry)
    for name, folder in package_dir.items():
        if name != "reelbot":
            (target / name.replace(".", "/")).symlink_to(ROOT / folder)
    return target


def start_bots(tmp_path: Path, *args: str) -> dict[str, object]:
    """What a fresh bot process imported, and the migration head it saw."""
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    done = subprocess.run(
        [sys.executable, "-c", CODE, *args], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_bot_processes_import_no_gpu_stack_numpy_or_alembic(tmp_path: Path, key_prefix: str) -> None:
    from tests.conftest import REDIS_URL

    link_tree(tmp_path / "src")
    args = (str(tmp_path / "bot-data"), REDIS_URL, key_prefix, json.dumps([*HEAVY, *NOT_RUN]))
    first = start_bots(tmp_path, *args)
    assert "alembic" in first["loaded"]  # type: ignore[operator]  # the first start migrates the new database
    again = start_bots(tmp_path, *args)
    if again["head"] != first["head"]:  # a migration landed in the tree between the two starts
        again = start_bots(tmp_path, *args)
    assert again["loaded"] == []
