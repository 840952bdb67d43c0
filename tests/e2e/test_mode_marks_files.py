"""Draft marks follow the LoRA files on disk, for every preset a worker serves (not only its
default one): warm-up looks at the other presets' files (no load) and marks the missing or
unreadable ones; a mark records what the files were, and the worker's periodic reconcile ends
it once they differ (put in place, replaced), so the operator's fix counts before the TTL.
A look never clears a mark. Real Redis, SQLite, tiny Wan worker, real LoRA files, ffmpeg."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub.errors import HFValidationError

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.presets import LoraSource, get_preset
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.presets import LoadContext
from reelbot.generator.speed.lora import save_tiny_lora
from reelbot.generator.worker import lora_files, mode_marks
from reelbot.storage import jobs as job_repo
from tests.draft_presets import local_lora, tiny_draft_presets

ORIGIN = Origin(platform=Platform.DISCORD, user_id="fern", channel_id="c8", guild_id="g8")
ABSENT, GARBLED, WRONG = "e2e-files-absent", "e2e-files-garbled", "e2e-files-wrong"
WEIGHTS = {ABSENT: "absent.safetensors", GARBLED: "garbled.safetensors", WRONG: "wrong.safetensors"}


@pytest.fixture
def test_presets() -> Iterator[None]:
    """Three tiny presets besides the default ``tiny``, each with its own draft LoRA file name."""
    with tiny_draft_presets({name: local_lora(weight) for name, weight in WEIGHTS.items()}):
        yield


def _file(settings: Settings, preset: str) -> Path:
    return settings.data_dir / "models" / "loras" / preset / WEIGHTS[preset]


def _cache(settings: Settings) -> EngineCache:
    models = str(settings.data_dir / "models")
    return EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=models))


def _request(preset: str, speed: SpeedMode) -> GenerationRequest:
    return GenerationRequest(
        prompt="a lantern", preset=preset, speed=speed, seed=5, seconds=1.0, origin=ORIGIN
    )


async def _mark(service: ReelbotService, preset: str) -> str | None:
    stored = await service.redis.get(service.keys.mode_unavailable(preset, "draft"))
    return stored.decode() if isinstance(stored, bytes) else stored


async def _refused_with(service: ReelbotService, preset: str, key: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        await service.submit(_request(preset, SpeedMode.DRAFT), idempotency_key=f"refused-{preset}")
    assert info.value.key == key


async def test_warm_up_marks_other_presets_whose_files_are_missing_and_a_fix_ends_the_mark(
    settings: Settings, test_presets: None
) -> None:
    _file(settings, GARBLED).parent.mkdir(parents=True)
    _file(settings, GARBLED).write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00not json")  # a torn copy
    cache = _cache(settings)
    service = await ReelbotService.open(settings)
    try:
        await worker_for(service, name="warm", burst=True, warm_up=True, cache=cache).run()
        absent = await _mark(service, ABSENT)
        assert absent == f"generator.lora_missing|{socket.gethostname()}|missing"
        assert (await _mark(service, GARBLED) or "").startswith("generator.lora_mismatch|")
        assert await _mark(service, "tiny") is None  # the default preset loaded for real
        assert await _mark(service, WRONG) == absent  # absent too: every served preset is looked at
        await _refused_with(service, ABSENT, "generator.lora_missing")  # the service reads the key
        await _refused_with(service, GARBLED, "generator.lora_mismatch")

        # The files are as they were: the reconcile keeps both marks.
        assert await mode_marks.reconcile(service.queue, cache.context) == []
        assert await _mark(service, ABSENT) == absent

        save_tiny_lora(_file(settings, ABSENT))  # the operator puts the file in place
        assert await mode_marks.reconcile(service.queue, cache.context) == [ABSENT]
        assert await _mark(service, ABSENT) is None
        assert await _mark(service, GARBLED) is not None  # still the torn file
        ticket = await service.submit(_request(ABSENT, SpeedMode.DRAFT), idempotency_key="after-fix")
        await worker_for(service, name="renders", burst=True, cache=cache).run()
        job = await service.run_db(job_repo.get_job, job_id=ticket.job_id)
    finally:
        await service.close()
    assert job.state == JobState.DONE.value and job.render_report["lora"] == WEIGHTS[ABSENT]  # type: ignore[union-attr]


async def test_a_look_never_clears_a_mark_and_only_this_hosts_changed_files_do(
    settings: Settings, test_presets: None
) -> None:
    from diffusers import WanTransformer3DModel

    from reelbot.generator.tiny import TINY_WAN_TRANSFORMER

    wider = WanTransformer3DModel(**{**TINY_WAN_TRANSFORMER, "attention_head_dim": 16}, in_channels=16)
    save_tiny_lora(_file(settings, WRONG), transformer=wider)  # readable, made for another model
    save_tiny_lora(_file(settings, ABSENT))
    save_tiny_lora(_file(settings, GARBLED))
    cache = _cache(settings)
    service = await ReelbotService.open(settings)
    try:
        ticket = await service.submit(_request(WRONG, SpeedMode.DRAFT), idempotency_key="wrong-draft")
        await worker_for(service, name="fails", burst=True, cache=cache).run()
        failed = await service.run_db(job_repo.get_job, job_id=ticket.job_id)
        assert failed.error_key == "generator.lora_mismatch"  # type: ignore[union-attr]
        wrong = await _mark(service, WRONG)
        spec = get_preset(WRONG)
        files = lora_files.state(spec, cache.context.cache_dir)
        assert wrong == f"generator.lora_mismatch|{socket.gethostname()}|{files}" and files != "missing"

        # Another host's mark with other files, and an older worker's bare key: not this host's to end.
        other = "generator.lora_missing|elsewhere|missing"
        await service.redis.set(service.keys.mode_unavailable(ABSENT, "draft"), other, ex=60)
        bare = service.keys.mode_unavailable(GARBLED, "draft")
        await service.redis.set(bare, "generator.lora_missing", ex=60)
        await _refused_with(service, GARBLED, "generator.lora_missing")  # the bare key still reads

        # A warm-up's look finds the wrong file readable: it neither marks nor clears.
        await worker_for(service, name="warm", burst=True, warm_up=True, cache=cache).run()
        assert await _mark(service, WRONG) == wrong
        assert await mode_marks.reconcile(service.queue, cache.context) == []
        assert await _mark(service, ABSENT) == other
        assert await _mark(service, GARBLED) == "generator.lora_missing"

        save_tiny_lora(_file(settings, WRONG))  # replaced by one that fits: size or mtime differ
        assert await mode_marks.reconcile(service.queue, cache.context) == [WRONG]
        await _refused_with(service, GARBLED, "generator.lora_missing")
        ticket = await service.submit(_request(WRONG, SpeedMode.DRAFT), idempotency_key="wrong-fixed")
        await worker_for(service, name="renders", burst=True, cache=cache).run()
        fixed = await service.run_db(job_repo.get_job, job_id=ticket.job_id)
    finally:
        await service.close()
    assert fixed.state == JobState.DONE.value  # type: ignore[union-attr]


def test_a_look_that_fails_skips_its_preset_and_looks_at_the_rest(
    settings: Settings, test_presets: None
) -> None:
    """A repo id the hub client rejects (a typo in a preset) raises inside the look: warm-up
    logs it and goes on with the other presets instead of never becoming ready."""
    bad = "e2e-files-bad-repo"
    lora = LoraSource(repo="not a repo id//", weight_name="x.safetensors", licence="test")
    with tiny_draft_presets({bad: lora}):
        context = _cache(settings).context
        with pytest.raises(HFValidationError):
            lora_files.broken(get_preset(bad), context.cache_dir)
        found = {outcome.preset for outcome in mode_marks.looked_at(context, skip="tiny")}
    assert bad not in found and {ABSENT, GARBLED, WRONG} <= found  # no file of theirs is there
