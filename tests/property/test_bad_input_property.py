"""Generated bad input (hypothesis) through the service's Python API: every case is refused
with a catalogue message that exists in en AND zh-TW, and leaves no job row, image row or
file, stream entry or limit reservation behind."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlmodel import func, select

from reelbot.app.service import ReelbotService
from reelbot.domain.errors import ReelbotError
from reelbot.domain.messages import CATALOGUE
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, Origin, Platform, ReferenceImage, ReferenceRole
from reelbot.queue.keys import LANES
from reelbot.storage.db import session_scope
from reelbot.storage.models import Asset, Job
from tests.property.catalogue import is_catalogue_message

CASES = 700


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(out, format="PNG")
    return out.getvalue()


GOOD_PNG = _png(64, 64)
_texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)

# Each strategy makes one thing wrong about an otherwise fine submission.
bad_cases = st.one_of(
    st.builds(lambda t: {"prompt": t}, st.sampled_from(["", "   ", "\n\t", "\x00\x01"])),
    st.builds(lambda n: {"prompt": "x" * n}, st.integers(2001, 6000)),
    st.builds(lambda n: {"negative_prompt": "n" * n}, st.integers(1001, 3000)),
    st.builds(lambda v: {"seconds": v}, st.one_of(st.floats(-1e9, 0.49), st.floats(10.01, 1e12))),
    st.builds(lambda v: {"fps": v}, st.one_of(st.integers(-(10**9), 3), st.integers(31, 10**9))),
    st.builds(lambda k: {"key": k}, st.one_of(st.just(""), st.text(min_size=256, max_size=400))),
    st.builds(lambda k: {"key": "k" + k + "\x00"}, _texts),
    st.builds(
        lambda f, v: {"origin": {f: v + "\x00"}},
        st.sampled_from(["user_id", "channel_id", "guild_id", "display_name", "message_id"]),
        st.text(alphabet="abc", min_size=1, max_size=20),
    ),
    st.builds(lambda h: {"reference": h}, st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)),
    st.builds(lambda b: {"image": b}, st.binary(max_size=300)),
    st.builds(lambda n: {"image": GOOD_PNG[:n]}, st.integers(8, len(GOOD_PNG) // 2)),  # pixels cut off
    st.builds(lambda w, h: {"image": _png(w, h)}, st.integers(1, 15), st.integers(1, 15)),
    st.builds(lambda n: {"images": n}, st.integers(5, 7)),
    st.builds(lambda p: {"preset": p}, st.text(alphabet="abcdefghij-", min_size=1, max_size=30)),
)


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture
def service(loop: asyncio.AbstractEventLoop, settings: Settings) -> Iterator[ReelbotService]:
    svc = loop.run_until_complete(ReelbotService.open(settings))
    yield svc
    loop.run_until_complete(svc.close())


def _submission(case: dict[str, Any]) -> tuple[GenerationRequest, list[tuple[ReferenceRole, bytes]], str]:
    fields = {"user_id": "Uprop", "channel_id": "C1", "guild_id": "G1", "locale": "zh-TW"}
    fields.update(case.get("origin", {}))
    origin = Origin(platform=Platform.LINE, **fields)
    update = {k: case[k] for k in ("prompt", "negative_prompt", "seconds", "fps") if k in case}
    preset = case.get("preset", "tiny")
    request = GenerationRequest(prompt="a kite over the sea", origin=origin, preset=preset)
    request = request.model_copy(update=update)
    if "reference" in case:
        request = request.model_copy(
            update={"references": (ReferenceImage(role=ReferenceRole.STYLE, sha256=case["reference"]),)}
        )
    images = [(ReferenceRole.STYLE, case["image"])] if "image" in case else []
    images += [(ReferenceRole.SUBJECT, _png(32 + n, 32)) for n in range(case.get("images", 0))]
    return request, images, case.get("key", uuid.uuid4().hex)


def _leftovers(service: ReelbotService, loop: asyncio.AbstractEventLoop) -> dict[str, int]:
    with session_scope(service.db) as session:
        jobs = int(session.exec(select(func.count()).select_from(Job)).one())
        assets = int(session.exec(select(func.count()).select_from(Asset)).one())
    media = Path(service.settings.resolved_media_dir)
    files = sum(1 for p in media.rglob("*") if p.is_file()) if media.exists() else 0

    async def redis_side() -> tuple[int, int]:
        entries = sum([await service.redis.xlen(service.keys.jobs(lane)) for lane in LANES])
        return entries, len(await service.limits.open_reservations())

    entries, reservations = loop.run_until_complete(redis_side())
    return {"jobs": jobs, "assets": assets, "files": files, "entries": entries, "reservations": reservations}


@settings(max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=bad_cases)
def test_bad_submissions_get_a_catalogue_message_and_leave_nothing(
    case: dict[str, Any], service: ReelbotService, loop: asyncio.AbstractEventLoop
) -> None:
    request, images, key = _submission(case)
    with pytest.raises(ReelbotError) as err:
        loop.run_until_complete(service.submit(request, images, idempotency_key=key))
    assert err.value.key in CATALOGUE["en"] and err.value.key in CATALOGUE["zh-TW"], err.value.key
    assert not err.value.key.startswith("error.internal"), err.value.key  # a refusal, not a bug
    assert is_catalogue_message(err.value.render("en"), "en")
    assert is_catalogue_message(err.value.render("zh-TW"), "zh-TW")
    assert _leftovers(service, loop) == {"jobs": 0, "assets": 0, "files": 0, "entries": 0, "reservations": 0}
