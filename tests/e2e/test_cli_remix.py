"""`reelbot extend|loop|vary|remix|reroll CLIP_ID` end to end: real Redis, SQLite, worker, clips.

A tiny clip is made the way a person makes one (enqueue + a burst worker); each remix command
then queues a job through the service's remix path, a worker renders it, and `reelbot status`
shows the new clip with the parent in its lineage.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelbot.app.service import ReelbotService
from reelbot.cli import app
from reelbot.domain.settings import Settings
from reelbot.domain.types import Platform, RemixKind, Variation

from .processes import worker_env


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The test's settings as the environment a user would export, applied in-process too."""
    env = worker_env(settings)
    for name, value in env.items():
        if name.startswith("REELBOT_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("REELBOT_LIMITS__MAX_PENDING_JOBS_PER_USER", "10")  # six remixes at once
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.chdir(tmp_path)
    return env


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def make_clip() -> str:
    """A real tiny clip through the queue and a worker; returns its clip id."""
    code, out, err = run("enqueue", "a lantern festival", "--seconds", "1", "--seed", "7")
    assert code == 0, err
    job_id = last_line(out)
    assert run("worker", "--burst", "--health-port", "0")[0] == 0
    return str(status(job_id)["clip"])


def status(job_id: str) -> dict[str, object]:
    code, out, err = run("status", job_id)
    assert code == 0, err
    info: dict[str, object] = json.loads(out)
    return info


def stored_request(settings: Settings, job_id: str) -> tuple[object, ...]:
    async def load() -> tuple[object, ...]:
        service = await ReelbotService.open(settings)
        try:
            view = await service.job(uuid.UUID(job_id))
            r = view.request
            return (r.prompt, r.seed, r.loop, r.variation, r.parent_clip_id, r.remix_kind)
        finally:
            await service.close()

    return asyncio.run(load())


def test_each_remix_command_queues_renders_and_keeps_lineage(
    cli_env: dict[str, str], settings: Settings
) -> None:
    parent = make_clip()
    commands = {
        "extend": (["extend", parent], "Extend"),
        "loop": (["loop", parent], "Loop"),
        "vary": (["vary", parent], "Vary"),
        "strong": (["vary", parent, "--strong"], "Vary (strong)"),
        "remix": (["remix", parent, "a lantern festival in the rain"], "Remix"),
        "reroll": (["reroll", parent], "Reroll"),
    }
    jobs: dict[str, str] = {}
    for name, (args, label) in commands.items():
        code, out, err = run(*args)
        assert code == 0, err
        jobs[name] = last_line(out)
        uuid.UUID(jobs[name])
        assert f"{label} of clip {parent[:8]}: job {jobs[name]} queued, position " in err, err

    pid = uuid.UUID(parent)
    assert stored_request(settings, jobs["extend"])[4:] == (pid, RemixKind.EXTEND)
    # loop: the parent's recipe (prompt and seed) closed on itself, lineage kind remix
    assert stored_request(settings, jobs["loop"]) == (
        "a lantern festival",
        7,
        True,
        None,
        pid,
        RemixKind.REMIX,
    )
    assert stored_request(settings, jobs["vary"])[3:] == (Variation.SUBTLE, pid, RemixKind.VARY)
    assert stored_request(settings, jobs["strong"])[3:] == (Variation.STRONG, pid, RemixKind.VARY)
    assert stored_request(settings, jobs["remix"])[0] == "a lantern festival in the rain"
    assert stored_request(settings, jobs["reroll"])[4:] == (pid, RemixKind.REROLL)

    assert run("worker", "--burst", "--health-port", "0")[0] == 0
    for name, job_id in jobs.items():
        info = status(job_id)
        assert info["state"] == "done", (name, info)
        assert Path(str(info["video"])).is_file()
        lineage = [str(entry) for entry in info["lineage"]]  # type: ignore[attr-defined]
        assert any(entry.startswith(parent) for entry in lineage), (name, lineage)


def test_same_key_is_one_job_and_zh_tw_speaks(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = make_clip()
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    code, first, err = run("vary", parent, "--key", "k1")
    assert code == 0 and "的變化：工作" in err and "排在第" in err, err
    code, second, err = run("vary", parent, "--key", "k1")
    assert code == 0 and "這個金鑰已經排過了" in err, err
    assert last_line(first) == last_line(second)


def test_bad_clip_ids_are_one_line_exit_1(cli_env: dict[str, str], settings: Settings) -> None:
    for args, needle in [
        (["extend", "not-a-clip"], "is not a clip id"),
        (["loop", "12345"], "is not a clip id"),
        (["reroll", str(uuid.uuid4())], "That clip no longer exists."),
        (["remix", str(uuid.uuid4()), "new"], "That clip no longer exists."),
    ]:
        code, out, err = run(*args)
        assert code == 1, (args, err)
        lines = [line for line in err.strip().splitlines() if line.strip()]
        assert len(lines) == 1 and needle in lines[0], (args, err)
        assert "Traceback" not in out + err

    parent = make_clip()

    async def delete() -> None:
        service = await ReelbotService.open(settings)
        try:
            clip = await service.clip(uuid.UUID(parent))
            await service.delete_clip(clip.id, by=clip.author)
        finally:
            await service.close()

    asyncio.run(delete())
    for command in ("extend", "loop", "vary", "reroll"):
        code, _, err = run(command, parent)
        assert code == 1 and "That clip no longer exists." in err and len(err.strip().splitlines()) == 1


def test_extend_past_the_limit_is_refused_before_queueing(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    parent = make_clip()
    monkeypatch.setenv("REELBOT_LIMITS__MAX_SECONDS", "1")
    monkeypatch.setenv("REELBOT_LIMITS__MAX_TOTAL_SECONDS", "1")
    code, out, err = run("extend", parent)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in out + err, err
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    code, _, zh = run("extend", parent)
    assert code == 1 and zh.strip() != err.strip() and len(zh.strip().splitlines()) == 1

    async def queued_jobs() -> int:
        service = await ReelbotService.open(settings)
        try:
            return len(await service.jobs_for(Platform.CLI, getpass.getuser() or "cli"))
        finally:
            await service.close()

    assert asyncio.run(queued_jobs()) == 0  # the parent is done; nothing new is waiting
