"""Fold text into a canonical form so that evasive spellings meet the blocklist.

People dodge word filters with full-width letters (ｎｕｄｅ), zero-width characters
(n\u200bude), spacing and dots (n u d e, n.u.d.e), digits (nud3), look-alike letters from
other scripts (Cyrillic ``е`` for Latin ``e``) and, in Chinese, the other script
(裸體 / 裸体). Each fold below undoes one of these; the matcher in
:mod:`reelbot.app.safety.blocklist` applies the same folds to the terms, so a term and its
disguise end up as the same string.

What is *not* done here, on purpose: joining whole words ("this hit" must not become
"thishit"), because that is what makes naive filters refuse innocent text (the
Scunthorpe problem). Only runs of single letters ("n u d e") are joined; see
:func:`latin_views`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Look-alikes from Cyrillic and Greek (and a few symbols NFKC leaves alone) → Latin.
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic (lower case; casefold runs first)
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "һ": "h", "ӏ": "l", "ь": "b", "п": "n", "г": "r",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ς": "s", "σ": "o", "μ": "u",
    # Latin-ish symbols
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe",
}  # fmt: skip

# Digits and symbols that stand in for letters *inside a word*. ``l`` and ``1`` and ``i``
# fold to one letter because each is used for the others ("ki11", "sh1t", "|oli").
LEET: dict[str, str] = {
    "0": "o", "1": "i", "!": "i", "|": "i", "l": "i", "3": "e", "4": "a", "@": "a",
    "5": "s", "$": "s", "7": "t", "+": "t", "8": "b", "9": "g", "6": "g", "2": "z",
}  # fmt: skip

# Chinese sentence punctuation ends a phrase: "景色。情人" must not read as "色情".
CJK_HARD_BREAKS = frozenset("。！？，、；：,!?;:\n\r\t「」『』（）()《》〈〉…")

_TOKEN = re.compile(r"(?:[^\W_]|[@$!|+])+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def is_cjk(char: str) -> bool:
    """True for CJK ideographs (the blocklist's zh terms are written in them)."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0xF900 <= code <= 0xFAFF
    )


@cache
def _simplified_chars() -> dict[str, str]:
    """Traditional → Simplified, one character at a time, from zhconv's MediaWiki tables.

    Character-level (not phrase-level) so that a term and the text around it fold the same
    way regardless of context.
    """
    raw = (resources.files("zhconv") / "zhcdict.json").read_text("utf-8")
    table: dict[str, str] = json.loads(raw)["zh2Hans"]
    return {src: dst for src, dst in table.items() if len(src) == 1 and len(dst) == 1}


def fold_chinese(text: str) -> str:
    """Traditional characters to their Simplified form (both scripts compare equal)."""
    table = _simplified_chars()
    return "".join(table.get(ch, ch) for ch in text)


def base_fold(text: str) -> str:
    """NFKC, case-fold, drop zero-width/format characters and accents, map look-alikes.

    Length and word boundaries are kept (apart from removed invisible characters), so
    later steps can still tell words apart.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(ch)
        if category == "Cf" or category == "Mn":  # zero-width joiners, soft hyphens, accents
            continue
        out.append(HOMOGLYPHS.get(ch, ch))
    return unicodedata.normalize("NFC", "".join(out))


def fold_word(token: str) -> str:
    """Leetspeak → letters, for a token that has at least one letter ("p0rn", "a$$")."""
    if not any(ch.isalpha() for ch in token):
        return token
    return "".join(LEET.get(ch, ch) for ch in token)


def fold_term(term: str) -> str:
    """A blocklist term in the same canonical form as the text views it is matched against."""
    folded = base_fold(term)
    if any(is_cjk(ch) for ch in folded):
        return "".join(ch for ch in fold_chinese(folded) if not ch.isspace())
    words = [fold_word(tok) for tok in _tokens(folded)]
    return " ".join(w for w in words if w)


@dataclass(frozen=True)
class TextViews:
    """The canonical readings of one text that the matcher checks.

    ``words``: latin words, leet-folded, separated by single spaces.
    ``compounds``: whitespace-free chunks with their inner punctuation removed ("f-u.ck").
    ``letter_runs``: runs of single letters joined ("n u d e" → "nude"), matched anywhere.
    ``cjk``: CJK phrases with separators between ideographs removed, Traditional folded to
    Simplified; hard sentence punctuation splits phrases.
    """

    words: str
    compounds: tuple[str, ...]
    letter_runs: tuple[str, ...]
    cjk: tuple[str, ...]


def _tokens(text: str) -> list[str]:
    """Word-like runs, symbols included when glued to letters ("sh!t", "a$$")."""
    return [m.group() for m in _TOKEN.finditer(text) if any(ch.isalnum() for ch in m.group())]


def _glue_symbols(text: str) -> str:
    """Remove sentence punctuation that merely ends a word ("wow!") but keep "sh!t"."""
    return re.sub(r"(?<=\w)[!|+]+(?=\W|$)", " ", text)


def latin_views(folded: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """``words``, ``compounds`` and ``letter_runs`` of an already base-folded text."""
    text = "".join(" " if is_cjk(ch) else ch for ch in _glue_symbols(folded))
    chunks = [c for c in _SPACE.split(text) if c]
    words: list[str] = []
    compounds: list[str] = []
    runs: list[str] = []
    current_run: list[str] = []

    def close_run() -> None:
        if len(current_run) >= 2:
            runs.append(fold_word("".join(current_run)))
        current_run.clear()

    for chunk in chunks:
        parts = [fold_word(tok) for tok in _tokens(chunk)]
        if not parts:
            close_run()
            continue
        words.extend(parts)
        if len(parts) > 1:
            compounds.append("".join(parts))
        for part in parts:
            if len(part) == 1:
                current_run.append(part)
            else:
                close_run()
    close_run()
    return " ".join(words), tuple(compounds), tuple(runs)


def cjk_views(folded: str) -> tuple[str, ...]:
    """CJK phrases: ideographs with soft separators (spaces, dots, dashes, latin noise
    between single ideographs is *not* removed) dropped, split at hard punctuation."""
    phrases: list[str] = []
    current: list[str] = []
    for ch in fold_chinese(folded):
        if is_cjk(ch):
            current.append(ch)
        elif (ch in CJK_HARD_BREAKS or ch.isalnum()) and current:
            phrases.append("".join(current))
            current = []
        # anything else (spaces, · . - _ * ~ emoji) is a soft separator: skipped
    if current:
        phrases.append("".join(current))
    return tuple(phrases)


def views(text: str) -> TextViews:
    """All canonical readings of ``text`` (see :class:`TextViews`)."""
    folded = base_fold(text)
    words, compounds, runs = latin_views(folded)
    return TextViews(words=words, compounds=compounds, letter_runs=runs, cjk=cjk_views(folded))
