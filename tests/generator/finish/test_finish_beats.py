"""Beat tracking (librosa) on a synthetic click track, and cuts snapped to the beats."""

from __future__ import annotations

import numpy as np

from reelbot.generator.finish.beats import detect_beats, snap_cuts

from .conftest import MakeMedia


def test_120_bpm_clicks_are_found(make_audio: MakeMedia) -> None:
    clicks = make_audio(
        "clicks.wav", "aevalsrc='if(lt(mod(t\\,0.5)\\,0.04)\\,sin(2*PI*1500*t)\\,0)':s=44100", 12.0
    )
    beats = detect_beats(clicks)
    assert 112 <= beats.tempo_bpm <= 128, beats.tempo_bpm
    gaps = np.diff(beats.times)
    assert abs(float(np.median(gaps)) - 0.5) < 0.03
    # The beats sit on the clicks (onset envelope frames are ~23 ms).
    phase = np.array(beats.times) % 0.5
    assert np.median(np.minimum(phase, 0.5 - phase)) < 0.06


def test_cuts_move_to_the_nearest_beat_within_reach() -> None:
    beats = [0.5 * i for i in range(40)]
    assert snap_cuts([2.2, 3.1, 2.0], beats) == [2.0, 3.5, 1.8]
    # Too far from any beat: unchanged; total length always kept.
    assert snap_cuts([2.25, 2.0], [0.0, 1.0, 3.0, 4.0], max_shift=0.3) == [2.25, 2.0]
    # Never shorter than min_shot.
    assert snap_cuts([0.6, 3.0], [0.0, 0.4, 1.5], min_shot=0.5) == [0.6, 3.0]
