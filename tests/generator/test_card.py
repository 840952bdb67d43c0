"""A worker whose preset does not fit its card refuses to start: one line, exit non-zero,
naming the presets that fit with their modes and memory plans (the card size is stated by
``REELBOT_ENGINE__GPU_MEMORY_GB``, so this runs on a CPU)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reelbot.domain.errors import ReelbotError
from reelbot.domain.settings import Settings
from reelbot.generator.card import Card, check_worker_preset, describe_fitting, plan_on

REELBOT = str(Path(sys.executable).with_name("reelbot"))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REELBOT_", "LC_", "LANG"))}
    return {
        **env,
        "REELBOT_DATA_DIR": str(tmp_path / "data"),
        "REELBOT_REDIS_URL": "redis://127.0.0.1:1/0",  # refused before any connection is tried
        "REELBOT_DEVICE": "cpu",
        "LANG": "C",
        **extra,
    }


@pytest.mark.parametrize(
    "command", [["worker", "--burst", "--health-port", "0"], ["serve", "--health-port", "0"]]
)
def test_worker_refuses_a_preset_too_big_for_the_stated_card(tmp_path: Path, command: list[str]) -> None:
    env = _env(
        tmp_path,
        REELBOT_PRESET="wan-2.2-t2v-a14b",
        REELBOT_ENGINE__GPU_MEMORY_GB="24",
        REELBOT_ENGINE__OFFLOAD="none",
    )
    done = subprocess.run([REELBOT, *command], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    (line,) = lines
    assert "wan-2.2-t2v-a14b does not fit a 24 GB card (needs 73 GB, whole)" in line
    assert "wan-2.1-t2v-1.3b (quality, balanced, draft; whole)" in line
    assert "wan-2.2-ti2v-5b" not in line  # 33 GB whole: it does not fit either
    assert not (tmp_path / "data").exists()  # refused before the database or the media store


def test_the_refusal_speaks_zh_tw_and_names_group_offload(tmp_path: Path) -> None:
    env = _env(
        tmp_path, REELBOT_PRESET="wan-2.2-i2v-a14b", REELBOT_ENGINE__GPU_MEMORY_GB="6", LANG="zh_TW.UTF-8"
    )
    done = subprocess.run([REELBOT, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    (line,) = done.stderr.strip().splitlines()
    assert "模型 wan-2.2-i2v-a14b 放不進 6 GB 的顯示卡" in line
    assert "wan-2.1-t2v-1.3b (quality, balanced, draft; offload=group)" in line


def test_a_preset_that_fits_starts_with_its_plan() -> None:
    settings = Settings(preset="wan-2.2-ti2v-5b", engine={"gpu_memory_gb": 24})  # type: ignore[arg-type]
    assert check_worker_preset(settings) == "model_offload"
    settings = Settings(preset="wan-2.2-t2v-a14b", engine={"gpu_memory_gb": 80})  # type: ignore[arg-type]
    assert check_worker_preset(settings) == "whole"
    assert check_worker_preset(Settings(preset="tiny", device="cpu")) is None  # no card known: no plan


def test_free_memory_limits_the_plan() -> None:
    """Another process holding most of an 80 GB card leaves a 14B model no whole placement."""
    busy = Card(total_gb=80, free_gb=20)
    assert busy.short_of_free and busy.plan_gb == pytest.approx(20 / 0.92)
    settings = Settings(preset="wan-2.1-i2v-14b-480p", engine={"offload": "none"})  # type: ignore[arg-type]
    with pytest.raises(ReelbotError) as info:
        check_worker_preset(settings, busy)
    assert info.value.key == "generator.preset_does_not_fit_free"
    assert "80 GB card with 20 GB free" in info.value.render("en")
    assert check_worker_preset(settings, Card(total_gb=80, free_gb=79)) == "whole"


def test_forced_offload_plans() -> None:
    from reelbot.domain.presets import get_preset

    ti2v = get_preset("wan-2.2-ti2v-5b")
    assert plan_on(ti2v, 24, "auto") == "model_offload"
    assert plan_on(ti2v, 24, "none") == "refuse"
    assert plan_on(ti2v, 24, "group") == "group_offload"
    assert describe_fitting(2) == "-"
