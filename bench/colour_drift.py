"""Colour drift over a 60-s Extend chain, with and without the worker's CIELAB matching.

    .venv/bin/python bench/colour_drift.py [--seconds 60] [--segment-s 5] [--fps 16]
        [--width 240 --height 416] [--rounds 5] [--json out/colour_drift.json]

Why synthetic frames: the drift to correct is what each extension adds (a little more
contrast, warmth and saturation every time, the "burn-in" of conditioned continuations),
and a benchmark must see only that, deterministically. Each round draws a scene (gradients,
soft discs at seeded places, motion that repeats once per segment so every segment's last
frame shows the same moment) and a seeded shift per segment (contrast ×1.05–1.09, a warm or
cool offset, one direction per round, saturation ×1.04–1.08). Segment ``k`` carries ``k``
shifts, and its first frame repeats the chain's last moment, as a continuation
conditioned on the parent's last frame does.

The chain is built exactly as the worker builds an Extend: :func:`reelbot.generator.stitch.stitch`
with ``overlap=1``, once with ``colour_match=False`` and once with ``colour_match=True``
(``settings.finish.colour_match``, the default). Printed per segment ``k``: the mean ΔE of
its last frame against segment 1's last frame — CIEDE2000 (scikit-image's
``color.deltaE_ciede2000`` on its ``rgb2lab``) and CIE76 (``finish.colour.delta_e``) — the
median over ``--rounds`` seeded rounds; the time matching added per new frame (the stitch
with it, less the stitch without); and matching's time per frame at 480×832.
ΔE ≈ 1 (2000) / 2.3 (76) is a just-noticeable difference.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from skimage.color import deltaE_ciede2000, rgb2lab

from reelbot.generator.finish.colour import delta_e, match_continuation
from reelbot.generator.stitch import stitch


def scene(width: int, height: int, seed: int):  # type: ignore[no-untyped-def]
    """A function ``t → float RGB frame`` with seeded layout; motion repeats with ``period``."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    base = rng.uniform(0.32, 0.58, 3)
    slope = rng.uniform(-0.15, 0.15, (3, 2))
    discs = [(rng.uniform(0.2, 0.8, 2), rng.uniform(0.05, 0.15), rng.uniform(0.3, 0.7, 3)) for _ in range(3)]

    def frame(phase: float) -> np.ndarray:
        sway = 0.04 * np.sin(2 * np.pi * phase)
        rgb = np.stack([base[c] + slope[c, 0] * x + slope[c, 1] * y for c in range(3)], -1)
        for (cx, cy), radius, colour in discs:
            inside = ((x - cx - sway) ** 2 + (y - cy) ** 2) < radius**2
            rgb = np.where(inside[..., None], colour, rgb)
        return rgb

    return frame


def shift(frame: np.ndarray, steps: list[tuple[float, np.ndarray, float]]) -> np.ndarray:
    """``frame`` (float RGB) after each (contrast, offset, saturation) step, as uint8."""
    out = frame
    for contrast, offset, saturation in steps:
        out = (out - 0.5) * contrast + 0.5 + offset
        grey = out.mean(-1, keepdims=True)
        out = grey + (out - grey) * saturation
    return (np.clip(out, 0, 1) * 255).round().astype(np.uint8)


def segments(args: argparse.Namespace, seed: int) -> list[np.ndarray]:
    """The rendered segments of one round: segment k carries k seeded shifts."""
    rng = np.random.default_rng(1000 + seed)
    draw = scene(args.width, args.height, seed)
    frames_per = round(args.segment_s * args.fps) + 1  # Wan-style 4k+1 lengths at 16 fps
    count = max(1, round(args.seconds * args.fps / (frames_per - 1)))
    period = frames_per - 1  # a new segment starts every period frames (overlap 1)
    steps: list[tuple[float, np.ndarray, float]] = []
    out = []
    sign = rng.choice([-1.0, 1.0])  # warmer or cooler: one direction per round, as drift goes
    for k in range(count):
        if k:
            offset = sign * np.array([rng.uniform(0.01, 0.025), 0.0, -rng.uniform(0.008, 0.02)])
            steps.append((rng.uniform(1.05, 1.09), offset, rng.uniform(1.04, 1.08)))
        start = k * period
        out.append(np.stack([shift(draw((start + i) / period), steps) for i in range(frames_per)]))
    return out


