"""README's "Run it for your server" stays true: its commands exist, its preset table is what the
memory plan computes, and no page sends a reader outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from reelbot.cli import app
from reelbot.domain.presets import get_preset
from reelbot.domain.presets.memory import memory_plan

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Run it for your server", 1)[1].split("\n## ", 1)[0]
PLAN_WORDS = {"whole": "whole", "model offload": "model_offload", "group offload (slow)": "group_offload"}
CARDS = (24, 48, 80)


def test_no_page_links_outside_the_repository() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text and "/work/shared" not in text, page


def test_preset_table_is_the_computed_memory_plan() -> None:
    rows = [line for line in SECTION.splitlines() if line.startswith("| `")]
    assert len(rows) >= 5
    checked = 0
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        names = re.findall(r"`([a-z0-9.-]+)`", cells[0])
        for name in names:
            spec = get_preset(name)
            assert [PLAN_WORDS[cell] for cell in cells[1:]] == [memory_plan(spec, gb) for gb in CARDS], name
            checked += 1
    assert checked >= 8


def test_commands_it_names_exist() -> None:
    runner = CliRunner()
    for command in (["doctor"], ["serve"], ["discord", "invite-url"], ["demo"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
    assert "reelbot doctor" in SECTION and "reelbot discord invite-url" in SECTION
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^install-cuda:", makefile, re.MULTILINE)
    assert "make install-cuda" in SECTION and "WSL2" in SECTION
    assert "deploy/systemd/reelbot.service" in SECTION and (ROOT / "deploy/systemd/reelbot.service").is_file()
