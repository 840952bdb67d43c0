"""`reelbot quality CLIP_ID`: a draft clip's recipe queued again in quality; a quality clip is
one clear refusal (real Redis, SQLite, worker and tiny render)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from reelbot.app.service import ReelbotService
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest

from .test_cli_remix import cli_env, last_line, make_clip, run

__all__ = ["cli_env"]  # the fixture, shared with test_cli_remix


def stored(settings: Settings, job_id: str) -> GenerationRequest:
    async def load() -> GenerationRequest:
        service = await ReelbotService.open(settings)
        try:
            return (await service.job(uuid.UUID(job_id))).request
        finally:
            await service.close()

    return asyncio.run(load())


def test_quality_command_requeues_a_draft_clip(
    cli_env: dict[str, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REELBOT_ENGINE__SPEED", "draft")  # the server default: the clip is a draft
    clip = make_clip()
    code, out, err = run("quality", clip)
    assert code == 0, err
    assert "Render in quality of clip" in err
    request = stored(settings, last_line(out))
    assert (request.prompt, request.seed, str(request.parent_clip_id)) == ("a lantern festival", 7, clip)
    assert (request.speed.value if request.speed else None, request.remix_kind) == ("quality", "quality")

    monkeypatch.setenv("REELBOT_ENGINE__SPEED", "quality")  # now the same clip counts as quality
    code, out, err = run("quality", clip)
    assert code == 1 and out == ""
    assert "already rendered in quality" in err
