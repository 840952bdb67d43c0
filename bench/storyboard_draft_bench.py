"""Storyboard draft assembly from stored shot clips: draft_clips.build_draft_from_clips (one shot
in memory at a time, segments joined by ffmpeg's concat demuxer) against the CLI's in-memory way
(draft_frames.assemble over every decoded frame, then one encode) — same clips, same run.

    .venv/bin/python bench/storyboard_draft_bench.py --width 480 --height 832 --shots 10 --seconds 6

Each way runs in its own process so its peak RSS is its own. Needs Redis (the service opens).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FPS = 16


def make_clips(folder: Path, width: int, height: int, shots: int, seconds: float) -> list[Path]:
    from reelbot.domain.settings import EncodeSettings
    from reelbot.generator.encode import encode_mp4

    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, size=(height, width, 3), dtype=np.uint8)
    paths = []
    for i in range(shots):
        frames = np.stack([np.roll(base, 4 * f + 37 * i, axis=1) for f in range(int(seconds * FPS))])
        paths.append(encode_mp4(frames, FPS, folder / f"shot{i}.mp4", EncodeSettings()).path)
    return paths


def run_one(way: str, clips: list[Path]) -> dict[str, float]:
    from reelbot.domain.storyboard import Transition

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if way == "cli":
        from reelbot.domain.settings import EncodeSettings
        from reelbot.generator.draft_frames import assemble, contact_sheet
        from reelbot.generator.encode import decode_frames, encode_mp4

        frames = [decode_frames(p) for p in clips]
        draft = assemble(frames, [Transition.CUT] * (len(frames) - 1), 4)
        encode_mp4(draft, FPS, clips[0].parent / "cli.mp4", EncodeSettings(max_bytes=512 * 2**20))
        contact_sheet(frames, clips[0].parent / "cli.jpg")
    else:
        from reelbot.domain.settings import EncodeSettings
        from reelbot.generator.draft_clips import build_draft_from_clips
        from reelbot.storage.media import MediaStore

        media = MediaStore(Path(tempfile.mkdtemp()), "http://127.0.0.1", b"x" * 32, 3600)
        keys = []
        for i, clip in enumerate(clips):
            media.put_file(f"clips/bench-{i}.mp4", clip)
            keys.append(f"clips/bench-{i}.mp4")
        rss0, start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter()
        build_draft_from_clips(
            media,
            EncodeSettings(max_bytes=512 * 2**20),
            keys,
            [Transition.CUT] * (len(keys) - 1),
            0.25,
            "drafts/b/d.mp4",
            "drafts/b/d.jpg",
            "",
        )
    seconds = time.perf_counter() - start
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "rss_before_mb": rss0 / 1024, "rss_peak_mb": rss1 / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--height", type=int, default=448)
    parser.add_argument("--shots", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--way", choices=["cli", "segments"])
    parser.add_argument("--clips", nargs="*")
    args = parser.parse_args()
    if args.way:  # child process
        print(json.dumps(run_one(args.way, [Path(p) for p in args.clips])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        clips = make_clips(Path(tmp), args.width, args.height, args.shots, args.seconds)
        label = f"{args.shots} shots × {args.seconds:g} s, {args.width}×{args.height} @ {FPS} fps"
        print(f"| way | {label}: seconds | max RSS before → after, MB |\n|---|---|---|")
        for way, name in (
            ("cli", "draft_frames.assemble (all frames in memory)"),
            ("segments", "build_draft_from_clips (one shot at a time)"),
        ):
            out = subprocess.run(
                [sys.executable, __file__, "--way", way, "--clips", *map(str, clips)],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            before, peak = figures["rss_before_mb"], figures["rss_peak_mb"]
            print(f"| {name} | {figures['seconds']:.2f} | {before:.0f} → {peak:.0f} |")


if __name__ == "__main__":
    main()
