"""Bot processes load what they use: no torch, diffusers, numpy or alembic at start.

The bots' import graph is checked statically in test_import_rules; this checks what really
ends up in ``sys.modules`` of a fresh interpreter that imports what ``reelbot discord`` /
``reelbot line`` / ``reelbot media`` import and opens the service on a migrated database
(production runs migrations once, from the CLI or a one-shot job), then builds what the bots
build at start: the Discord bot with its cogs and delivery loop's module, the LINE bot with its
web app (webhook, health and media routes).

Each name in ``HEAVY`` after the GPU stack was once in a bot's start-up and was cut
(docs/architecture.md, "What a bot process loads"): alembic, mako and pygments came with
migrations; Pillow with image intake (``domain.images`` now imports it on the first picture);
Jinja2 with the web pages (imported on the first page render).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("torch", "diffusers", "transformers", "numpy", "alembic", "cv2", "mako", "pygments", "PIL", "jinja2")

CODE = """
import asyncio, json, sys
from pathlib import Path
import reelbot.cli
from reelbot.cli.platforms import load_platforms
load_platforms()
import importlib
import reelbot.bots.discord.bot, reelbot.bots.line.app, reelbot.bots.media_server
import reelbot.bots.discord.delivery
from reelbot.app.service import ReelbotService
from reelbot.bots.discord.bot import EXTENSIONS, make_bot
from reelbot.bots.line.app import LineBot
from reelbot.domain.settings import Settings

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
print(json.dumps(sorted(m for m in json.loads(sys.argv[4]) if m in sys.modules)))
"""


def test_bot_processes_import_no_gpu_stack_numpy_or_alembic(tmp_path: Path, key_prefix: str) -> None:
    from tests.conftest import REDIS_URL

    data = tmp_path / "bot-data"
    args = [str(data), REDIS_URL, key_prefix, json.dumps(HEAVY)]
    first = subprocess.run([sys.executable, "-c", CODE, *args], capture_output=True, text=True, check=True)
    assert "alembic" in json.loads(first.stdout)  # the first start migrates the new database
    again = subprocess.run([sys.executable, "-c", CODE, *args], capture_output=True, text=True, check=True)
    assert json.loads(again.stdout) == [], again.stderr[-2000:]
