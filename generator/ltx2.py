"""LTX-2: one checkpoint renders video *with its own sound* — text, first frame, first + last.

``LTX2ConditionPipeline`` (diffusers 0.42) denoises a video latent and an audio latent
together; the audio VAE decodes a mel spectrogram and the vocoder turns it into a waveform
(``vocoder.config.output_sampling_rate`` Hz). The engine hands both to the worker: frames for
the H.264 stream, :class:`~reelbot.generator.clip_audio.ClipAudio` for the AAC one.

Conditions: ``first_frame`` → ``LTX2VideoCondition(index=0)``, ``last_frame`` → ``index=-1``;
an Extend's context frames → a video condition at 0; a loop pins the first frame at both ends.
Image conditions are re-compressed as H.264 at the model's training CRF (33 for Gemma 3
generations) by the bundled ffmpeg — diffusers would do it with PyAV, which reelbot does not
install — then passed with ``crf=0``.

Guidance: CFG only (``stg_scale=0``, ``modality_scale=1``): spatio-temporal and modality
guidance would add two more transformer passes a step, which the cost profile does not price.
"""

from __future__ import annotations

import subprocess
import threading
from typing import TYPE_CHECKING, Any

from reelbot.domain.types import ReferenceRole
from reelbot.generator.clip_audio import ClipAudio, audio_from_pipeline
from reelbot.generator.conditioning import fitted_references
from reelbot.generator.control_engine import finish_loop, job_call_kwargs
from reelbot.generator.encode import ffmpeg_exe
from reelbot.generator.motion import control_prompt, vary_guidance
from reelbot.generator.presets import PRESETS, Engine, LoadContext, RenderJob, StepCallback, register_engine

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

FIRST = ReferenceRole.FIRST_FRAME
LAST = ReferenceRole.LAST_FRAME
TRAINING_CRF = 33  # LTX-2.0 … 2.3 (Gemma 3 text encoder); diffusers' DEFAULT_IMAGE_CRF


def recompress(image: Image.Image, crf: int) -> Image.Image:
    """``image`` through one H.264 frame at ``crf`` and back (the compression LTX-2 saw in training)."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(image.convert("RGB"))
    height, width = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
    if crf <= 0 or height == 0 or width == 0:
        return image
    rgb = np.ascontiguousarray(rgb[:height, :width])
    size = f"{width}x{height}"
    encode = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
              "-s", size, "-i", "pipe:", "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf),
              "-pix_fmt", "yuv420p", "-f", "h264", "pipe:"]  # fmt: skip
    h264 = subprocess.run(encode, input=rgb.tobytes(), capture_output=True, check=True).stdout  # noqa: S603
    decode = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "h264", "-i", "pipe:",
              "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:"]  # fmt: skip
    raw = subprocess.run(decode, input=h264, capture_output=True, check=True).stdout  # noqa: S603
    frame = np.frombuffer(raw[: height * width * 3], dtype=np.uint8).reshape(height, width, 3)
    return Image.fromarray(frame)


class Ltx2Engine:
    """A loaded LTX2ConditionPipeline: frames and the model's waveform from one call."""

    max_sequence_length = 1024  # the pipeline's default (Gemma 3)

    def __init__(self, pipe: Any, device: str, *, crf: int = TRAINING_CRF) -> None:
        self.pipe, self.device, self.crf = pipe, device, crf
        self._lock = threading.Lock()
        self.last_call: dict[str, Any] = {}  # the conditions of the latest call (tests, logs)

    @property
    def sample_rate(self) -> int:
        return int(self.pipe.vocoder.config.output_sampling_rate)

    def conditions(self, job: RenderJob) -> tuple[list[Any], bool]:
        """The LTX2VideoCondition list the pipeline receives, and whether a loop is native."""
        from diffusers.pipelines.ltx2 import LTX2VideoCondition
        from PIL import Image

        fitted = fitted_references(job.references, job.width, job.height)
        conditions: list[Any] = []
        first: Image.Image | None = None
        if job.context_frames is not None and len(job.context_frames) > 0:
            video = [Image.fromarray(frame).convert("RGB") for frame in job.context_frames]
            conditions.append(LTX2VideoCondition(frames=video, index=0, crf=0))
        elif FIRST in fitted:
            first = recompress(fitted[FIRST], self.crf)
            conditions.append(LTX2VideoCondition(frames=first, index=0, crf=0))
        if LAST in fitted:
            conditions.append(LTX2VideoCondition(frames=recompress(fitted[LAST], self.crf), index=-1, crf=0))
        native = job.loop and first is not None and LAST not in fitted
        if native and first is not None:
            conditions.append(LTX2VideoCondition(frames=first, index=-1, crf=0))
        return conditions, native

    def render_av(self, job: RenderJob, on_step: StepCallback) -> tuple[np.ndarray, ClipAudio | None]:
        """Frames uint8 [F, H, W, 3] and the model's audio (None if the pipeline gave none)."""
        import torch

        from reelbot.generator.tiny import frames_to_uint8

        conditions, native = self.conditions(job)
        self.last_call = {"conditions": conditions, "num_frames": job.num_frames}
        guidance = vary_guidance(job.guidance, job.variation)
        with self._lock, torch.no_grad():
            result = self.pipe(
                conditions=conditions or None,
                prompt=control_prompt(job.prompt, job.camera, job.motion),
                negative_prompt=job.negative_prompt or None,
                frame_rate=float(job.fps),
                stg_scale=0.0,
                audio_stg_scale=0.0,
                modality_scale=1.0,
                audio_modality_scale=1.0,
                **job_call_kwargs(job, on_step, guidance, "np", self.max_sequence_length),
            )
        frames = finish_loop(frames_to_uint8(result.frames[0]), job, native=native)
        return frames, audio_from_pipeline(result.audio, self.sample_rate)

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        """Frames only (the :class:`Engine` protocol); the worker calls :meth:`render_av`."""
        return self.render_av(job, on_step)[0]


LTX2 = PRESETS["ltx-2"]  # the spec: reelbot.domain.presets.catalog


@register_engine("ltx-2")
def load_ltx2(ctx: LoadContext) -> Engine:
    """Lightricks/LTX-2 in diffusers format (bf16 on CUDA), placed by the memory plan."""
    from diffusers import LTX2ConditionPipeline

    from reelbot.generator.hub_presets import load_pretrained

    return Ltx2Engine(load_pretrained(LTX2ConditionPipeline, LTX2, ctx), ctx.device)
