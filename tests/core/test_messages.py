"""The catalogue is declarative: every package's texts are data, found without side-effect imports."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from reelbot.domain.messages import CATALOGUE, EN, ZH_TW, register, render, text_modules

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("core", "bots", "generator", "queue", "storage")
SIDE_EFFECT_IMPORT = re.compile(
    r"^[ \t]*(from \S+ import \w*(texts|messages)\b|import \S*(texts|messages)\b)\S*( as \w+)?"
    r"\s*# noqa: F401.*$",
    re.MULTILINE,
)


def test_texts_modules_are_found_and_hold_data() -> None:
    modules = text_modules()
    assert "reelbot.domain.texts" in modules and "reelbot.bots.line.texts" in modules
    for name in modules:
        texts = importlib.import_module(name).TEXTS
        assert set(texts) == {EN, ZH_TW}, name
        assert set(texts[EN]) == set(texts[ZH_TW]), f"{name}: keys differ between locales"
        for key in texts[EN]:
            assert CATALOGUE[EN][key] == texts[EN][key]


def test_no_module_registers_texts_at_import() -> None:
    """Texts are declared as TEXTS, not registered by calls or pulled in by side-effect imports."""
    offenders = []
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source)
            for node in tree.body:  # module level: what runs at import
                call = node.value if isinstance(node, ast.Expr) else None
                if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "register":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: register() at import")
            for match in SIDE_EFFECT_IMPORT.finditer(source):
                offenders.append(f"{path.relative_to(ROOT)}: side-effect import {match.group(0).strip()}")
    assert not offenders, "\n".join(offenders)


def test_run_time_register_refuses_a_key_defined_twice() -> None:
    register({EN: {"test.catalogue.once": "one"}, ZH_TW: {"test.catalogue.once": "一"}})
    register({EN: {"test.catalogue.once": "one"}})  # the same text again is harmless
    with pytest.raises(ValueError, match="defined twice"):
        register({EN: {"test.catalogue.once": "another"}})
    assert render("test.catalogue.once", "zh-TW") == "一"
