"""Upscaling to 1080×1920: ffmpeg Lanczos, or a learned upscaler the operator provides.

Without weights the frame is scaled with Lanczos to *cover* the target and centre-cropped
(480×832 → 1108×1920 → 1080×1920): a Short has no letterbox bars, and the drafts' 9:16.25
aspect loses only 2.5 % at the sides. With ``REELBOT_FINISH__UPSCALER_WEIGHTS`` naming a
Real-ESRGAN-family checkpoint, `spandrel <https://github.com/chaiNNer-org/spandrel>`_
(the loader chaiNNer and ComfyUI use) detects the architecture and runs it on the worker's
device; Lanczos then only fits the model's ×2/×4 output to the exact size. The method used
is always named in the result, so the chat reply can say which one ran.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reelbot.domain.errors import ReelbotError
from reelbot.generator.encode import decode_frames, ffmpeg_exe, probe, raw_rgb_input

LANCZOS = "ffmpeg Lanczos"


@dataclass(frozen=True)
class Upscaled:
    """A learned pre-pass result: the intermediate clip and the method's name."""

    path: Path
    method: str


def lanczos_filter(width: int, height: int) -> str:
    """Scale to cover ``width``×``height`` with Lanczos, centre-crop, square pixels."""
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=lanczos,"
        f"crop={width}:{height},setsar=1"
    )


def load_learned_upscaler(weights: Path, device: str = "cpu") -> Any:
    """A spandrel ImageModelDescriptor for ``weights`` (raises a message key if unusable)."""
    try:
        import spandrel
    except ImportError:
        raise ReelbotError("finish.upscaler_missing", path=str(weights)) from None
    model = spandrel.ModelLoader(device=device).load_from_file(str(weights))
    if not isinstance(model, spandrel.ImageModelDescriptor):
        raise ReelbotError("finish.failed", error=f"{weights.name} is not an image-to-image model")
    return model.eval()


def _run_model(model: Any, frames: np.ndarray, batch: int = 4) -> np.ndarray:
    import torch

    out: list[np.ndarray] = []
    with torch.inference_mode():
        for start in range(0, len(frames), batch):
            chunk = torch.from_numpy(frames[start : start + batch]).to(model.device)
            chunk = chunk.permute(0, 3, 1, 2).float().div(255)
            result = model(chunk).clamp(0, 1).mul(255).round().byte()
            out.append(result.permute(0, 2, 3, 1).cpu().numpy())
    return np.concatenate(out)


def learned_upscale(clip: Path, dst: Path, weights: Path, device: str = "cpu") -> Upscaled:
    """Run the learned upscaler over every frame of ``clip`` into a near-lossless ``dst``."""
    model = load_learned_upscaler(weights, device)
    info = probe(clip)
    frames = _run_model(model, decode_frames(clip))
    height, width = frames.shape[1:3]
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *raw_rgb_input(width, height, info.fps),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-qp",
        "4",
        "-pix_fmt",
        "yuv444p",
        str(dst),
    ]
    proc = subprocess.run(cmd, input=frames.tobytes(), capture_output=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise ReelbotError("finish.failed", error=proc.stderr.decode("utf-8", "replace")[-200:])
    return Upscaled(path=dst, method=f"{model.architecture.name} ×{model.scale} (spandrel) + Lanczos")
