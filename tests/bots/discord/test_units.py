"""The bot's small parts on their own: throttle, status texts, custom ids, click guard, hosts."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from typing import Any

import pytest

from reelbot.bots.common.actions import ACTIONS, CUSTOM_ID_MAX, custom_id, parse_custom_id
from reelbot.bots.common.status import event_text, progress_bar
from reelbot.bots.discord.attachments import check_host
from reelbot.bots.discord.config import DiscordConfig
from reelbot.bots.discord.throttle import EditThrottle
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import Origin, Platform


async def test_throttle_coalesces_and_always_sends_the_last() -> None:
    throttle = EditThrottle(0.3)
    sent: list[tuple[int, float]] = []

    def edit(value: int) -> Any:
        async def run() -> None:
            sent.append((value, time.monotonic()))

        return run

    for value in range(10):  # a burst of progress: only the first and the newest go out
        throttle.update("m1", edit(value))
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.5)
    assert [v for v, _ in sent] == [0, 9]
    await throttle.final("m1", edit(100))
    throttle.update("m1", edit(101))  # late progress after the final one: ignored
    await asyncio.sleep(0.4)
    assert [v for v, _ in sent] == [0, 9, 100]
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(sent)]
    assert all(gap >= 0.3 - 0.01 for gap in gaps), gaps
    await throttle.aclose()


async def test_throttle_assume_edited_waits_one_interval() -> None:
    # A restarted bot must not edit a message the previous process may have edited just before.
    throttle = EditThrottle(0.3)
    sent: list[tuple[str, float]] = []

    def edit(key: str) -> Any:
        async def run() -> None:
            sent.append((key, time.monotonic()))

        return run

    start = time.monotonic()
    throttle.assume_edited("old", start)
    throttle.update("new", edit("new"))
    throttle.update("old", edit("old"))
    await asyncio.sleep(0.45)
    await throttle.final("old", edit("old-final"))
    assert sent[0][0] == "new" and sent[0][1] - start < 0.2  # an unknown message: at once
    assert [k for k, _ in sent[1:]] == ["old", "old-final"]
    assert sent[1][1] - start >= 0.3 - 0.01 and sent[2][1] - sent[1][1] >= 0.3 - 0.01
    await throttle.aclose()


def test_progress_bar_and_texts() -> None:
    assert progress_bar(0, 10) == "░" * 12 and progress_bar(10, 10) == "█" * 12
    assert progress_bar(30, 10) == "█" * 12 and progress_bar(5, 0) == "░" * 12
    origin = Origin(platform=Platform.DISCORD, user_id="1")
    job = uuid.uuid4()
    progress = JobEvent(kind=EventKind.PROGRESS, job_id=job, origin=origin, step=3, total_steps=4)
    assert "75%" in event_text(progress, "en") and "3/4" in event_text(progress, "en")
    assert "生成中" in event_text(progress, "zh-TW")
    queued = JobEvent(kind=EventKind.QUEUED, job_id=job, origin=origin, position=3)
    assert "number 3" in event_text(queued, "en", seconds_per_job=60) and "3 min" in event_text(queued, "en")
    failed = JobEvent(kind=EventKind.FAILED, job_id=job, origin=origin, error_key="job.out_of_memory")
    assert "ran out of memory" in event_text(failed, "en")
    unknown = JobEvent(
        kind=EventKind.FAILED, job_id=job, origin=origin, error_key="no.such.key", error_detail="x"
    )
    assert str(job) in event_text(unknown, "en")


def test_custom_ids_round_trip_and_refuse_forgeries() -> None:
    target = uuid.uuid4()
    for name in ACTIONS:
        value = custom_id(name, target)
        assert len(value) <= CUSTOM_ID_MAX and parse_custom_id(value) == (name, target)
    for forged in (
        "reelbot:reroll:xyz",
        f"reelbot:REROLL:{target}",
        f"other:reroll:{target}",
        f"reelbot:reroll:{target}:extra",
        f"reelbot::{target}",
    ):
        assert parse_custom_id(forged) is None, forged


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://cdn.discordapp.com/attachments/1/2/a.png?ex=1", True),
        ("https://media.discordapp.net/attachments/1/2/a.png", True),
        ("http://cdn.discordapp.com/attachments/1/2/a.png", False),
        ("https://cdn.discordapp.com.evil.example/a.png", False),
        ("https://cdn.discordapp.com@evil.example/a.png", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_discord_cdn_hosts(url: str, ok: bool) -> None:
    config = DiscordConfig(_env_file=None)  # type: ignore[call-arg]
    if ok:
        check_host(url, config)
    else:
        with pytest.raises(InvalidRequest):
            check_host(url, config)


def test_reencode_fits_a_smaller_upload_limit(tmp_path: Any) -> None:
    import numpy as np

    from reelbot.domain.settings import Settings
    from reelbot.generator.encode import encode_mp4, probe
    from reelbot.ports import PORTS

    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    frames = np.random.default_rng(1).integers(0, 256, size=(24, 144, 256, 3), dtype=np.uint8)
    source = tmp_path / "noisy.mp4"
    encode_mp4(frames, 8, source, settings.encode.model_copy(update={"crf": 0}))
    data = source.read_bytes()
    limit = max(200 * 1024, len(data) // 3)
    assert len(data) > limit
    smaller = PORTS.require_clip_shrinker()(data, limit, settings.encode)  # as the bot calls it
    assert len(smaller) <= limit
    out = tmp_path / "smaller.mp4"
    out.write_bytes(smaller)
    info = probe(out)
    assert (info.codec, info.width, info.height, info.num_frames) == ("h264", 256, 144, 24)


def test_bot_texts_exist_in_both_languages() -> None:
    import reelbot.bots.common.texts
    import reelbot.bots.discord.texts  # noqa: F401
    from reelbot.domain.messages import CATALOGUE, EN, ZH_TW

    ours = [
        k
        for k in CATALOGUE[EN]
        if k.split(".")[0]
        in {
            "discord",
            "cmd",
            "status",
            "clip",
            "action",
            "kind",
            "info",
            "submit",
            "queue",
            "cancel",
            "delete",
            "button",
        }
    ]
    assert len(ours) > 60
    missing = [k for k in ours if k not in CATALOGUE[ZH_TW]]
    assert missing == []
