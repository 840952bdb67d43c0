"""The message catalogue: every user-facing text, in English and Traditional Chinese.

Texts are keyed (``"request.prompt_empty"``) and formatted with :meth:`str.format` fields.
Each package declares its own texts as data: a module named ``texts`` (or ``*_texts``) beside
its code holding ``TEXTS = {EN: {...}, ZH_TW: {...}}``. Nothing imports those modules for
their side effects: the catalogue finds them in the installed ``reelbot`` tree and loads them
all the first time a text is asked for, so a new package adds one file and nothing else.
:func:`register` remains for texts added at run time (tests, plug-ins). A key missing in zh-TW
falls back to English; a key missing everywhere raises ``KeyError``; the same key with two
different texts is an error at load.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EN = "en"
ZH_TW = "zh-TW"
LOCALES: tuple[str, ...] = (EN, ZH_TW)


class _Catalogue(dict[str, dict[str, str]]):
    """``{locale: {key: text}}`` that loads every package's texts on first lookup."""

    def __getitem__(self, locale: str) -> dict[str, str]:
        _ensure_loaded()
        return super().__getitem__(locale)


CATALOGUE: dict[str, dict[str, str]] = _Catalogue({EN: {}, ZH_TW: {}})
_loaded = False
_load_lock = threading.RLock()


def _add(texts: Mapping[str, Mapping[str, str]], source: str) -> None:
    for locale, entries in texts.items():
        if locale not in LOCALES:
            raise ValueError(f"{source}: unknown locale {locale!r}; expected one of {LOCALES}")
        table = dict.__getitem__(CATALOGUE, locale)
        for key, text in entries.items():
            existing = table.get(key)
            if existing is not None and existing != text:
                raise ValueError(f"{source}: message key {key!r} defined twice for {locale}")
            table[key] = text


def register(texts: Mapping[str, Mapping[str, str]]) -> None:
    """Add ``{locale: {key: text}}`` at run time; a key defined twice (differently) is an error."""
    _add(texts, "register()")


def text_modules() -> list[str]:
    """Every ``texts`` / ``*_texts`` module in the installed reelbot tree, by dotted name."""
    # The installed package root (not resolved: an editable install links files into a tree).
    base = Path(__file__).parent.parent
    names: set[str] = set()
    for path in base.rglob("*texts.py"):
        if path.stem == "texts" or path.stem.endswith("_texts"):
            names.add(".".join(["reelbot", *path.relative_to(base).with_suffix("").parts]))
    return sorted(names)


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    with _load_lock:
        if _loaded:
            return
        _loaded = True  # a texts module that still calls register() re-enters here harmlessly
        for name in text_modules():
            texts = getattr(importlib.import_module(name), "TEXTS", None)
            if texts is not None:
                _add(texts, name)


def normalize_locale(locale: str | None, default: str = EN) -> str:
    """Map platform locale tags (``zh-TW``, ``zh_Hant``, ``zh-HK``, ``en-US``) to ours."""
    if not locale:
        return default
    tag = locale.replace("_", "-").lower()
    if tag.startswith("zh"):
        # Simplified Chinese users still read Traditional better than English in practice;
        # zh-TW is the only Chinese catalogue we ship.
        return ZH_TW
    if tag.startswith("en"):
        return EN
    return default


@dataclass(frozen=True)
class Term:
    """A message field that is itself a catalogue key (a job state, an image role).

    An error is raised before anyone knows who will read it; a field given as ``Term("state.done")``
    is rendered in the reader's language when the message is, so "已完成" never reaches an English
    reader and "done" never a zh-TW one.
    """

    key: str

    def __format__(self, spec: str) -> str:  # rendered without a locale: English
        return format(render(self.key), spec)


def render(key: str, locale: str | None = None, /, **fields: Any) -> str:
    """The text for ``key`` in ``locale`` (fallback English), with ``fields`` filled in."""
    lang = normalize_locale(locale)
    template = CATALOGUE[lang].get(key) or CATALOGUE[EN][key]
    if not fields:
        return template
    values = {name: render(v.key, lang) if isinstance(v, Term) else v for name, v in fields.items()}
    return template.format(**values)
