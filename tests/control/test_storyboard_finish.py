"""Storyboard captions, soundtrack and finish fields; beat-trimmed cuts; colour matching of
shots and Extend segments (pure numerics on synthetic frames, real tiny presets where a
render is needed, no timing)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Settings
from reelbot.domain.storyboard import (
    AudioMode,
    Transition,
    check_storyboard,
    join_overlaps,
    load_storyboard,
    parse_storyboard,
)
from reelbot.generator.control_draft import render_storyboard
from reelbot.generator.finish.beats import trim_to_beats
from reelbot.generator.finish.colour import delta_e, match_shots
from reelbot.generator.finish.storyboard import shot_spans
from reelbot.generator.stitch import stitch

FULL_BOARD = """
title: 夜市散步
audio: music/track.mp3
audio_mode: mix
beat_snap: true
burn_captions: true
colour_match: false
finish: {fps: 24, size: 1080x1920}
shots:
  - prompt: a night market street, lanterns switching on
    seconds: 3
    caption: 夜市的燈一盞一盞亮起來
  - prompt: a stall grilling corn
    seconds: 2.5
  - prompt: a girl raises a cup of bubble tea
    seconds: 3
    caption: "Cheers to Friday night!"
"""


def refusal(excinfo: pytest.ExceptionInfo[InvalidRequest]) -> str:
    """The key, after checking the message exists in both languages and differs."""
    english, chinese = excinfo.value.render("en"), excinfo.value.render("zh-TW")
    assert english != chinese and "{" not in english and "{" not in chinese
    return excinfo.value.key


# --- the format ------------------------------------------------------------------------------


def test_the_new_fields_parse_the_same_from_yaml_and_json(tmp_path: Path) -> None:
    board = parse_storyboard(FULL_BOARD, "YAML", base_dir=tmp_path)
    assert board.audio_path() == (tmp_path / "music/track.mp3").resolve()
    assert board.audio_mode is AudioMode.MIX and board.beat_snap and board.burn_captions
    assert board.colour_match is False
    assert board.finish is not None and board.finish.fps == 24
    assert board.finish.dimensions() == (1080, 1920)
    assert board.captions() == ["夜市的燈一盞一盞亮起來", None, "Cheers to Friday night!"]
    assert board.wants_finish
    again = parse_storyboard(json.dumps(board.model_dump(mode="json")), "JSON", base_dir=tmp_path)
    assert again == board


def test_an_old_board_still_parses_and_asks_for_no_finish() -> None:
    board = parse_storyboard("seed: 3\nshots:\n- {prompt: a cat, seconds: 1}\n", "YAML")
    assert board.music is board.audio is board.finish is board.colour_match is None
    assert not board.beat_snap and not board.burn_captions and not board.wants_finish
    assert board.captions() == [None]


def test_a_caption_alone_asks_for_a_finish() -> None:
    board = parse_storyboard("shots:\n- {prompt: a cat, seconds: 1, caption: 喵}\n", "YAML")
    assert board.wants_finish and board.audio_path() is None


def test_a_5000_character_caption_is_refused_naming_the_shot(settings: Settings) -> None:
    text = json.dumps(
        {"shots": [{"prompt": "a", "seconds": 1}, {"prompt": "b", "seconds": 1, "caption": "字" * 5000}]},
        ensure_ascii=False,
    )
    board = parse_storyboard(text, "JSON")
    with pytest.raises(InvalidRequest) as info:
        check_storyboard(board, settings.limits, settings.finish)
    assert refusal(info) == "storyboard.caption_too_long"
    assert info.value.details == {"shot": 2, "length": 5000, "limit": 200}
    assert "Shot 2" in info.value.render("en") and "第 2 個鏡頭" in info.value.render("zh-TW")
    # 200 characters exactly is fine.
    ok = parse_storyboard(text.replace("字" * 5000, "字" * 200), "JSON")
    check_storyboard(ok, settings.limits, settings.finish)


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("music: lo-fi\naudio: a.mp3\n", "storyboard.audio_and_music"),
        (f"music: '{'la ' * 200}'\n", "storyboard.music_too_long"),
        ("audio: a.mp3\naudio_mode: loud\n", "finish.mode_invalid"),
        ("audio: a.mp3\naudio_mode: [mix]\n", "finish.mode_invalid"),
        ("beat_snap: true\n", "storyboard.beat_snap_needs_audio"),
        ("finish: {fps: 25}\n", "storyboard.finish_fps"),
        ("finish: {fps: true}\n", "storyboard.finish_fps"),
        ("finish: {size: 1081x1920}\n", "finish.size_invalid"),
        ("finish: {size: huge}\n", "finish.size_invalid"),
    ],
)
def test_bad_finish_fields_are_one_clear_message(extra: str, key: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_storyboard(extra + "shots:\n- {prompt: a, seconds: 1}\n", "YAML")
    assert refusal(info) == key


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ("finish: {fps: 30, bitrate: 5}\n", "finish.bitrate"),
        ("burn_captions: sometimes\n", "burn_captions"),
        ("soundtrack: a.mp3\n", "soundtrack"),
    ],
)
def test_unknown_or_mistyped_finish_fields_say_where(extra: str, where: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_storyboard(extra + "shots:\n- {prompt: a, seconds: 1}\n", "YAML")
    assert info.value.key == "storyboard.invalid" and info.value.details["where"] == where


def test_music_without_a_music_model_is_refused_before_any_shot_renders(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "board.yaml"
    path.write_text("music: lo-fi hip hop, warm\nshots:\n- {prompt: a, seconds: 0.5}\n", encoding="utf-8")
    with pytest.raises(InvalidRequest) as info:
        render_storyboard(path, tmp_path / "out", settings=settings)
    assert refusal(info) == "storyboard.music_model_missing"
    assert all("MUSIC_ENGINE=ace-step" in info.value.render(lang) for lang in ("en", "zh-TW"))
    assert not (tmp_path / "out").exists()


def test_a_missing_track_is_refused_before_any_shot_renders(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "board.yaml"
    path.write_text("audio: nope.mp3\nshots:\n- {prompt: a, seconds: 0.5}\n", encoding="utf-8")
    with pytest.raises(InvalidRequest) as info:
        render_storyboard(load_storyboard(path), tmp_path / "out", settings=settings)
    assert refusal(info) == "storyboard.audio_missing"
    assert not (tmp_path / "out").exists()


# --- cuts on the beat ------------------------------------------------------------------------


def test_cuts_are_trimmed_back_to_the_latest_beat_in_reach() -> None:
    beats = [0.5 * i for i in range(20)]
    # 10 fps: cuts at 1.2 s and 2.2 s (as trimmed: 1.0 + 1.2) → back to 1.0 and 2.0; last shot kept.
    assert trim_to_beats([12, 12, 12], [0, 0], 10, beats) == [10, 10, 12]
    # A beat just after the cut is out of reach (frames that were never rendered).
    assert trim_to_beats([9, 12], [0], 10, beats) == [9, 12]  # cut 0.9: 0.5 is 0.4 s back
    assert trim_to_beats([9, 12], [0], 10, beats, max_shift=0.45) == [5, 12]
    # Never below the minimum shot length.
    assert trim_to_beats([7, 12], [0], 10, [0.0, 0.4, 5.0], min_shot=0.5) == [7, 12]
    # A crossfade's cut is where the next shot begins: 12 − 3 = 0.9 s → 0.5 s, 8 frames kept.
    assert trim_to_beats([12, 12], [3], 10, [0.0, 0.5, 5.0], max_shift=0.45) == [8, 12]
    # No beats at all: nothing moves.
    assert trim_to_beats([12, 12], [0], 10, []) == [12, 12]


def test_shot_spans_follow_the_joined_draft() -> None:
    counts = [10, 12, 8]
    overlaps = join_overlaps(counts, [Transition.CROSSFADE, Transition.CUT], 4)
    assert overlaps == [4, 0]
    spans = shot_spans(counts, overlaps, 10)
    assert spans == [(0.0, 0.6), (0.6, 1.8), (1.8, 2.6)]
    assert spans[-1][1] * 10 == sum(counts) - sum(overlaps)  # the draft's frame count


# --- colour matching -------------------------------------------------------------------------


def scene(count: int, seed: int, side: int = 32) -> np.ndarray:
    """A moving gradient with a few blobs, short of clipping: a picture to grade."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side] / side
    frames = []
    for t in range(count):
        base = np.stack([0.35 + 0.25 * x, 0.3 + 0.3 * y, 0.5 - 0.15 * x + 0.02 * np.sin(t)], -1)
        base += rng.normal(0, 0.02, base.shape)
        frames.append(np.clip(base, 0, 1))
    return (np.stack(frames) * 255).round().astype(np.uint8)


