"""Batching (engine.batch_size): two queued compatible jobs are rendered by ONE pipeline call
on the real tiny Wan pipeline — every transformer forward carries both — and each keeps its
own seed, clip and DONE; an incompatible job in the same claim renders alone. Real Redis,
database, worker and ffmpeg; passes counted by a forward hook on the real transformer."""

from __future__ import annotations

import uuid
from typing import Any

import torch

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.generator.cache import EngineCache
from reelbot.generator.presets import LoadContext
from reelbot.generator.worker.batch import batch_key

ANN = Origin(platform=Platform.CLI, user_id="ann", channel_id="cli")


async def _submit(service: ReelbotService, prompt: str, seed: int, seconds: float = 0.5) -> uuid.UUID:
    request = GenerationRequest(prompt=prompt, seed=seed, seconds=seconds, origin=ANN)
    ticket = await service.submit(request, idempotency_key=f"batch:{uuid.uuid4()}")
    return ticket.job_id


async def test_two_compatible_jobs_share_one_pipeline_call(batching: ReelbotService) -> None:
    service = batching
    first = await _submit(service, "a red paper boat", seed=1)
    second = await _submit(service, "a lighthouse at night", seed=2)
    alone = await _submit(service, "a longer clip", seed=3, seconds=1.0)  # another frame count

    cache = EngineCache(LoadContext(device="cpu", dtype="float32"))
    transformer = cache.get("tiny").t2v.transformer  # type: ignore[attr-defined]
    calls: list[torch.Tensor] = []

    def hook(module: Any, args: Any, kwargs: dict[str, Any]) -> None:
        calls.append(kwargs["hidden_states"].detach().clone())

    handle = transformer.register_forward_pre_hook(hook, with_kwargs=True)
    try:
        worker = worker_for(service, burst=True, cache=cache, name="batcher")
        await worker.run()
    finally:
        handle.remove()

    assert worker.jobs_done == 3 and worker.batcher.batches == 1
    views = {job_id: await service.job(job_id) for job_id in (first, second, alone)}
    assert all(v.state is JobState.DONE for v in views.values()), views
    clips = {job_id: await service.clip(v.clip_id) for job_id, v in views.items() if v.clip_id}
    assert len({c.id for c in clips.values()}) == 3
    assert clips[first].num_frames == clips[second].num_frames < clips[alone].num_frames

    # tiny: 4 steps with CFG = 8 forward calls per render; the pair's 8 carry both jobs.
    batched = [c for c in calls if c.shape[0] == 2]
    single = [c for c in calls if c.shape[0] == 1]
    assert (len(batched), len(single), len(calls)) == (8, 8, 16)
    # Each item starts from its own seed's noise, exactly what a render of its own draws.
    start = batched[0]
    for index, seed in enumerate((1, 2)):
        noise = torch.randn((1, *start.shape[1:]), generator=torch.Generator("cpu").manual_seed(seed))
        assert torch.equal(start[index : index + 1], noise), seed
    assert not torch.equal(start[0], start[1])


def test_what_batches_together(settings: Settings) -> None:
    plain = GenerationRequest(prompt="a", seed=1, origin=ANN, preset="tiny")
    assert batch_key(plain, settings) == batch_key(
        plain.model_copy(update={"prompt": "b", "seed": 9}), settings
    )
    assert batch_key(plain, settings) != batch_key(plain.model_copy(update={"seconds": 2.0}), settings)
    assert batch_key(plain.model_copy(update={"loop": True}), settings) is None
    assert batch_key(plain.model_copy(update={"preset": "no-such"}), settings) is None


async def test_a_stopping_worker_hands_back_what_its_turn_claimed(batching: ReelbotService) -> None:
    jobs = [await _submit(batching, f"shot {n}", seed=n) for n in (1, 2)]
    cache = EngineCache(LoadContext(device="cpu", dtype="float32"))
    worker = worker_for(batching, burst=True, cache=cache, name="stopping")
    await worker.queue.ensure_groups()
    worker.stopping.set()  # SIGTERM arrived: the turn's claims go back, nothing renders
    await worker._turn()
    assert worker.jobs_done == 0 and cache.loaded() == []
    assert {(await batching.job(j)).state for j in jobs} == {JobState.QUEUED}
    again = await batching.queue.claim("another-worker", count=3)
    assert {d.job_id for d in again.deliveries} == set(jobs)  # claimable again at once
