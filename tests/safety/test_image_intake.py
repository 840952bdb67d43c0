"""Images seen as people see them: EXIF orientation applied once at intake (before face
detection, hashing and storage), and a bounded decode for a hostile header."""

from __future__ import annotations

import io
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from reelbot.app.safety.faces import detect_faces
from reelbot.app.service import ReelbotService
from reelbot.domain.images import EXIF_ORIENTATION, intake_image
from reelbot.domain.settings import Limits, Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, ReferenceRole
from reelbot.storage.assets import sha256_hex
from reelbot.storage.db import session_scope
from reelbot.storage.models import Asset


def sideways_with_tag(photo: bytes) -> bytes:
    """The photo stored rotated 90° clockwise with Orientation 8 ("rotate 90° CCW to view"),
    as a phone held sideways saves it: pixels sideways, viewers show it upright."""
    with Image.open(io.BytesIO(photo)) as img:
        portrait = img.convert("RGB").crop((56, 0, 456, 512))  # 400×512: orientation shows in the size
        raw = portrait.transpose(Image.Transpose.ROTATE_270)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 8
    out = io.BytesIO()
    raw.save(out, format="JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[ReelbotService]:
    svc = await ReelbotService.open(settings)
    try:
        yield svc
    finally:
        await svc.close()


def test_orientation_is_applied_once_and_untagged_images_are_untouched(face_photo: bytes) -> None:
    tagged = sideways_with_tag(face_photo)
    with Image.open(io.BytesIO(tagged)) as raw:
        raw_size = raw.size
    assert detect_faces(Image.open(io.BytesIO(tagged))) == []  # sideways pixels: no face found
    upright, info = intake_image(tagged, Limits())
    with Image.open(io.BytesIO(upright)) as img:
        assert raw_size == (512, 400) and img.size == (400, 512) == (info.width, info.height)
        assert img.getexif().get(EXIF_ORIENTATION, 1) == 1  # never rotated twice
    assert len(detect_faces(Image.open(io.BytesIO(upright)))) == 1
    again, _ = intake_image(upright, Limits())
    assert again == upright  # idempotent: an upright image keeps its bytes (and its hash)


async def test_a_tagged_face_photo_asks_for_consent_and_is_stored_upright(
    service: ReelbotService, face_photo: bytes
) -> None:
    tagged = sideways_with_tag(face_photo)
    origin = Origin(platform=Platform.LINE, user_id="Uexif", channel_id="C1", locale="zh-TW")
    request = GenerationRequest(prompt="an astronaut waves", origin=origin, preset="tiny")
    images = [(ReferenceRole.FIRST_FRAME, tagged)]
    ticket = await service.submit(request, images, idempotency_key=uuid.uuid4().hex)
    assert ticket.state is JobState.AWAITING_CONSENT
    job = await service.job(ticket.job_id)
    (ref,) = job.request.references
    assert ref.sha256 != sha256_hex(tagged)  # the hash is of the upright picture
    with session_scope(service.db) as session:
        asset = session.get(Asset, ref.sha256)
        assert asset is not None
        stored = service.media.read_bytes(asset.storage_key)
    with Image.open(io.BytesIO(stored)) as img:
        assert img.size == (400, 512)  # portrait again, as the uploader saw it
        assert (asset.width, asset.height) == img.size


PEAK_SCRIPT = """
import resource, sys
from reelbot.domain.images import intake_image
from reelbot.domain.settings import Limits
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for _ in range(4):
    intake_image(data, Limits())
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_a_6000_square_jpeg_is_checked_without_a_full_decode(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    Image.new("RGB", (6000, 6000), (40, 90, 160)).save(path, format="JPEG", quality=50)
    grown_kib = int(
        subprocess.run(
            [sys.executable, "-c", PEAK_SCRIPT, str(path)], capture_output=True, text=True, check=True
        ).stdout
    )
    # A full RGB decode is 6000·6000·3 = 103 MiB; draft mode decodes 750×750 (1.6 MiB).
    assert grown_kib < 40 * 1024, f"peak RSS grew {grown_kib} KiB"