def shifted(frames: np.ndarray, k: int) -> np.ndarray:
    """k steps of burn-in: warmer, more contrast (what each extension adds)."""
    out = (frames.astype(np.float64) / 255 - 0.5) * 1.08**k + 0.5 + np.array([0.03, 0.0, -0.02]) * k
    return (np.clip(out, 0, 1) * 255).round().astype(np.uint8)


def test_matching_brings_a_shifted_shot_back_to_shot_ones_colours() -> None:
    first, same_look = scene(8, 1), scene(8, 2)
    second = shifted(same_look, 3)
    floor = delta_e(same_look[-1], first[-1])  # another shot of the same look: its own grain
    before = delta_e(second[-1], first[-1])
    matched = match_shots([first, second])
    after = delta_e(matched[1][-1], first[-1])
    assert matched[0] is first
    assert before - floor > 8  # the shift is plainly visible (ΔE76)
    assert after - floor < (before - floor) / 5


def test_extend_with_colour_match_keeps_the_parents_colours() -> None:
    parent, more = scene(9, 3), scene(8, 4)
    # The continuation repeats the parent's last frame, then drifts: its whole picture is shifted.
    continuation = shifted(np.concatenate([parent[-1:], more]), 3)
    floor = delta_e(more[-1], parent[-1])  # the same look, its own grain
    plain = stitch(parent, continuation, overlap=1)
    graded = stitch(parent, continuation, overlap=1, colour_match=True)
    assert plain.shape == graded.shape == (9 + 9 - 1, 32, 32, 3)
    assert np.array_equal(graded[:9], parent)  # the parent is never touched
    drift_plain = delta_e(plain[-1], parent[-1])
    drift_graded = delta_e(graded[-1], parent[-1])
    assert drift_plain - floor > 8
    assert drift_graded - floor < (drift_plain - floor) / 5


