"""Encoder benchmark: reelbot's encode_mp4 vs the bare ffmpeg CLI, same frames, same settings.

    .venv/bin/python bench/encoder_bench.py                       # default grid, 3 runs each
    .venv/bin/python bench/encoder_bench.py --presets veryfast medium --crfs 23 --repeat 5
    .venv/bin/python bench/encoder_bench.py --json out/encoder.json

Frames are synthetic but encoder-realistic: 81 frames (5 s at 16 fps, Wan 2.1's clip) of
moving colour gradients, drifting shapes with soft edges and per-frame film grain — a flat
colour would make every preset look free. Both paths get identical settings (libx264,
yuv420p, CRF, preset, +faststart); the bare CLI reads the raw frames from a file, reelbot
pipes them from memory (as the worker does). Quality is PSNR and SSIM of the decoded clip
against the source frames, computed by ffmpeg's ``psnr``/``ssim`` filters. Prints a table;
nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from reelbot.domain.settings import EncodeSettings
from reelbot.generator.encode import encode_mp4, ffmpeg_exe, raw_rgb_input

console = Console(width=150)
FPS = 16
FRAMES = 81
SIZES = ((480, 832), (832, 480))  # (width, height): 9:16 portrait and 16:9 landscape, Wan 480p
NO_CAP = 1 << 40  # the size cap would re-encode and muddle the timing; reported separately


def synthetic_frames(width: int, height: int, count: int = FRAMES, seed: int = 0) -> np.ndarray:
    """uint8 [count, height, width, 3]: moving gradients + drifting soft shapes + grain."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    x /= width
    y /= height
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    centres = rng.uniform(0.2, 0.8, size=(3, 2))
    velocity = rng.uniform(-0.006, 0.006, size=(3, 2))
    colours = rng.uniform(40, 220, size=(3, 3)).astype(np.float32)
    for i in range(count):
        t = i / count
        base = np.stack(
            [
                110 + 80 * np.sin(2 * np.pi * (x * 1.5 + t)),
                110 + 80 * np.sin(2 * np.pi * (y * 1.2 - 0.7 * t) + 1.0),
                110 + 70 * np.cos(2 * np.pi * (x + y + 0.5 * t)),
            ],
            axis=-1,
        )
        for k in range(3):
            cx, cy = (centres[k] + velocity[k] * i) % 1.0
            r2 = ((x - cx) * width / height) ** 2 + (y - cy) ** 2
            alpha = np.clip(1.4 - r2 / 0.012, 0.0, 1.0)[..., None]  # soft-edged disc
            base = base * (1 - alpha) + colours[k] * alpha
        base += rng.normal(0.0, 4.0, size=base.shape).astype(np.float32)  # grain
        frames[i] = np.clip(base, 0, 255).astype(np.uint8)
    return frames


@dataclass
class Row:
    width: int
    height: int
    preset: str
    crf: int
    reelbot_s: float
    cli_s: float
    size_bytes: int
    psnr_db: float
    ssim: float

    @property
    def ratio(self) -> float:
        return self.reelbot_s / self.cli_s

    @property
    def kbps(self) -> float:
        return self.size_bytes * 8 / (FRAMES / FPS) / 1000


def cli_encode(raw: Path, width: int, height: int, out: Path, preset: str, crf: int) -> float:
    """The bare CLI with reelbot's settings; returns wall seconds of the ffmpeg process."""
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *raw_rgb_input(width, height, FPS, str(raw)),
        "-an",
        "-vcodec",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-preset",
        preset,
        "-crf",
        str(crf),
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(out),
    ]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def reelbot_encode(frames: np.ndarray, out: Path, preset: str, crf: int) -> float:
    settings = EncodeSettings(crf=crf, x264_preset=preset, max_bytes=NO_CAP)  # type: ignore[arg-type]
    start = time.perf_counter()
    encode_mp4(frames, FPS, out, settings)
    return time.perf_counter() - start


def quality(clip: Path, raw: Path, width: int, height: int) -> tuple[float, float]:
    """(PSNR dB, SSIM) of the decoded clip vs the source frames, from ffmpeg's filters."""
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-i",
        str(clip),
        *raw_rgb_input(width, height, FPS, str(raw)),
        "-lavfi",
        "[0:v]split[a][b];[1:v]split[c][d];[a][c]psnr;[b][d]ssim",
        "-f",
        "null",
        "-",
    ]
    err = subprocess.run(cmd, check=True, capture_output=True, text=True).stderr
    psnr = re.search(r"PSNR .*? average:([0-9.]+|inf)", err)
    ssim = re.search(r"SSIM .*? All:([0-9.]+)", err)
    if psnr is None or ssim is None:
        raise RuntimeError(f"could not read psnr/ssim from ffmpeg output: {err[-300:]}")
    return float(psnr.group(1)), float(ssim.group(1))


def run(presets: list[str], crfs: list[int], repeat: int) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="reelbot-encbench-") as tmp_name:
        tmp = Path(tmp_name)
        for width, height in SIZES:
            frames = synthetic_frames(width, height)
            raw = tmp / f"frames-{width}x{height}.rgb"
            raw.write_bytes(frames.tobytes())
            # Warm the page cache and ffmpeg binary once so the first row is not penalised.
            cli_encode(raw, width, height, tmp / "warm.mp4", "ultrafast", 23)
            for preset in presets:
                for crf in crfs:
                    ours, cli = [], []
                    for _ in range(repeat):  # interleave so drift hits both equally
                        ours.append(reelbot_encode(frames, tmp / "ours.mp4", preset, crf))
                        cli.append(cli_encode(raw, width, height, tmp / "cli.mp4", preset, crf))
                    psnr, ssim = quality(tmp / "ours.mp4", raw, width, height)
                    rows.append(
                        Row(
                            width,
                            height,
                            preset,
                            crf,
                            statistics.median(ours),
                            statistics.median(cli),
                            (tmp / "ours.mp4").stat().st_size,
                            psnr,
                            ssim,
                        )
                    )
                    console.log(f"{width}×{height} {preset} crf {crf}: {rows[-1].reelbot_s:.2f}s")
    return rows


def show(rows: list[Row], repeat: int) -> None:
    table = Table(title=f"H.264 encode of {FRAMES} frames @ {FPS} fps (median of {repeat})")
    for column in (
        "size",
        "preset",
        "crf",
        "reelbot s",
        "ffmpeg CLI s",
        "ratio",
        "MiB",
        "kb/s",
        "PSNR dB",
        "SSIM",
    ):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            f"{r.width}×{r.height}",
            r.preset,
            str(r.crf),
            f"{r.reelbot_s:.3f}",
            f"{r.cli_s:.3f}",
            f"{r.ratio:.3f}",
            f"{r.size_bytes / 2**20:.2f}",
            f"{r.kbps:.0f}",
            f"{r.psnr_db:.2f}",
            f"{r.ssim:.4f}",
        )
    console.print(table)
    ratios = [r.ratio for r in rows]
    console.print(
        f"reelbot / CLI time: median {statistics.median(ratios):.3f}, max {max(ratios):.3f} "
        f"(over {len(rows)} settings)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["ultrafast", "veryfast", "faster", "medium"])
    parser.add_argument("--crfs", nargs="+", type=int, default=[18, 23, 28])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    rows = run(args.presets, args.crfs, args.repeat)
    show(rows, args.repeat)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = [asdict(r) | {"ratio": r.ratio, "kbps": r.kbps} for r in rows]
        args.json.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
