"""Storyboard → Short draft: parsing with clear refusals, 4 shots → 4 clips + one draft of the
summed length, re-rolling one shot re-renders only that shot (real tiny presets, real ffmpeg)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Settings
from reelbot.domain.storyboard import (
    MAX_SHOTS,
    Transition,
    check_storyboard,
    load_storyboard,
    parse_storyboard,
)
from reelbot.domain.types import ReferenceRole
from reelbot.generator.cache import EngineCache
from reelbot.generator.control_draft import STATE_FILE, render_storyboard
from reelbot.generator.encode import probe
from reelbot.generator.presets import LoadContext

YAML_BOARD = """
title: Morning run
style_prompt: warm light
seed: 42
steps: 2
fps: 8
shots:
  - prompt: a woman walking in the city
    seconds: 0.5
  - prompt: a woman running on the beach
    seconds: 0.5
    camera: pan_left
  - prompt: the sun over the sea
    seconds: 1.0
  - prompt: a dog running on the beach
    seconds: 0.5
    motion: 0.8
"""


@pytest.fixture(scope="module")
def engines() -> EngineCache:
    """One warm engine cache for the module: every test renders with the same tiny weights."""
    return EngineCache(LoadContext(device="cpu", dtype="float32"), max_engines=3)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(excinfo: pytest.ExceptionInfo[InvalidRequest]) -> str:
    assert excinfo.value.render("zh-TW") != excinfo.value.render("en")
    return excinfo.value.key


# --- parsing and refusals ------------------------------------------------------------------


def test_yaml_toml_json_parse_to_the_same_board(tmp_path: Path) -> None:
    yaml_board = load_storyboard(write(tmp_path, "b.yaml", YAML_BOARD))
    toml = """
