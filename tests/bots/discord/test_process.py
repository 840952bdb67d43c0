"""The bot as its own process: no torch in it, and the token is handled like a secret.

``reelbot discord`` runs against the fake Discord (pointed there with REELBOT_DISCORD_*
settings); a missing or wrong token is one line on stderr and never printed; a real /video
with an image goes through the process and leaves a job in the database while the process
maps no libtorch.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image

from reelbot.app.service import ReelbotService
from reelbot.domain.settings import Settings
from reelbot.domain.types import Platform
from tests.bots.discord.helpers import answer_of, wait_jobs
from tests.fakes.discord_api import FakeDiscord

REELBOT = str(Path(sys.executable).with_name("reelbot"))

IMPORTS = """
import sys
import reelbot.bots.discord.bot, reelbot.bots.discord.delivery, reelbot.app.service
for name in ("video", "remix", "queue", "help", "admin"):
    __import__("reelbot.bots.discord.cogs." + name)
from reelbot.domain.presets import route_preset, list_presets, gpu_available
from reelbot.domain.settings import Settings
settings = Settings(_env_file=None)
route_preset(None, set(), settings)  # what the service does for every request
list_presets(gpu_available(settings))  # what /video's preset autocomplete does
heavy = ("torch.", "diffusers", "transformers")
loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith(heavy))
print(",".join(loaded) or "clean")
"""


def test_bot_modules_never_import_torch(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", IMPORTS],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "REELBOT_DEVICE": "auto"},
        timeout=120,
        check=True,
    )
    assert out.stdout.strip() == "clean", out.stdout


def bot_env(settings: Settings, fake: FakeDiscord, token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELBOT_")}
    env.update(
        REELBOT_DATA_DIR=str(settings.data_dir),
        REELBOT_REDIS_URL=settings.redis_url,
        REELBOT_REDIS_PREFIX=settings.redis_prefix,
        REELBOT_MEDIA_SECRET=settings.media_secret.get_secret_value() if settings.media_secret else "",
        REELBOT_LOG_LEVEL="WARNING",
        COLUMNS="400",  # rich wraps stderr at 80 columns when it is not a terminal
        REELBOT_DISCORD_API_BASE=fake.api_base,
        REELBOT_DISCORD_GATEWAY_URL=fake.gateway_url,
        REELBOT_DISCORD_CDN_HOSTS='["127.0.0.1"]',
        REELBOT_DISCORD_ALLOW_HTTP_CDN="true",
        REELBOT_DISCORD_GUILD_READY_TIMEOUT="0",
        REELBOT_DISCORD_HEALTH_PORT="0",  # a free port: tests run side by side
    )
    if token is not None:
        env["REELBOT_DISCORD_TOKEN"] = token
    return env


async def run_cli(env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        REELBOT, "discord", env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, stdout.decode(), stderr.decode()


def one_error_line(stderr: str, needle: str) -> bool:
    """The failure is one readable line (the last), no traceback; log lines may precede it."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return (
        bool(lines)
        and needle in lines[-1]
        and "Traceback" not in stderr
        and len([line for line in lines if line.startswith("error:")]) == 1
    )


async def test_missing_and_wrong_token_are_one_line(
    fake: FakeDiscord, settings: Settings, tmp_path: Path
) -> None:
    code, out, err = await run_cli(bot_env(settings, fake, None), tmp_path)
    assert code == 2 and one_error_line(err, "REELBOT_DISCORD_TOKEN"), err

    wrong = "wrong-token-Zm9vYmFyYmF6cXV4"
    code, out, err = await run_cli(bot_env(settings, fake, wrong), tmp_path)
    assert code == 2 and one_error_line(err, "refused"), err
    assert wrong not in out + err
    assert fake.find("GET", "/users/@me")[-1].status == 401


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 160), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_bot_process_serves_video_without_torch(
    fake: FakeDiscord, settings: Settings, service: ReelbotService, tmp_path: Path
) -> None:
    env = bot_env(settings, fake, fake.token)
    env["REELBOT_LOG_LEVEL"] = "DEBUG"  # the most talkative: the token must still never appear
    proc = await asyncio.create_subprocess_exec(
        REELBOT, "discord", env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        await fake.wait_identified(60)
        user = fake.user(name="procuser")
        image = fake.add_attachment("first.png", png_bytes())
        inter = await fake.send_interaction(
            fake.slash("video", {"prompt": "waves on a beach"}, attachments={"image": image}, user=user)
        )
        assert (await fake.answered(inter)).json["type"] == 5
        answer = await answer_of(fake, inter)
        assert "job" in answer["content"].lower(), answer
        (job,) = await wait_jobs(fake, service, user["id"], 1)
        assert [ref.role.value for ref in job.request.references] == ["first_frame"]
        maps = Path(f"/proc/{proc.pid}/maps").read_text()
        assert "libtorch" not in maps and "torch/lib" not in maps
        status = await service.jobs_for(Platform.DISCORD, user["id"])
        assert status and status[0].request.origin.message_id
    finally:
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 30)
    output: Any = stdout.decode() + stderr.decode()
    assert proc.returncode == 0, output[-2000:]
    assert fake.token not in output
