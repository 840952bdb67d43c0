"""LTX-2 with sound: the real LTX2ConditionPipeline (tiny random weights) through the worker's
render → encode → sign stages; the muxed mp4 read back by ffmpeg; keyframes reaching the model;
the licence notice the operator sees."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from reelbot.app.safety.devcert import generate_dev_certificate
from reelbot.cli.doctor import check_licence
from reelbot.domain.presets import PRESETS, get_preset
from reelbot.domain.presets.licence import announce_licence, licence_notice
from reelbot.domain.safety_config import ProvenanceSettings
from reelbot.domain.settings import Settings, load_settings
from reelbot.domain.types import Aspect, GenerationRequest, Origin, Platform, ReferenceImage, ReferenceRole
from reelbot.generator.cache import EngineCache
from reelbot.generator.clip_audio import ClipAudio
from reelbot.generator.encode import encode_mp4, probe
from reelbot.generator.finish.media import decoded_audio_seconds
from reelbot.generator.ltx2 import Ltx2Engine
from reelbot.generator.presets import LoadContext
from reelbot.generator.provenance import verify_clip
from reelbot.generator.worker import stages

pytestmark = pytest.mark.slow
ORIGIN = Origin(platform=Platform.CLI, user_id="ltx2")
FIRST, LAST = ReferenceRole.FIRST_FRAME, ReferenceRole.LAST_FRAME


@pytest.fixture(scope="module")
def cache() -> EngineCache:
    return EngineCache(LoadContext(device="cpu", dtype="float32"))


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        _env_file=None, device="cpu", preset="tiny-ltx2", data_dir=tmp_path_factory.mktemp("d")
    )


def _request(*roles: ReferenceRole, seed: int = 3) -> GenerationRequest:
    refs = tuple(ReferenceImage(role=role, sha256=f"{i:064x}") for i, role in enumerate(roles, 1))
    return GenerationRequest(
        prompt="a red boat on a lake, waves splashing",
        aspect=Aspect.PORTRAIT,
        seconds=1.0,
        seed=seed,
        preset="tiny-ltx2",
        references=refs,
        origin=ORIGIN,
    )


def _image(colour: tuple[int, int, int]) -> Image.Image:
    return Image.new("RGB", (32, 64), colour)


def _render(
    request: GenerationRequest, refs: dict[ReferenceRole, Any], settings: Settings, cache: EngineCache
):
    inputs = stages.Inputs(references=refs)
    return stages.render(request, inputs, settings, cache, lambda done, total: True), inputs


def test_worker_stages_mux_aac_48k_stereo_and_sign(
    settings: Settings, cache: EngineCache, tmp_path: Path
) -> None:
    request = _request()
    result, inputs = _render(request, {}, settings, cache)
    audio = stages.audio_for(result, inputs)
    assert audio is not None and audio.sample_rate == 8000 and audio.channels == 2  # the vocoder's own rate
    fps = result.rendered.plan.fps
    frames = stages.post_process(result.rendered.frames, inputs, fps, settings)
    encoded, video, _thumb = stages.encode(frames, fps, tmp_path, settings.encode, 32, request.prompt, audio)

    pki = generate_dev_certificate(tmp_path / "pki", organization="reelbot tests")
    signing = settings.model_copy(
        update={"provenance": ProvenanceSettings(cert_file=pki[0], key_file=pki[1])}
    )
    encoded = stages.sign(video, encoded, signing, stages.credentials_for(result_id(), request))

    info = probe(video)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 32, 64)
    assert (info.audio_codec, info.audio_rate, info.audio_channels) == ("aac", 48000, 2)
    video_seconds = info.num_frames / fps
    assert info.num_frames == len(frames) == 9
    assert abs(decoded_audio_seconds(video) - video_seconds) <= 1 / fps  # within one frame
    assert abs(info.duration - video_seconds) <= 1 / fps
    report = verify_clip(video)
    assert report.c2pa_present and report.c2pa_valid and report.moov_before_mdat, report
    assert encoded.size_bytes == video.stat().st_size


def result_id() -> Any:
    import uuid

    return uuid.UUID(int=7)


def test_first_and_first_last_requests_reach_the_pipeline(settings: Settings, cache: EngineCache) -> None:
    engine = cache.get("tiny-ltx2")
    assert isinstance(engine, Ltx2Engine)
    encodes: list[tuple[int, ...]] = []
    hook = engine.pipe.vae.encoder.register_forward_hook(
        lambda _m, args, _out: encodes.append(tuple(args[0].shape))
    )
    try:
        plain, _ = _render(_request(), {}, settings, cache)
        assert engine.last_call["conditions"] == [] and encodes == []
        first, _ = _render(_request(FIRST), {FIRST: _image((250, 20, 20))}, settings, cache)
        assert [c.index for c in engine.last_call["conditions"]] == [0]
        assert len(encodes) == 1  # the keyframe went through the real VAE encoder
        both, _ = _render(
            _request(FIRST, LAST),
            {FIRST: _image((250, 20, 20)), LAST: _image((20, 20, 250))},
            settings,
            cache,
        )
    finally:
        hook.remove()
    conditions = engine.last_call["conditions"]
    assert [c.index for c in conditions] == [0, -1] and len(encodes) == 3
    # The pinned end frame is the blue image (H.264-recompressed like LTX-2's training data).
    assert np.asarray(conditions[1].frames)[..., 2].mean() > 200
    for result in (first, both):
        assert result.rendered.audio is not None
        assert not np.array_equal(result.rendered.frames, plain.rendered.frames)  # same seed, conditioned
    assert not np.array_equal(first.rendered.frames, both.rendered.frames)


def test_encoder_upmixes_resamples_and_trims_mono_audio(tmp_path: Path) -> None:
    frames = np.full((12, 48, 64, 3), 90, np.uint8)
    t = np.arange(int(24000 * 1.7)) / 24000  # 1.7 s of a 440 Hz tone for a 0.5 s clip
    tone = ClipAudio(samples=(0.3 * np.sin(2 * np.pi * 440 * t))[None].astype(np.float32), sample_rate=24000)
    settings = load_settings(_env_file=None).encode
    encode_mp4(frames, 24, tmp_path / "sound.mp4", settings, audio=tone)
    info = probe(tmp_path / "sound.mp4")
    assert (info.audio_codec, info.audio_rate, info.audio_channels) == ("aac", 48000, 2)
    assert abs(decoded_audio_seconds(tmp_path / "sound.mp4") - 0.5) <= 1 / 24

    encode_mp4(frames, 24, tmp_path / "silent.mp4", settings)
    silent = probe(tmp_path / "silent.mp4")
    assert silent.codec == "h264" and silent.audio_codec is None  # no audio stream at all
    assert list(tmp_path.glob(".*")) == []  # no temp video or raw audio left behind


def test_ltx2_specs_name_the_checkpoint_audio_and_licence() -> None:
    real = get_preset("ltx-2")
    assert real.model_id == "Lightricks/LTX-2" and real.produces_audio and real.needs_gpu
    assert real.supports(set()) and real.supports({FIRST}) and real.supports({FIRST, LAST})
    assert real.memory is not None and real.licence_notice
    assert PRESETS["tiny-ltx2"].produces_audio and not PRESETS["tiny-ltx2"].licence_notice
    assert not get_preset("tiny").produces_audio


def test_licence_notice_in_doctor_and_once_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(_env_file=None, preset="ltx-2")
    (finding,) = check_licence(settings)
    line = finding.line("licence", "en")
    assert line.startswith("!") and "ltx-2" in line and "LTX-2 Community License" in line
    assert "commercial" in line and "revenue" in line
    zh = finding.line("licence", "zh-TW")
    assert "授權" in zh and "營收" in zh
    assert check_licence(load_settings(_env_file=None, preset="tiny-ltx2")) == []
    spec = get_preset("ltx-2")
    logger = logging.getLogger("test.ltx2.licence")
    with caplog.at_level(logging.WARNING, logger="test.ltx2.licence"):
        shown = [announce_licence(spec, logger) for _ in range(3)]
    assert shown.count(True) <= 1  # once per process (the worker's cache may have shown it first)
    assert licence_notice(get_preset("tiny")) is None
