"""Re-roll / Vary / Extend / Remix keep the parent's speed mode unless the person picks another
(`--speed`), end to end through the command line: real Redis, SQLite, the tiny Wan worker; each
child's mode is read back from the render report its worker stored (`reelbot status`)."""

from __future__ import annotations

import asyncio
import getpass
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reelbot.app.service import ReelbotService
from reelbot.cli import app
from reelbot.domain.settings import Settings
from reelbot.domain.types import Platform

from .processes import worker_env


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in worker_env(settings).items():
        if name.startswith("REELBOT_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("REELBOT_LIMITS__MAX_PENDING_JOBS_PER_USER", "10")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def queued(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, err
    return out.strip().splitlines()[-1]


def status(job_id: str) -> dict[str, object]:
    code, out, err = run("status", job_id)
    assert code == 0, err
    info: dict[str, object] = json.loads(out)
    return info


def render_queue() -> None:
    assert run("worker", "--burst", "--health-port", "0")[0] == 0


def test_children_keep_the_parents_mode_unless_another_is_picked(cli_env: None) -> None:
    parent_job = queued("enqueue", "a lantern festival", "--seconds", "1", "--seed", "7", "--speed", "draft")
    render_queue()
    parent = status(parent_job)
    assert parent["render"]["mode"] == "draft"  # type: ignore[index]
    clip = str(parent["clip"])
    jobs = {
        "reroll": queued("reroll", clip),
        "vary": queued("vary", clip),
        "extend": queued("extend", clip),
        "remix": queued("remix", clip, "a lantern festival in the rain"),
        "reroll in quality": queued("reroll", clip, "--speed", "quality"),
        "extend balanced": queued("extend", clip, "--speed", "balanced"),
    }
    render_queue()
    modes = {}
    for name, job_id in jobs.items():
        info = status(job_id)
        assert info["state"] == "done", (name, info)
        modes[name] = info["render"]["mode"], info["render"]["passes"]  # type: ignore[index]
    # draft: the tiny distilled LoRA's 4 steps, one pass each; quality: 4 steps × CFG
    assert modes == {
        "reroll": ("draft", 4),
        "vary": ("draft", 4),
        "extend": ("draft", 4),
        "remix": ("draft", 4),
        "reroll in quality": ("quality", 8),
        "extend balanced": ("balanced", 8),
    }


def jobs_of_this_user(settings: Settings) -> list[Any]:
    async def load() -> list[Any]:
        service = await ReelbotService.open(settings)
        try:
            depth = await service.queue.depth()
            assert all(lane["waiting"] + lane["pending"] == 0 for lane in depth.values()), depth
            return await service.jobs_for(Platform.CLI, getpass.getuser() or "cli", active_only=False)
        finally:
            await service.close()

    return asyncio.run(load())


def test_a_mode_the_preset_lacks_is_refused_and_nothing_is_queued(cli_env: None, settings: Settings) -> None:
    code, out, err = run("enqueue", "a kite", "--preset", "tiny-ltx", "--speed", "draft")
    assert code == 1 and out == ""
    assert "draft" in err and "quality" in err and "tiny-ltx" in err, err
    parent_job = queued("enqueue", "a kite", "--preset", "tiny-ltx", "--seconds", "1", "--seed", "2")
    render_queue()
    clip = str(status(parent_job)["clip"])
    code, out, err = run("reroll", clip, "--speed", "draft")  # the parent's preset has no draft
    assert code == 1 and out == "" and "tiny-ltx" in err, err
    assert [job.id for job in jobs_of_this_user(settings)] == [uuid.UUID(parent_job)]  # nothing else stored
