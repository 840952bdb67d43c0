"""Is a text one of the catalogue's messages (in a given locale)? Each template becomes a regex
whose ``{fields}`` match anything, so a reply is recognised whatever values it carries."""

from __future__ import annotations

import re
import string
from functools import cache

from reelbot.domain.messages import CATALOGUE


@cache
def _patterns(locale: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for template in CATALOGUE[locale].values():
        parts = []
        for literal, field, _spec, _conv in string.Formatter().parse(template):
            parts.append(re.escape(literal))
            if field is not None:
                parts.append(".*?")
        out.append(re.compile("".join(parts), re.DOTALL))
    return tuple(out)


def is_catalogue_message(text: str, locale: str) -> bool:
    return any(p.fullmatch(text) for p in _patterns(locale))