def test_the_worker_grades_an_extend_unless_the_setting_is_off(settings: Settings) -> None:
    """The Extend post-process is the worker's own (generator/worker/stages.py), with the switch."""
    from reelbot.generator.worker.stages import Inputs, post_process

    parent, more = scene(9, 5), scene(8, 6)
    continuation = shifted(np.concatenate([parent[-1:], more]), 3)
    inputs = Inputs(references={}, context=parent, context_fps=8)
    on = post_process(continuation, inputs, 8, settings)
    off_settings = settings.model_copy(
        update={"finish": settings.finish.model_copy(update={"colour_match": False})}
    )
    off = post_process(continuation, inputs, 8, off_settings)
    assert settings.finish.colour_match is True  # on by default
    assert np.array_equal(off, stitch(parent, continuation, overlap=1))
    assert np.array_equal(on, stitch(parent, continuation, overlap=1, colour_match=True))
    assert delta_e(on[-1], parent[-1]) < delta_e(off[-1], parent[-1]) / 2


def test_chat_drafts_joined_from_stored_clips_are_graded_too(tmp_path: Path) -> None:
    """build_draft_from_clips (the worker's assemble_draft task) with and without matching."""
    from reelbot.domain.settings import EncodeSettings
    from reelbot.generator.draft_clips import build_draft_from_clips
    from reelbot.generator.encode import decode_frames, encode_mp4
    from reelbot.storage.media import MediaStore

    media = MediaStore(tmp_path / "media", "http://127.0.0.1", b"k" * 32, 3600)
    first, same_look = scene(8, 7, side=64), scene(8, 8, side=64)
    for key, frames in (("clips/a.mp4", first), ("clips/b.mp4", shifted(same_look, 3))):
        media.put_file(key, encode_mp4(frames, 8, tmp_path / key.replace("/", "-"), EncodeSettings()).path)
    drafts = {}
    for on in (False, True):
        build_draft_from_clips(
            media,
            EncodeSettings(),
            ["clips/a.mp4", "clips/b.mp4"],
            [Transition.CUT],
            0.25,
            f"drafts/{on}.mp4",
            f"drafts/{on}.jpg",
            "",
            colour_match=on,
        )
        drafts[on] = decode_frames(media.path(f"drafts/{on}.mp4"))
    floor = delta_e(same_look[-1], first[-1])
    plain, graded = (delta_e(drafts[on][-1], drafts[on][7]) - floor for on in (False, True))
    assert len(drafts[True]) == len(drafts[False]) == 16
    assert plain > 8 and graded < plain / 4
