"""Colour drift across a 60-s chain of Extend segments, with and without CIELAB matching."""

from __future__ import annotations

import numpy as np
from skimage.color import lab2rgb, rgb2lab

from reelbot.generator.finish.colour import delta_e, drift_series, lab_to_rgb, match_chain, rgb_to_lab

FPS, SEGMENT_S, SEGMENTS, OVERLAP = 4, 10, 6, 4  # 6 × 10 s = a 60-s chain
SIDE = 40
STEP_S = (SEGMENT_S * FPS - OVERLAP) / FPS  # a new segment starts this often


def test_lab_conversion_matches_scikit_image() -> None:
    rgb = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    ours = rgb_to_lab(rgb)
    assert np.abs(ours - rgb2lab(rgb)).max() < 0.05
    assert np.abs(lab_to_rgb(ours).astype(int) - rgb.astype(int)).max() <= 1
    ref = (lab2rgb(ours) * 255).round()
    assert np.abs(lab_to_rgb(ours) - ref).max() <= 1


def scene(t: float) -> np.ndarray:
    """A moving scene at time ``t``: gradients, a swaying warm disc, a cool band.

    The motion repeats once per segment step, so every segment's last frame shows the same
    picture and the drift measure sees colour only, not motion.
    """
    y, x = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    t = 10 * np.sin(2 * np.pi * t / STEP_S)
    r = 0.4 + 0.2 * x
    g = 0.38 + 0.22 * y
    b = 0.5 - 0.12 * x
    disc = (x - 0.3 - 0.02 * t) ** 2 + (y - 0.5) ** 2 < 0.03
    band = np.abs(y - 0.2 - 0.01 * t) < 0.05
    r, g, b = np.where(disc, 0.66, r), np.where(disc, 0.45, g), np.where(band, 0.62, b)
    return np.stack([r, g, b], -1)


def burn_in(frame: np.ndarray, k: int) -> np.ndarray:
    """What each extension does a little more: contrast up, warmer, more saturated.

    Kept short of clipping at 0/255: clipped detail is lost to any colour correction.
    """
    contrast = 1.07**k
    out = (frame - 0.5) * contrast + 0.5
    out = out + np.array([0.02, 0.0, -0.015]) * k
    grey = out.mean(-1, keepdims=True)
    out = grey + (out - grey) * 1.06**k
    return (np.clip(out, 0, 1) * 255).round().astype(np.uint8)


def chain() -> list[np.ndarray]:
    """Segment k repeats the last OVERLAP frames of k-1 (same moments) with its own burn-in."""
    frames_per = SEGMENT_S * FPS
    segments, start = [], 0
    for k in range(SEGMENTS):
        times = [(start + i) / FPS for i in range(frames_per)]
        segments.append(np.stack([burn_in(scene(t), k) for t in times]))
        start += frames_per - OVERLAP
    return segments


def test_matching_keeps_a_60s_chain_on_the_first_segments_colours() -> None:
    segments = chain()
    assert sum(len(s) - OVERLAP for s in segments) / FPS + OVERLAP / FPS >= 55  # ~60 s of video
    raw = drift_series(segments)
    matched = drift_series(match_chain(segments, OVERLAP))
    assert raw[0] == matched[0] == 0.0
    assert raw[-1] > 20  # the burn-in is plainly visible without matching (measured ~31)
    assert matched[-1] < 5  # a couple of just-noticeable differences with it (measured ~3.5)
    assert matched[-1] < raw[-1] / 6
    assert all(m < r for m, r in zip(matched[1:], raw[1:], strict=True))


def test_overlap_frames_match_the_previous_segment() -> None:
    segments = chain()[:2]
    matched = match_chain(segments, OVERLAP)
    before = delta_e(segments[1][0], segments[0][-OVERLAP])
    after = delta_e(matched[1][0], matched[0][-OVERLAP])
    assert after < before / 4
