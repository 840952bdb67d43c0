"""Photos are stored as assets only when a prompt uses them; unused ones are swept, not kept.

Real service (its media store and asset table), real line-bot-sdk against the fake.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from reelbot.bots.line.staging import SWEEP_GRACE_S, PhotoStaging, run_sweeper
from reelbot.domain.types import Platform
from tests.bots.line.conftest import Harness, image_event, reply_texts, text_event
from tests.bots.line.test_photos import png
from tests.fakes.line_api import Content


def asset_files(harness: Harness) -> list[Path]:
    root = harness.service.media.root / "assets"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def staged_files(harness: Harness) -> list[str]:
    root = harness.bot.staging.root
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


async def test_unused_photos_never_reach_the_asset_store_and_are_swept(harness: Harness) -> None:
    harness.fake.contents.update({"p1": Content(png((1, 2, 3)), "image/png")})
    await harness.send(image_event("p1"))
    assert staged_files(harness) == ["p1.bin"]  # checked and waiting, outside the media store
    assert asset_files(harness) == []
    # Nobody sends a prompt: once older than the photo TTL (+ grace) the sweep removes it.
    staging = harness.bot.staging
    assert staging.sweep(now=time.time()) == 0  # still fresh
    assert staging.sweep(now=time.time() + staging.ttl_s + SWEEP_GRACE_S + 1) == 1
    assert staged_files(harness) == [] and asset_files(harness) == []


async def test_cleared_and_replaced_photos_are_discarded_at_once(harness: Harness) -> None:
    harness.fake.contents.update(
        {
            "a": Content(png((10, 0, 0)), "image/png"),
            "b": Content(png((0, 10, 0)), "image/png"),
            "c": Content(png((0, 0, 10)), "image/png"),
        }
    )
    await harness.send(image_event("a"), text_event("首格"), image_event("b"))  # b replaces a
    assert staged_files(harness) == ["b.bin"]
    await harness.send(image_event("c"), text_event("清除"))
    assert staged_files(harness) == [] and asset_files(harness) == []


async def test_a_used_photo_is_stored_once_as_an_asset(harness: Harness) -> None:
    data = png((50, 60, 70))
    harness.fake.contents["u1"] = Content(data, "image/png")
    await harness.send(image_event("u1"), text_event("讓它動起來"))
    (job,) = await harness.service.jobs_for(Platform.LINE, "Ualice")
    (ref,) = job.request.references
    (stored,) = asset_files(harness)
    assert stored.read_bytes() == data and ref.sha256 in stored.name
    assert staged_files(harness) == []  # the staged copy is gone once the service has it
    assert len(harness.fake.calls_to("/v2/bot/message/u1/content")) == 1  # downloaded once


async def test_a_photo_staged_elsewhere_is_downloaded_again(harness: Harness) -> None:
    """Another replica (or the sweep) has the staged copy: the prompt still gets the photo."""
    harness.fake.contents["r1"] = Content(png((5, 6, 7)), "image/png")
    await harness.send(image_event("r1"))
    harness.bot.staging.discard(["r1"])
    await harness.send(text_event("讓它動起來"))
    (job,) = await harness.service.jobs_for(Platform.LINE, "Ualice")
    assert len(job.request.references) == 1
    assert len(harness.fake.calls_to("/v2/bot/message/r1/content")) == 2
    assert len(asset_files(harness)) == 1


def test_staging_refuses_paths_and_sweeps_crashed_writes(tmp_path: Path) -> None:
    staging = PhotoStaging(tmp_path / "incoming", ttl_s=60)
    for bad in ("../x", "a/b", "", ".."):
        with pytest.raises(ValueError):
            staging.path(bad)
        assert staging.get(bad) is None
    staging.put("m1", b"photo")
    assert staging.get("m1") == b"photo"
    leftover = staging.root / ".incoming-crashed.tmp"  # a write interrupted by a crash
    leftover.write_bytes(b"half")
    assert staging.sweep(now=time.time() + 60 + SWEEP_GRACE_S + 1) == 2
    assert list(staging.root.iterdir()) == []
    assert staging.maybe_sweep(now=time.time()) == 0  # swept moments ago: skipped


async def test_the_sweeper_loop_cleans_a_quiet_bot_and_stops(tmp_path: Path) -> None:
    staging = PhotoStaging(tmp_path / "incoming", ttl_s=60)
    staging.put("old", b"x")
    staging.put("new", b"y")
    stale = time.time() - 60 - SWEEP_GRACE_S - 5
    os.utime(staging.path("old"), (stale, stale))
    stop = asyncio.Event()
    task = asyncio.create_task(run_sweeper(staging, stop, interval_s=0.01))
    for _ in range(200):
        if staging.get("old") is None:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert staging.get("old") is None and staging.get("new") == b"y"


async def test_a_photo_that_cannot_be_staged_still_works(harness: Harness) -> None:
    """A full or read-only staging disk only costs a second download, never the photo."""
    harness.bot.staging.root.parent.mkdir(parents=True, exist_ok=True)
    harness.bot.staging.root.write_bytes(b"")  # a file where the folder should be: writes fail
    harness.fake.contents["s1"] = Content(png((8, 8, 8)), "image/png")
    await harness.send(image_event("s1"), text_event("讓它動起來"))
    texts = reply_texts(harness.fake)
    assert texts[0].startswith("收到照片") and texts[1].startswith("排隊中")
    (job,) = await harness.service.jobs_for(Platform.LINE, "Ualice")
    assert len(job.request.references) == 1
    assert len(harness.fake.calls_to("/v2/bot/message/s1/content")) == 2
