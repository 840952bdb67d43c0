"""Safety benchmark: what moderation, face detection and C2PA signing add per request/clip.

Compares, in the same run:

* ``moderation`` — the folded-blocklist check of one prompt (NFKC, homoglyphs, leetspeak,
  letter runs, Traditional→Simplified, whole-word regexes) against a naive baseline: a
  lower-cased substring scan of the same terms (which is both faster and wrong: it refuses
  "Scunthorpe" and misses "ｎ.ｕ.ｄ.ｅ");
* ``faces`` — Haar-cascade detection as consent uses it (stop at the first face) on a face
  photo (scikit-image's astronaut, 512×512) and on one without a face (coffee, 600×400: every
  cascade pass runs), against decoding the same image alone (the floor any image check pays);
* ``c2pa`` — signing a 2-s 256×144 H.264 clip against encoding it (the worker does both).

Run: ``.venv/bin/python bench/safety_bench.py --repeat 200``
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from rich.console import Console
from rich.table import Table

from reelbot.app.safety.blocklist import load_term_lists
from reelbot.app.safety.devcert import generate_dev_certificate
from reelbot.app.safety.faces import detect_faces
from reelbot.app.safety.moderation import RuleModerator, policy_for
from reelbot.domain.safety_config import ProvenanceSettings
from reelbot.domain.settings import Settings
from reelbot.generator.provenance import sign_clip

PROMPTS = [
    "A drone shot over Scunthorpe at sunset, golden hour, cinematic",
    "Cyberpunk city street, rain, reflections, anime style, slow dolly in",
    "夕陽下的景色情調浪漫，海浪拍打沙灘，電影感",
    "a ｎ.ｕ.ｄ.ｅ dancer",
    "一隻柴犬在櫻花樹下奔跑，慢動作",
]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, p95) in milliseconds."""
    fn()  # warm (caches, compiled regexes, cascades)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def encode(path: Path, frames: np.ndarray) -> None:
    _, h, w, _ = frames.shape
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
         "-s", f"{w}x{h}", "-r", "16", "-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-preset", "veryfast", "-movflags", "+faststart", str(path)],
        input=frames.tobytes(), check=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    table = Table(title="reelbot safety: added cost (median / p95, ms)")
    for column in ("check", "reelbot", "baseline", "baseline is"):
        table.add_column(column)

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    moderator, policy = RuleModerator(), policy_for(settings)
    terms = [t.rstrip("*").lower() for name in policy.categories for t in load_term_lists().categories[name]]

    def ours() -> None:
        for prompt in PROMPTS:
            moderator.check_prompt(prompt, policy)

    def naive() -> None:
        for prompt in PROMPTS:
            lowered = prompt.lower()
            any(term in lowered for term in terms)

    m, n = timed(ours, args.repeat), timed(naive, args.repeat)
    table.add_row(
        f"moderation ({len(PROMPTS)} prompts)",
        f"{m[0]:.3f} / {m[1]:.3f}",
        f"{n[0]:.3f} / {n[1]:.3f}",
        "substring scan",
    )

    samples = resources.files("skimage") / "data"
    for label, name in (
        ("faces: face photo, first hit", "astronaut.png"),
        ("faces: no face, all passes", "coffee.png"),
    ):
        photo = (samples / name).read_bytes()

        def decode_only(photo: bytes = photo) -> None:
            from PIL import Image

            Image.open(io.BytesIO(photo)).convert("L")

        reps = max(10, args.repeat // 10)
        f = timed(lambda photo=photo: detect_faces(photo, first_only=True), reps)  # type: ignore[misc]
        d = timed(decode_only, args.repeat)
        table.add_row(label, f"{f[0]:.1f} / {f[1]:.1f}", f"{d[0]:.1f} / {d[1]:.1f}", "decoding the image")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cert, key = generate_dev_certificate(folder / "pki")
        frames = np.random.default_rng(0).integers(0, 255, size=(33, 256, 144, 3), dtype=np.uint8)
        source = folder / "clip.mp4"
        encode(source, frames)
        prov = ProvenanceSettings(cert_file=cert, key_file=key)
        target = folder / "signed.mp4"

        def sign() -> None:
            target.write_bytes(source.read_bytes())
            sign_clip(target, prov)

        reps = max(10, args.repeat // 10)
        s, e = timed(sign, reps), timed(lambda: encode(folder / "e.mp4", frames), reps)
        grown = target.stat().st_size - source.stat().st_size
        table.add_row(
            f"c2pa sign (+{grown / 1024:.1f} KiB)",
            f"{s[0]:.1f} / {s[1]:.1f}",
            f"{e[0]:.1f} / {e[1]:.1f}",
            "H.264 encode of the clip",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
