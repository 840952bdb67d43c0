"""Settings and bad-input texts for "Finish for Shorts": loudness, sizes, caption limits.

They live here (not in core/domain/settings.py) so the finish feature owns its knobs;
``Settings`` only mounts them as ``finish`` (env ``REELBOT_FINISH__TARGET_LUFS=-14``). The
limits are checked before anything is queued or written, so their message keys live in the
domain (:mod:`reelbot.domain.finish_texts`): the bots render them without the generator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.tasks import MAX_SIDE, MIN_SIDE

MiB = 1024 * 1024


class FinishSettings(BaseModel):
    """Targets for an uploadable Short. Loudness per YouTube's playback normalisation."""

    target_lufs: float = Field(-14.0, ge=-36, le=-5, description="integrated loudness (EBU R128)")
    true_peak_dbtp: float = Field(-1.0, ge=-9, le=0, description="true-peak ceiling of the track")
    loudness_range_lu: float = Field(11.0, ge=1, le=50, description="loudnorm LRA target")
    # AAC's reconstruction overshoots the normalised PCM by a few tenths of a dB: aim below.
    codec_headroom_db: float = Field(0.5, ge=0, le=3)
    sample_rate: int = Field(48_000, description="AAC sample rate; Shorts and phones expect 48 kHz")
    audio_bitrate_kbps: int = Field(192, ge=64, le=512)
    fade_in_s: float = Field(0.5, ge=0, le=10)
    fade_out_s: float = Field(1.0, ge=0, le=10)
    min_audio_seconds: float = Field(0.1, gt=0, description="shorter tracks are refused")
    max_audio_seconds: float = Field(15 * 60.0, gt=0, description="longer tracks are refused")
    max_audio_bytes: int = Field(100 * MiB, ge=1024)
    max_caption_chars: int = Field(200, ge=1, description="one caption (one shot)")
    width: int = Field(1080, ge=MIN_SIDE, le=MAX_SIDE)  # a finish task's bounds: refused at start-up
    height: int = Field(1920, ge=MIN_SIDE, le=MAX_SIDE)
    fps: int = Field(30, ge=1, le=120)
    crf: int = Field(20, ge=0, le=51)
    font_file: Path | None = Field(None, description="caption font; default: Noto Sans CJK TC")
    upscaler_weights: Path | None = Field(
        None, description="Real-ESRGAN-family weights (spandrel); None = ffmpeg Lanczos"
    )
    interpolator: str | None = Field(None, description="registered learned interpolator; None = minterpolate")
    audio_mode: Literal["mix", "replace"] = Field("replace", description="when the clip has its own audio")
    colour_match: bool = Field(
        True, description="grade each Extend segment and storyboard shot to the first one's colours (CIELAB)"
    )
    beat_snap_max_shift_s: float = Field(
        0.35, gt=0, le=2, description="beat_snap trims a cut back at most this"
    )
    beat_snap_min_shot_s: float = Field(0.5, gt=0, description="beat_snap never trims a shot below this")
    music_engine: str | None = Field(
        None, description="music from a storyboard's description: ace-step (GPU) or tiny-ace-step; None = off"
    )
    music_model_id: str = Field("ACE-Step/acestep-v15-xl-turbo-diffusers", description="ace-step checkpoint")
    music_steps: int = Field(8, ge=1, le=200, description="ace-step denoising steps (turbo: 8)")

    def colour_match_for(self, asked: bool | None) -> bool:
        """Whether a storyboard's shots are graded to shot 1: its own ``colour_match`` when it
        says one (a file's field, a LINE board's 色調一致 line), else this server default."""
        return self.colour_match if asked is None else asked

    @model_validator(mode="after")
    def _ordered(self) -> FinishSettings:
        if self.min_audio_seconds >= self.max_audio_seconds:
            raise ValueError("finish.min_audio_seconds must be below finish.max_audio_seconds")
        if self.width % 2 or self.height % 2:
            raise ValueError("finish.width and finish.height must be even (yuv420p)")
        return self


def check_caption(text: str, settings: FinishSettings) -> str:
    """The caption with its whitespace tidied, or ``finish.caption_too_long`` (nothing stored)."""
    cleaned = "\n".join(" ".join(line.split()) for line in text.strip().splitlines() if line.strip())
    if len(cleaned) > settings.max_caption_chars:
        raise InvalidRequest("finish.caption_too_long", length=len(cleaned), limit=settings.max_caption_chars)
    return cleaned
