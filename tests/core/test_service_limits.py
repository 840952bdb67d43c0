"""Atomic limits in the service (core/app/limits.py) against real Redis and a real database.

Every concurrency test sends 30 submits at once (one asyncio.gather: their database work runs
in threads, their Redis scripts interleave) against a limit sized for 3, and counts what was
admitted — on SQLite and on PostgreSQL. Refusals must leave no job row, no image row or file
and no stream entry behind; reservations go back on cancel and settle to measured seconds.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlmodel import func, select

from reelbot.app.safety.costs import estimate_request
from reelbot.app.service import ReelbotService
from reelbot.domain.errors import InvalidRequest, LimitReached, ReelbotError
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, ReferenceImage, ReferenceRole
from reelbot.queue.keys import LANES
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope
from reelbot.storage.models import Asset, Job

from ..jobrecords import finish_job

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _tuned(settings: Settings, database_url: str, **quota: float) -> Settings:
    """Settings on ``database_url`` with a roomy pending cap and the given user/community quotas."""
    quotas = settings.quotas.model_copy(
        update={
            "relaxed_multiplier": 1.0,  # no relaxed lane: past the quota is refused
            "user": settings.quotas.user.model_copy(update={"daily_gpu_s": quota.get("user")}),
            "community": settings.quotas.community.model_copy(update={"daily_gpu_s": quota.get("community")}),
        }
    )
    limits = settings.limits.model_copy(update={"max_pending_jobs_per_user": 100})
    return settings.model_copy(update={"database_url": database_url, "quotas": quotas, "limits": limits})


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def open_service(
    settings: Settings, backend: str, fresh_database_url: Callable[[str], str]
) -> AsyncIterator[Callable[..., Any]]:
    """``await open_service(user=…, community=…)`` → a service on a fresh database of ``backend``."""
    opened: list[ReelbotService] = []

    async def make(**quota: float) -> ReelbotService:
        service = await ReelbotService.open(_tuned(settings, fresh_database_url(backend), **quota))
        opened.append(service)
        return service

    try:
        yield make
    finally:
        for service in opened:
            await service.close()


def _origin(
    user: str | None = None, guild: str | None = "g1", platform: Platform = Platform.DISCORD
) -> Origin:
    return Origin(
        platform=platform, user_id=user or uuid.uuid4().hex, guild_id=guild, channel_id="c1", locale="en"
    )


def _request(origin: Origin) -> GenerationRequest:
    return GenerationRequest(prompt="a lighthouse at dusk", origin=origin, preset="tiny", seed=1)


def _noise_png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, size=(64, 64, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


async def _burst(service: ReelbotService, requests: list[GenerationRequest], **kw: Any) -> list[Any]:
    return await asyncio.gather(
        *(service.submit(r, idempotency_key=uuid.uuid4().hex, **kw) for r in requests), return_exceptions=True
    )


def _admitted(results: list[Any]) -> list[Any]:
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, LimitReached)]
    assert not unexpected, unexpected
    return [r for r in results if not isinstance(r, BaseException)]


def _rows(service: ReelbotService, model: Any) -> int:
    with session_scope(service.db) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


async def _stream_entries(service: ReelbotService) -> int:
    return sum([await service.redis.xlen(service.keys.jobs(lane)) for lane in LANES])


async def test_user_quota_admits_exactly_three_of_thirty(open_service: Any, settings: Settings) -> None:
    origin = _origin()
    estimate = estimate_request(_request(origin).model_copy(update={"preset": "tiny"}), settings)
    service = await open_service(user=3.5 * estimate)
    results = await _burst(service, [_request(origin)] * 30)
    assert len(_admitted(results)) == 3
    refusals = {r.key for r in results if isinstance(r, LimitReached)}
    assert refusals == {"quota.exceeded_user_daily"}
    assert _rows(service, Job) == 3 and await _stream_entries(service) == 3


async def test_community_quota_admits_exactly_three_of_thirty(open_service: Any, settings: Settings) -> None:
    estimate = estimate_request(_request(_origin()), settings)
    service = await open_service(community=3.5 * estimate)
    results = await _burst(service, [_request(_origin(guild="shared")) for _ in range(30)])
    assert len(_admitted(results)) == 3
    assert {r.key for r in results if isinstance(r, LimitReached)} == {"quota.exceeded_community_daily"}
    assert _rows(service, Job) == 3


async def test_hourly_rates_admit_exactly_three_of_thirty(open_service: Any) -> None:
    service = await open_service()
    await service.save_community_settings(
        Platform.DISCORD, "g-person", {"clips_per_hour_per_user": 3}, by="a"
    )
    await service.save_community_settings(Platform.DISCORD, "g-server", {"clips_per_hour": 3}, by="a")
    one_person = _origin(guild="g-person")
    results = await _burst(service, [_request(one_person)] * 30)
    assert len(_admitted(results)) == 3
    refusal = next(r for r in results if isinstance(r, LimitReached))
    assert refusal.key == "limits.rate_person" and refusal.details["limit"] == 3
    assert "3" in refusal.render("en") and "分鐘" in refusal.render("zh-TW")

    many = await _burst(service, [_request(_origin(guild="g-server")) for _ in range(30)])
    assert len(_admitted(many)) == 3
    assert {r.key for r in many if isinstance(r, LimitReached)} == {"limits.rate_community"}
    assert _rows(service, Job) == 6


async def test_pending_cap_refusals_leave_no_image_row_or_file(open_service: Any) -> None:
    service = await open_service()
    await service.save_community_settings(Platform.DISCORD, "g-cap", {"max_pending_per_user": 3}, by="a")
    origin = _origin(guild="g-cap")
    results = await asyncio.gather(
        *(
            service.submit(
                _request(origin), [(ReferenceRole.STYLE, _noise_png(n))], idempotency_key=uuid.uuid4().hex
            )
            for n in range(30)
        ),
        return_exceptions=True,
    )
    admitted = _admitted(results)
    assert len(admitted) == 3
    assert {r.key for r in results if isinstance(r, LimitReached)} == {"queue.user_pending_cap"}
    assert _rows(service, Job) == 3 and _rows(service, Asset) == 3 and await _stream_entries(service) == 3
    files = [p for p in Path(service.settings.resolved_media_dir).rglob("*") if p.is_file()]
    assert len(files) == 3, files
    # the refused jobs gave their hourly slots and quota reservations back
    assert set(await service.limits.open_reservations()) == {t.job_id for t in admitted}


async def test_cancel_gives_the_slot_back_and_finishing_settles_to_measured(open_service: Any) -> None:
    service = await open_service(user=1e6)
    await service.save_community_settings(Platform.DISCORD, "g-r", {"clips_per_hour_per_user": 2}, by="a")
    origin = _origin(guild="g-r")
    first = await service.submit(_request(origin), idempotency_key="k1")
    second = await service.submit(_request(origin), idempotency_key="k2")
    with pytest.raises(LimitReached):
        await service.submit(_request(origin), idempotency_key="k3")
    await service.cancel(second.job_id, by=origin)
    third = await service.submit(_request(origin), idempotency_key="k4")  # the cancelled slot is free
    assert third.state is JobState.QUEUED

    # a finished job: its estimate leaves Redis and what it measured counts from the database
    windows = await asyncio.to_thread(service._quota_windows, origin, None)
    user_daily = next(w for w in windows if (w.scope, w.period) == ("user", "daily"))
    before = await service.limits.counter(origin, user_daily)
    estimate = estimate_request(_request(origin), service.settings)
    assert before == pytest.approx(2 * estimate)  # first and third are held; the cancelled one left
    finish_job(service.db, first.job_id, gpu_seconds=123.0)
    assert await service.settle_limits() == 1
    assert await service.settle_limits() == 0  # idempotent
    assert await service.limits.counter(origin, user_daily) == pytest.approx(estimate)
    held = set(await service.limits.open_reservations())
    windows = await asyncio.to_thread(service._quota_windows, origin, None, held)
    user_daily = next(w for w in windows if (w.scope, w.period) == ("user", "daily"))
    assert user_daily.used == pytest.approx(123.0) and user_daily.reserved == 0  # nothing twice
    with pytest.raises(LimitReached):  # a done job still counts against the hour
        await service.submit(_request(origin), idempotency_key="k5")


async def test_a_full_media_disk_is_a_clear_message_and_leaves_nothing(open_service: Any) -> None:
    service = await open_service()
    media_root = Path(service.settings.resolved_media_dir)
    media_root.mkdir(parents=True, exist_ok=True)
    (media_root / "assets").write_bytes(b"")  # a file where the assets folder must go: a real OSError
    with pytest.raises(ReelbotError) as err:
        await service.submit(
            _request(_origin()), [(ReferenceRole.STYLE, _noise_png(1))], idempotency_key="disk"
        )
    assert err.value.key == "media.storage_unavailable"
    assert "storage" in err.value.render("en") and "儲存" in err.value.render("zh-TW")
    assert _rows(service, Job) == 0 and _rows(service, Asset) == 0 and await _stream_entries(service) == 0
    assert await service.limits.open_reservations() == {}


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"idempotency_key": "k" * 256}, "request.idempotency_key_invalid"),
        ({"idempotency_key": "bad\x00key"}, "request.idempotency_key_invalid"),
        ({"user_id": "U\x00nul"}, "request.field_invalid"),
        ({"display_name": "Bo\x00b"}, "request.field_invalid"),
        ({"guild_id": "g\x00"}, "request.field_invalid"),
        ({"reference": "ab" * 32}, "request.reference_unknown"),
    ],
)
async def test_bad_python_api_input_is_a_clear_message(
    open_service: Any, change: dict[str, str], key: str
) -> None:
    service = await open_service()
    origin = _origin()
    change = dict(change)  # shared by both backends' runs
    idem = change.pop("idempotency_key", "good-key")
    if "reference" in change:
        request = _request(origin).model_copy(
            update={"references": (ReferenceImage(role=ReferenceRole.STYLE, sha256=change.pop("reference")),)}
        )
    else:
        request = _request(origin.model_copy(update=change))
    with pytest.raises(InvalidRequest) as err:
        await service.submit(request, idempotency_key=idem)
    assert err.value.key == key
    assert err.value.render("en") and err.value.render("zh-TW") != err.value.render("en")
    assert _rows(service, Job) == 0 and await _stream_entries(service) == 0
    assert await service.limits.open_reservations() == {}


async def test_same_click_within_the_window_reuses_the_first_key(open_service: Any) -> None:
    service = await open_service()

    async def key(user: str, interaction: str, action: str = "reroll") -> str:
        return await service.click_idempotency_key(
            platform="discord",
            user_id=user,
            action=action,
            target="clip-1",
            interaction_id=interaction,
            window_s=30,
        )

    first = await key("u1", "i1")
    assert await key("u1", "i2") == first  # a double click reuses the first click's key
    assert await key("u2", "i3") != first  # somebody else: a job of their own
    assert await key("u1", "i4", action="vary") != first  # another action: another job


async def test_a_job_row_deleted_without_the_service_gives_its_reservation_back(open_service: Any) -> None:
    service = await open_service()
    ticket = await service.submit(_request(_origin()), idempotency_key="gone")
    await service.run_db(job_repo.mark_cancelled, job_id=ticket.job_id)  # e.g. cancelled by a worker
    assert await service.settle_limits() == 1
    assert await service.limits.open_reservations() == {}