title = "Morning run"
style_prompt = "warm light"
seed = 42
steps = 2
fps = 8
[[shots]]
prompt = "a woman walking in the city"
seconds = 0.5
[[shots]]
prompt = "a woman running on the beach"
seconds = 0.5
camera = "pan_left"
[[shots]]
prompt = "the sun over the sea"
seconds = 1.0
[[shots]]
prompt = "a dog running on the beach"
seconds = 0.5
motion = 0.8
"""
    toml_board = load_storyboard(write(tmp_path, "b.toml", toml))
    json_board = load_storyboard(write(tmp_path, "b.json", json.dumps(yaml_board.model_dump(mode="json"))))
    assert yaml_board == toml_board == json_board
    assert len(yaml_board.shots) == 4
    assert yaml_board.transition is Transition.CUT


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest) as info:
        load_storyboard(tmp_path / "nope.yaml")
    assert refusal(info) == "storyboard.missing_file"


@pytest.mark.parametrize("shots", ["[]", "null"])
def test_zero_shots(shots: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_storyboard(f"shots: {shots}", "YAML")
    assert refusal(info) == "storyboard.no_shots"


def test_two_hundred_shots() -> None:
    board = {"shots": [{"prompt": f"shot {i}", "seconds": 0.5} for i in range(200)]}
    with pytest.raises(InvalidRequest) as info:
        parse_storyboard(json.dumps(board), "JSON")
    assert refusal(info) == "storyboard.too_many_shots"
    assert info.value.details == {"count": 200, "limit": MAX_SHOTS}


def test_zero_second_shot_names_the_shot(settings: Settings) -> None:
    board = parse_storyboard("shots:\n- {prompt: a, seconds: 1}\n- {prompt: b, seconds: 0}\n", "YAML")
    with pytest.raises(InvalidRequest) as info:
        check_storyboard(board, settings.limits)
    assert refusal(info) == "storyboard.shot_seconds"
    assert info.value.details["shot"] == 2
    assert "Shot 2" in info.value.render("en")


def test_too_long_in_total(settings: Settings) -> None:
    board = parse_storyboard(json.dumps({"shots": [{"prompt": "x", "seconds": 10}] * 7}), "JSON")
    with pytest.raises(InvalidRequest) as info:
        check_storyboard(board, settings.limits)
    assert refusal(info) == "storyboard.too_long"


@pytest.mark.parametrize(
    ("text", "key", "where"),
    [
        ("shots:\n- {prompt: a, seconds: 1, colour: red}\n", "storyboard.invalid", "shots.1.colour"),
        ("shots:\n- {prompt: a, seconds: 1, camera: dolly}\n", "storyboard.invalid", "shots.1.camera"),
        ("shots:\n- {prompt: '', seconds: 1}\n", "storyboard.invalid", "shots.1.prompt"),
        ("shots: [unclosed\n", "storyboard.unreadable", None),
        ("- just a list\n", "storyboard.unreadable", None),
    ],
)
def test_bad_files_say_where(text: str, key: str, where: str | None) -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_storyboard(text, "YAML")
    assert refusal(info) == key
    if where is not None:
        assert info.value.details["where"] == where


def test_missing_reference_image(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path, "b.yaml", "character: refs/hero.png\nshots:\n- {prompt: a, seconds: 1}\n")
    with pytest.raises(InvalidRequest) as info:
        check_storyboard(load_storyboard(path), settings.limits)
    assert refusal(info) == "storyboard.reference_missing"


# --- rendering -------------------------------------------------------------------------------


def test_four_shots_make_four_clips_and_one_draft_then_reroll_shot_two(
    tmp_path: Path, settings: Settings, engines: EngineCache
) -> None:
    board_path = write(tmp_path, "board.yaml", YAML_BOARD)
    out = tmp_path / "out"
    progress: list[tuple[int, str]] = []
    first = render_storyboard(
        board_path,
        out,
        settings=settings,
        cache=engines,
        on_shot=lambda n, _c, what: progress.append((n, what)),
    )
    assert [s.rendered for s in first.shots] == [True] * 4
    assert progress == [(1, "rendering"), (2, "rendering"), (3, "rendering"), (4, "rendering")]
    assert len({s.path for s in first.shots}) == 4 and all(s.path.is_file() for s in first.shots)

    info = probe(first.draft)
    shot_infos = [probe(s.path) for s in first.shots]
    assert info.num_frames == first.num_frames == sum(i.num_frames for i in shot_infos)
    assert sum(s.num_frames for s in first.shots) == info.num_frames
    # One fps, one 9:16 size for every shot and the draft.
    assert {(i.width, i.height, i.fps) for i in shot_infos} == {(info.width, info.height, info.fps)}
    assert info.height > info.width and info.fps == 8
    assert info.codec == "h264"

    with Image.open(first.contact_sheet) as sheet:
        assert sheet.format == "JPEG"
        assert sheet.width > 4 * 180  # four shots side by side
    manifest = json.loads(first.manifest.read_text())
    assert [s["number"] for s in manifest["shots"]] == [1, 2, 3, 4]

    second = render_storyboard(board_path, out, settings=settings, cache=engines, reroll={2})
    assert [s.rendered for s in second.shots] == [False, True, False, False]
    assert second.shots[1].seed != first.shots[1].seed
    assert second.shots[1].recipe_hash != first.shots[1].recipe_hash
    for i in (0, 2, 3):
        assert second.shots[i].recipe_hash == first.shots[i].recipe_hash
    assert second.num_frames == first.num_frames
    assert probe(second.draft).num_frames == first.num_frames
    state = json.loads((out / STATE_FILE).read_text())
    assert state["seeds"]["2"] == second.shots[1].seed

    # A later build keeps the re-rolled shot and renders nothing.
    third = render_storyboard(board_path, out, settings=settings, cache=engines)
    assert [s.rendered for s in third.shots] == [False] * 4
    assert third.shots[1].recipe_hash == second.shots[1].recipe_hash


def test_reroll_of_an_unknown_shot_is_refused(
    tmp_path: Path, settings: Settings, engines: EngineCache
) -> None:
    board = write(tmp_path, "b.yaml", YAML_BOARD)
    with pytest.raises(InvalidRequest) as info:
        render_storyboard(board, tmp_path / "o", settings=settings, cache=engines, reroll={5})
    assert refusal(info) == "storyboard.shot_unknown"


def test_shared_character_crossfades_and_upscale(
    tmp_path: Path, settings: Settings, engines: EngineCache
) -> None:
    refs = tmp_path / "refs"
    refs.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (120, 90, 3), dtype=np.uint8)).save(refs / "hero.png")
    board = """
character: refs/hero.png
transition: crossfade
crossfade_seconds: 0.25
upscale: true
steps: 2
fps: 8
shots:
  - {prompt: a man walking, seconds: 0.5}
  - {prompt: a man running, seconds: 0.5}
  - {prompt: a man flying, seconds: 0.5, transition: cut}
"""
    path = write(tmp_path, "b.yaml", board)
    result = render_storyboard(path, tmp_path / "o", settings=settings, cache=engines)
    # A subject reference is honoured by VACE only: the whole board renders there.
    assert result.preset == "tiny-vace"
    shot_frames = [probe(s.path).num_frames for s in result.shots]
    crossfade = round(0.25 * 8)
    assert probe(result.draft).num_frames == sum(shot_frames) - crossfade  # one crossfade, one cut
    assert result.upscaled is not None
    upscaled = probe(result.upscaled)
    assert (upscaled.width, upscaled.height) == (1080, 1920)
    assert upscaled.num_frames == result.num_frames
    board_model = load_storyboard(tmp_path / "b.yaml")
    assert set(board_model.reference_paths(0)) == {ReferenceRole.SUBJECT}