def chain(parts: list[np.ndarray], colour_match: bool) -> tuple[list[np.ndarray], float]:
    """The chain stitched as the worker does; (each segment's frames as placed, matching s)."""
    clip, placed, spent = parts[0], [parts[0]], 0.0
    for part in parts[1:]:
        started = time.perf_counter()
        joined = stitch(clip, part, overlap=1, max_total_seconds=None, colour_match=colour_match)
        spent += time.perf_counter() - started
        placed.append(joined[len(clip) - 1 :])  # this segment: the seam frame, then its own
        clip = joined
    return placed, spent


def ciede2000(a: np.ndarray, b: np.ndarray) -> float:
    return float(deltaE_ciede2000(rgb2lab(a), rgb2lab(b)).mean())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--segment-s", type=float, default=5.0)
    parser.add_argument("--fps", type=int, default=16)
    parser.add_argument("--width", type=int, default=240)
    parser.add_argument("--height", type=int, default=416)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    per_round: list[dict[str, list[float]]] = []
    ms_per_frame: list[float] = []  # the stitch with matching, less the same stitch without
    for seed in range(args.rounds):
        parts = segments(args, seed)
        raw, plain_s = chain(parts, colour_match=False)
        matched, spent = chain(parts, colour_match=True)
        new_frames = sum(len(p) for p in parts[1:])
        ms_per_frame.append(1000 * (spent - plain_s) / max(1, new_frames))
        first_raw, first_matched = raw[0][-1], matched[0][-1]
        per_round.append(
            {
                "raw2000": [ciede2000(s[-1], first_raw) for s in raw],
                "matched2000": [ciede2000(s[-1], first_matched) for s in matched],
                "raw76": [delta_e(s[-1], first_raw) for s in raw],
                "matched76": [delta_e(s[-1], first_matched) for s in matched],
            }
        )
    count = len(per_round[0]["raw2000"])
    median = {
        key: [statistics.median(r[key][k] for r in per_round) for k in range(count)] for key in per_round[0]
    }
    total_s = (count * (round(args.segment_s * args.fps) + 1) - (count - 1)) / args.fps
    print(
        f"{count} segments × {args.segment_s:g} s = {total_s:.1f} s at {args.fps} fps, "
        f"{args.width}×{args.height}, median of {args.rounds} rounds"
    )
    print("| segment k | ΔE2000 without | ΔE2000 with matching | ΔE76 without | ΔE76 with |")
    print("|---|---|---|---|---|")
    for k in range(count):
        print(
            f"| {k + 1} | {median['raw2000'][k]:.2f} | {median['matched2000'][k]:.2f} | "
            f"{median['raw76'][k]:.2f} | {median['matched76'][k]:.2f} |"
        )
    print(f"matching: {statistics.median(ms_per_frame):.1f} ms per new frame (median of rounds)")
    full = segments(argparse.Namespace(**{**vars(args), "width": 480, "height": 832, "seconds": 5.0}), 0)[0]
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        match_continuation(full, full, 1)
        timings.append(1000 * (time.perf_counter() - started) / len(full))
    print(f"matching at 480×832: {statistics.median(timings):.1f} ms per frame (median of 3)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {"args": {k: str(v) for k, v in vars(args).items()}, "median": median}
        args.json.write_text(json.dumps({**figures, "ms_per_frame": ms_per_frame}, indent=2))


if __name__ == "__main__":
    main()
