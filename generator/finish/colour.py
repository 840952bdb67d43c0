"""Extensions that do not drift: colour matching in CIELAB, and the drift measure.

Each Extend segment is generated from the previous one's last frames, and the models
reproduce those frames a little more saturated and contrasty each time; over a 60-s chain
the picture "burns in". The fix here is statistical colour transfer (Reinhard et al.
2001) in CIELAB, where distances are perceptual: the new segment's per-channel mean and
standard deviation over the *overlap* (its first frames, which show the same moment as
the previous segment's last frames) are mapped onto the previous segment's statistics
over that same overlap. The previous segment was matched already, so every segment stays
on the first segment's colours instead of inheriting the accumulated shift.

Drift is measured as the mean CIE76 ΔE between the last frame of segment k and the last
frame of segment 1 (:func:`drift_series`); ΔE ≈ 2.3 is a just-noticeable difference.
The sRGB ↔ CIELAB conversion (D65) is written out in numpy (float32) so the worker needs
nothing beyond it; the tests check it against scikit-image.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_RGB_TO_XYZ = np.array(
    [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE = np.array([0.95047, 1.0, 1.08883])  # D65
_EPS = 6 / 29
# float32 throughout (a frame is ~400k pixels; float64 doubled the time for no visible gain),
# the white point folded into the matrices, and uint8 sRGB linearised by a 256-entry table.
_TO_XYZ_W = (_RGB_TO_XYZ / _WHITE[:, None]).T.astype(np.float32)
_FROM_XYZ_W = (_XYZ_TO_RGB * _WHITE[None, :]).T.astype(np.float32)
_LEVELS = np.arange(256) / 255.0
_LINEAR_LUT = np.where(_LEVELS > 0.04045, ((_LEVELS + 0.055) / 1.055) ** 2.4, _LEVELS / 12.92)
_LINEAR_LUT = _LINEAR_LUT.astype(np.float32)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 (or 0..1 float) sRGB [..., 3] → CIELAB float32 [..., 3] (L 0..100)."""
    if rgb.dtype == np.uint8:
        linear = _LINEAR_LUT[rgb]
    else:
        x = rgb.astype(np.float32)
        linear = np.where(x > 0.04045, ((x + 0.055) / 1.055) ** 2.4, x / 12.92).astype(np.float32)
    xyz = linear @ _TO_XYZ_W
    f = np.where(xyz > _EPS**3, np.cbrt(xyz), xyz / np.float32(3 * _EPS**2) + np.float32(4 / 29))
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    return np.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], -1)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB float [..., 3] → uint8 sRGB [..., 3] (out-of-gamut values clipped)."""
    lab = lab.astype(np.float32, copy=False)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], -1)
    xyz = np.where(f > _EPS, f**3, np.float32(3 * _EPS**2) * (f - np.float32(4 / 29)))
    linear = np.clip(xyz @ _FROM_XYZ_W, 0, 1)
    srgb = np.where(linear > 0.0031308, 1.055 * linear ** (1 / 2.4) - 0.055, 12.92 * linear)
    return np.clip(np.round(srgb * 255), 0, 255).astype(np.uint8)


def lab_stats(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation in CIELAB over all pixels of ``frames``."""
    lab = rgb_to_lab(frames).reshape(-1, 3)
    return lab.mean(axis=0, dtype=np.float64), lab.std(axis=0, dtype=np.float64)


def match_segment(segment: np.ndarray, reference_overlap: np.ndarray, overlap: int) -> np.ndarray:
    """``segment`` (uint8 [F, H, W, 3]) with its colours mapped onto the reference's.

    ``reference_overlap``: the previous (matched) segment's frames that the first
    ``overlap`` frames of ``segment`` repeat. A flat channel keeps its spread (no divide
    by ~0), and the gain is bounded so one odd overlap cannot blow the picture up.
    """
    if overlap < 1 or overlap > len(segment):
        raise ValueError(f"overlap must be 1..{len(segment)} frames, got {overlap}")
    return transfer(segment, lab_stats(segment[:overlap]), lab_stats(reference_overlap))


Stats = tuple[np.ndarray, np.ndarray]  # per-channel CIELAB mean, standard deviation


def transfer(frames: np.ndarray, source: Stats, reference: Stats) -> np.ndarray:
    """``frames`` with CIELAB statistics ``source`` moved onto ``reference`` (Reinhard)."""
    src_mean, src_std = source
    ref_mean, ref_std = reference
    gain = np.where(src_std > 1e-3, ref_std / np.maximum(src_std, 1e-3), 1.0).clip(0.5, 2.0)
    gain32 = gain.astype(np.float32)
    out = np.empty_like(frames)
    for index, frame in enumerate(frames):  # frame by frame: bounded memory for long segments
        lab = (rgb_to_lab(frame) - src_mean.astype(np.float32)) * gain32 + ref_mean.astype(np.float32)
        out[index] = lab_to_rgb(lab)
    return out


def match_chain(segments: Sequence[np.ndarray], overlap: int) -> list[np.ndarray]:
    """Match each segment to the one before it (already matched), starting from segment 1."""
    matched = [segments[0]]
    for segment in segments[1:]:
        matched.append(match_segment(segment, matched[-1][-overlap:], overlap))
    return matched


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    """Mean CIE76 ΔE between two same-sized RGB frames."""
    return float(np.linalg.norm(rgb_to_lab(a) - rgb_to_lab(b), axis=-1).mean(dtype=np.float64))


def drift_series(segments: Sequence[np.ndarray]) -> list[float]:
    """Mean ΔE of the last frame of each segment vs the last frame of segment 1."""
    first = segments[0][-1]
    return [delta_e(segment[-1], first) for segment in segments]


def match_continuation(parent: np.ndarray, continuation: np.ndarray, overlap: int) -> np.ndarray:
    """An Extend segment graded onto its parent before stitching.

    The continuation's first ``overlap`` frames repeat the parent's last ``overlap`` frames
    (the conditioning), so those are the frames whose statistics must agree; the parent
    was matched when it was made, so the chain stays on the first segment's colours.
    """
    return match_segment(continuation, parent[-overlap:], overlap)


def match_shots(shots: Sequence[np.ndarray], sample_every: int = 4) -> list[np.ndarray]:
    """Storyboard shots 2… graded to shot 1's colours (whole-shot statistics on both sides).

    Shots are separate scenes, not continuations, so there is no overlap to compare: each
    shot's own mean/std (every ``sample_every``-th frame, enough for statistics) is moved
    onto shot 1's. A board whose shots are meant to look different switches it off with
    ``colour_match: false``.
    """
    if not shots:
        return []
    reference = lab_stats(shots[0][::sample_every])
    return [shots[0], *(transfer(shot, lab_stats(shot[::sample_every]), reference) for shot in shots[1:])]
