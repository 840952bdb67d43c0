"""Finish-for-Shorts benchmark: reelbot's finish_clip vs the bare ffmpeg commands doing the same.

    .venv/bin/python bench/finish_bench.py                  # 60-s draft, 3 rounds each
    .venv/bin/python bench/finish_bench.py --seconds 20 --rounds 5

The draft is what a storyboard hands over: 480×832 at 16 fps, H.264, 6 shots of equal
length, made by ffmpeg's ``testsrc2`` with temporal grain (flat colour would make motion
estimation and x264 look free). The track is 90 s of pink noise under a tone (looped or
trimmed to the video), and every shot has a zh-TW caption burned in.

Both sides produce the same file: minterpolate to 30 fps, Lanczos cover-and-crop to
1080×1920, ASS captions with Noto Sans CJK TC, libx264 (the settings' preset, CRF 20),
two-pass loudnorm to −14 LUFS / −1 dBTP, AAC 48 kHz stereo. The bare side is what a person
would type: one loudnorm measuring pass, then one command doing everything else. reelbot
also checks its inputs (header, a decode of the track, a stream-copy frame count), runs
loudnorm's second pass inside its render command as the bare side does, signs nothing
(no certificate here) and cleans up.
Figures are the median of the rounds: wall seconds and CPU seconds of the ffmpeg children
(user + system). Prints a table; nothing passes or fails.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from reelbot.domain.settings import EncodeSettings, Settings
from reelbot.generator.encode import ffmpeg_exe
from reelbot.generator.finish.captions import CJK_FAMILY, ass_script, cues_from_shots, find_cjk_font
from reelbot.generator.finish.interpolate import interpolate_filter
from reelbot.generator.finish.pipeline import FinishRequest, finish_clip
from reelbot.generator.finish.upscale import lanczos_filter

console = Console(width=140)
SHOTS = 6
CAPTION = "第 {n} 個鏡頭：夜市的燈一盞一盞亮起來"


def ff(*args: str, cwd: Path | None = None) -> str:
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True, check=True, cwd=cwd
    )
    return proc.stderr.decode("utf-8", "replace")


def make_inputs(folder: Path, seconds: float) -> tuple[Path, Path]:
    draft, music = folder / "draft.mp4", folder / "music.ogg"
    ff(
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=s=480x832:r=16:d={seconds},noise=alls=12:allf=t",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-pix_fmt",
        "yuv420p",
        str(draft),
    )
    ff(
        "-y",
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=c=pink:a=0.3:d=90",
        "-f",
        "lavfi",
        "-i",
        "sine=f=220:d=90",
        "-filter_complex",
        "amix=inputs=2",
        "-c:a",
        "libopus",
        "-b:a",
        "96k",
        str(music),
    )
    return draft, music


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(func: Callable[[], None]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), children_cpu()
    func()
    return time.perf_counter() - wall, children_cpu() - cpu


def bare(draft: Path, music: Path, out: Path, seconds: float, settings: Settings, work: Path) -> None:
    """The same finish as two hand-written ffmpeg commands."""
    fin = settings.finish
    cues = cues_from_shots([seconds / SHOTS] * SHOTS, [CAPTION.format(n=i + 1) for i in range(SHOTS)], fin)
    (work / "captions.ass").write_text(ass_script(cues, 1080, 1920, CJK_FAMILY), "utf-8")
    fonts = work / "fonts"
    fonts.mkdir(exist_ok=True)
    font = find_cjk_font(fin)
    if not (fonts / font.name).exists():
        (fonts / font.name).symlink_to(font)
    shape = (
        f"aresample=48000,aformat=channel_layouts=stereo,atrim=0:{seconds},asetpts=N/SR/TB,"
        f"afade=t=in:d={fin.fade_in_s},afade=t=out:st={seconds - fin.fade_out_s}:d={fin.fade_out_s}"
    )
    norm = f"loudnorm=I={fin.target_lufs}:TP={fin.true_peak_dbtp - fin.codec_headroom_db}:LRA=11"
    first = ff(
        "-stream_loop", "-1", "-i", str(music), "-af", f"{shape},{norm}:print_format=json", "-f", "null", "-"
    )
    m = json.loads(first[first.rfind("{") : first.rfind("}") + 1])
    second = (
        f"{norm}:linear=true:measured_I={m['input_i']}:measured_TP={m['input_tp']}"
        f":measured_LRA={m['input_lra']}:measured_thresh={m['input_thresh']}:offset={m['target_offset']},"
        "aresample=48000"
    )
    vf = ",".join(
        [
            interpolate_filter(16, 30)[0],
            "tpad=stop_mode=clone:stop_duration=1,fps=30",
            lanczos_filter(1080, 1920),
            "ass=filename=captions.ass:fontsdir=fonts",
            "format=yuv420p",
        ]
    )
    ff(
        "-y",
        "-i",
        str(draft),
        "-stream_loop",
        "-1",
        "-i",
        str(music),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-vf",
        vf,
        "-af",
        f"{shape},{second}",
        "-c:v",
        "libx264",
        "-preset",
        settings.encode.x264_preset,
        "-crf",
        str(fin.crf),
        "-c:a",
        "aac",
        "-b:a",
        f"{fin.audio_bitrate_kbps}k",
        "-ar",
        "48000",
        "-ac",
        "2",
        "-t",
        str(seconds),
        "-metadata",
        "comment=AI-generated by reelbot",
        "-movflags",
        "+faststart",
        str(out),
        cwd=work,
    )


def ours(draft: Path, music: Path, out: Path, seconds: float, settings: Settings) -> None:
    cues = cues_from_shots(
        [seconds / SHOTS] * SHOTS, [CAPTION.format(n=i + 1) for i in range(SHOTS)], settings.finish
    )
    finish_clip(
        FinishRequest(clip=draft, out=out, audio=music, cues=cues, burn_captions=True, fps=30), settings
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(_env_file=None, encode=EncodeSettings(max_bytes=1 << 40))  # type: ignore[call-arg]
    results: dict[str, list[tuple[float, float]]] = {
        "reelbot finish_clip": [],
        "bare ffmpeg (2 commands)": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        draft, music = make_inputs(folder, args.seconds)
        for round_ in range(args.rounds):
            for name in results:  # alternate, so machine load hits both sides alike
                work = folder / f"{round_}-{len(name)}"
                work.mkdir()
                out = work / "short.mp4"
                if name.startswith("reelbot"):
                    results[name].append(timed(partial(ours, draft, music, out, args.seconds, settings)))
                else:
                    results[name].append(
                        timed(partial(bare, draft, music, out, args.seconds, settings, work))
                    )
                console.print(
                    f"round {round_ + 1} {name}: {results[name][-1][0]:.1f} s wall, "
                    f"{results[name][-1][1]:.1f} s ffmpeg CPU",
                    highlight=False,
                )
    table = Table(
        title=f"Finish a {args.seconds:g}-s 480×832 16-fps draft → 1080×1920 30 fps (median of {args.rounds})"
    )
    for column in ("path", "wall s", "ffmpeg CPU s", "vs bare (wall)"):
        table.add_column(column)
    base = statistics.median(w for w, _ in results["bare ffmpeg (2 commands)"])
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        table.add_row(name, f"{wall:.1f}", f"{cpu:.1f}", f"{wall / base:.2f}×")
    console.print(table)


if __name__ == "__main__":
    main()
