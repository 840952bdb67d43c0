"""Per-shot speed modes in storyboards: the board's mode, a shot's own, and a mode the preset
lacks refused naming the shot before anything renders or is queued (real tiny renders, real
service, Redis and database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelbot.app.service import ReelbotService
from reelbot.app.storyboards import submit_storyboard
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Settings
from reelbot.domain.storyboard import parse_storyboard, recipe_hash, shot_request
from reelbot.domain.types import Origin, Platform, SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.control_draft import render_storyboard
from reelbot.generator.presets import LoadContext

ALICE = Origin(platform=Platform.DISCORD, user_id="alice", channel_id="c1", guild_id="g1", locale="en")

BOARD = """
preset: {preset}
seed: 3
steps: 2
fps: 8
speed: draft
shots:
  - prompt: a paper boat on a lake
    seconds: 0.5
  - prompt: the boat drifts under a bridge
    seconds: 0.5
    speed: {second}
"""


def board(preset: str = "tiny", second: str = "quality") -> str:
    return BOARD.format(preset=preset, second=second)


def test_each_shot_gets_its_mode_and_its_own_recipe() -> None:
    parsed = parse_storyboard(board(), "YAML")
    requests = [shot_request(parsed, i, origin=ALICE, preset="tiny", seed=3, image_hashes={}) for i in (0, 1)]
    assert [r.speed for r in requests] == [SpeedMode.DRAFT, SpeedMode.QUALITY]
    same_shot_in_draft = requests[1].model_copy(update={"speed": SpeedMode.DRAFT})
    assert recipe_hash(same_shot_in_draft) != recipe_hash(requests[1])  # cached per mode
    unset = parse_storyboard("shots:\n  - prompt: x\n    seconds: 1\n", "YAML")
    assert shot_request(unset, 0, origin=ALICE, preset="tiny", seed=1, image_hashes={}).speed is None


def test_a_mode_the_preset_lacks_is_refused_naming_the_shot() -> None:
    parsed = parse_storyboard(board("tiny-ltx", "quality"), "YAML")  # LTX has quality only
    with pytest.raises(InvalidRequest) as info:
        shot_request(parsed, 1, origin=ALICE, preset="tiny-ltx", seed=3, image_hashes={})
    assert info.value.key == "storyboard.speed_unsupported"
    assert info.value.render("en") == (
        "Shot 1 asks for draft mode, but preset tiny-ltx has none. It offers: quality."
    )
    assert info.value.render("zh-TW").startswith("第 1 個鏡頭要用 draft 模式")


def test_cli_render_refuses_before_any_shot_renders(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "board.yaml"
    path.write_text(board("tiny-vace", "draft"), encoding="utf-8")  # VACE: quality, no draft
    out = tmp_path / "out"
    cache = EngineCache(LoadContext(device="cpu", dtype="float32"))
    with pytest.raises(InvalidRequest) as info:
        render_storyboard(path, out, settings=settings, cache=cache)
    assert info.value.key == "storyboard.speed_unsupported"
    assert not any((out / "shots").glob("*.mp4")) and cache.loaded() == []  # nothing loaded or rendered


def test_cli_render_runs_draft_and_quality_shots(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "board.yaml"
    path.write_text(board(), encoding="utf-8")
    result = render_storyboard(
        path,
        tmp_path / "out",
        settings=settings,
        cache=EngineCache(LoadContext(device="cpu", dtype="float32")),
    )
    assert [s.rendered for s in result.shots] == [True, True]
    assert len({s.recipe_hash for s in result.shots}) == 2


async def test_chat_board_with_an_unoffered_mode_queues_nothing(service: ReelbotService) -> None:
    parsed = parse_storyboard(board("tiny-ltx", "draft"), "YAML")
    with pytest.raises(InvalidRequest) as info:
        await submit_storyboard(service, parsed, ALICE, images_by_name={}, idempotency_key="sb-speed")
    assert info.value.key == "storyboard.speed_unsupported"
    assert await service.jobs_for(Platform.DISCORD, "alice", active_only=False) == []
