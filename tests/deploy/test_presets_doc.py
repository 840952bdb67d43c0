"""docs/presets.md's memory table is what the memory plan computes, figure by figure, so a change
to a preset's parameter counts cannot leave the page an operator sizes a card by behind."""

from __future__ import annotations

import re
from pathlib import Path

from reelbot.domain.presets import get_preset
from reelbot.domain.presets.memory import memory_plan

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "presets.md").read_text(encoding="utf-8")
SECTION = PAGE.split("## Memory plans", 1)[1].split("\n## ", 1)[0]
PLAN_WORDS = {"whole": "whole", "model offload": "model_offload", "group offload": "group_offload"}
CARDS = (24, 48, 80)


def test_every_figure_of_the_memory_table_is_the_computed_one() -> None:
    rows = [line for line in SECTION.splitlines() if line.startswith("| `")]
    checked = 0
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        for name in re.findall(r"`([a-z0-9.-]+)`", cells[0]):
            needs = get_preset(name).memory
            assert needs is not None, name
            weights = needs.transformer_gb + needs.text_encoder_gb + needs.vae_gb
            assert float(cells[1].rsplit("=", 1)[1]) == round(weights, 1), name
            figures = [float(cell) for cell in cells[2:5]]
            assert figures == [round(needs.whole_gb, 1), round(needs.model_offload_gb, 1),
                               round(needs.group_offload_gb, 1)], name  # fmt: skip
            plans = [PLAN_WORDS[cell] for cell in cells[5:8]]
            assert plans == [memory_plan(get_preset(name), gb) for gb in CARDS], name
            checked += 1
    assert checked >= 9
