"""The rule-based blocklist: load the term lists, compile them once, find a match.

Terms and text go through the same folds (:mod:`reelbot.app.safety.normalize`). Latin terms
match whole words only — "assassin", "Scunthorpe", "therapist" and "cocktail" stay clean —
while tolerating repeated letters ("nuuude"); a trailing ``*`` matches word starts. Chinese
terms match inside phrases, unless an allow-listed innocent word overlaps the hit
(景色情調 = 景色 + 情調, not 色情).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from reelbot.app.safety.normalize import TextViews, fold_term, is_cjk
from reelbot.domain.errors import ConfigError

CUSTOM = "custom"  # category of terms added by the operator or a community
_WORD_CHAR = r"[^\W_]"


@dataclass(frozen=True)
class Hit:
    """Which term matched (kept for the moderators' audit log, never shown to the user)."""

    category: str
    term: str


@dataclass(frozen=True)
class _LatinRule:
    category: str
    term: str
    bounded: re.Pattern[str]  # whole words, for the words and compounds views
    anywhere: re.Pattern[str]  # for runs of single letters, where every position is a boundary


@dataclass(frozen=True)
class _CjkRule:
    category: str
    term: str
    folded: str


def _latin_pattern(folded: str, prefix: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    pieces = []
    for ch in folded:
        pieces.append(r"\s*" if ch == " " else re.escape(ch) + "+")
    body = "".join(pieces)
    tail = "" if prefix else rf"(?!{_WORD_CHAR})"
    return re.compile(rf"(?<!{_WORD_CHAR}){body}{tail}"), re.compile(body)


@dataclass(frozen=True)
class Blocklist:
    """Compiled rules for a set of categories plus custom terms."""

    latin: tuple[_LatinRule, ...]
    cjk: tuple[_CjkRule, ...]
    allow_latin: frozenset[str]
    allow_cjk: tuple[str, ...]

    def find(self, text_views: TextViews) -> Hit | None:
        """The first rule that matches any reading of the text, or None."""
        words = " ".join(w for w in text_views.words.split(" ") if w not in self.allow_latin)
        compounds = [c for c in text_views.compounds if c not in self.allow_latin]
        for rule in self.latin:
            if rule.bounded.search(words) or any(rule.bounded.search(c) for c in compounds):
                return Hit(rule.category, rule.term)
            if any(rule.anywhere.search(run) for run in text_views.letter_runs):
                return Hit(rule.category, rule.term)
        for cjk_rule in self.cjk:
            for phrase in text_views.cjk:
                if self._cjk_hit(cjk_rule.folded, phrase):
                    return Hit(cjk_rule.category, cjk_rule.term)
        return None

    def _cjk_hit(self, term: str, phrase: str) -> bool:
        start = phrase.find(term)
        while start != -1:
            end = start + len(term)
            if not self._excused(phrase, start, end):
                return True
            start = phrase.find(term, start + 1)
        return False

    def _excused(self, phrase: str, start: int, end: int) -> bool:
        """An allow-listed word that overlaps the hit makes it a reading across words."""
        for word in self.allow_cjk:
            pos = phrase.find(word)
            while pos != -1:
                if pos < end and pos + len(word) > start:
                    return True
                pos = phrase.find(word, pos + 1)
        return False


@dataclass(frozen=True)
class TermLists:
    """The raw lists from a blocklist file."""

    categories: dict[str, tuple[str, ...]]
    allow: tuple[str, ...]


@lru_cache(maxsize=8)
def load_term_lists(path: Path | None = None) -> TermLists:
    """Read the shipped list (``path=None``) or an operator's file of the same shape."""
    try:
        if path is None:
            raw = (resources.files("reelbot.app.safety") / "lists" / "blocklist.json").read_text("utf-8")
        else:
            raw = Path(path).read_text("utf-8")
        data = json.loads(raw)
        categories = {
            name: tuple(str(t) for lang in ("en", "zh") for t in entry.get(lang, ()))
            for name, entry in data["categories"].items()
        }
        allow = tuple(str(t) for lang in ("en", "zh") for t in data.get("allow", {}).get(lang, ()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            "config.invalid", variable="REELBOT_SAFETY__BLOCKLIST_FILE", reason=str(exc), count=1
        ) from None
    return TermLists(categories=categories, allow=allow)


def _rules(category: str, terms: Iterable[str]) -> tuple[list[_LatinRule], list[_CjkRule]]:
    latin: list[_LatinRule] = []
    cjk: list[_CjkRule] = []
    for term in terms:
        raw = term.strip()
        prefix = raw.endswith("*")
        folded = fold_term(raw.rstrip("*"))
        if not folded:
            continue
        if any(is_cjk(ch) for ch in folded):
            cjk.append(_CjkRule(category, raw, folded))
        else:
            bounded, anywhere = _latin_pattern(folded, prefix)
            latin.append(_LatinRule(category, raw, bounded, anywhere))
    return latin, cjk


@lru_cache(maxsize=256)
def compile_blocklist(
    categories: frozenset[str],
    extra_terms: tuple[str, ...] = (),
    allow_terms: tuple[str, ...] = (),
    path: Path | None = None,
) -> Blocklist:
    """Compile the enabled categories of the list at ``path`` plus ``extra_terms``.

    Cached on its arguments: a community's policy compiles once per process.
    """
    lists = load_term_lists(path)
    unknown = categories - set(lists.categories)
    if unknown:
        raise ConfigError(
            "config.invalid",
            variable="REELBOT_SAFETY__CATEGORIES",
            reason=f"unknown categories {sorted(unknown)}; known: {sorted(lists.categories)}",
            count=1,
        )
    latin: list[_LatinRule] = []
    cjk: list[_CjkRule] = []
    for name in sorted(categories):
        more_latin, more_cjk = _rules(name, lists.categories[name])
        latin += more_latin
        cjk += more_cjk
    more_latin, more_cjk = _rules(CUSTOM, extra_terms)
    latin += more_latin
    cjk += more_cjk
    allow_latin = set()
    allow_cjk = []
    for word in (*lists.allow, *allow_terms):
        folded = fold_term(word)
        if any(is_cjk(ch) for ch in folded):
            allow_cjk.append(folded)
        elif folded:
            allow_latin.add(folded)
    return Blocklist(tuple(latin), tuple(cjk), frozenset(allow_latin), tuple(allow_cjk))


def known_categories(path: Path | None = None) -> frozenset[str]:
    """Category names in the list at ``path`` (for validating settings and admin input)."""
    return frozenset(load_term_lists(path).categories)
