"""The LINE keyword syntax: one text message → a prompt with options, or a small command.

LINE photos carry no caption, so a photo's role and a clip's options travel in text:

* ``比例:16:9`` / ``aspect:1:1`` (also ``直式``/``方形``/``橫式``, ``portrait``/``square``/``landscape``),
  ``秒數:4`` / ``seconds:4``, ``seed:42`` / ``種子:42``, ``fps:8``, ``不要:模糊`` / ``neg:blurry``
  (negative prompt), ``preset:tiny`` / ``模型:tiny`` — anywhere in the message, ``:`` or ``：``;
* a message that is only ``結尾`` / ``/end`` (end frame), ``角色`` / ``/character`` (keep this
  character), ``風格`` / ``/style`` (keep this look) or ``首格`` / ``/first`` marks the NEXT photo;
  unmarked photos become the first frame, then the end frame;
* ``說明`` / ``help`` answers with this syntax; ``清除`` / ``/clear`` forgets waiting photos;
* ``用量`` / ``usage`` reports the person's GPU-seconds (and the group's); ``取消`` / ``cancel``
  cancels their newest unfinished job in this chat.

Parsing is pure (no I/O) so it is tested exhaustively; values are checked here only as far as
their shape goes — ranges are the service's job (one source of truth for limits).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.types import MAX_SEED, Aspect, ReferenceRole


class Command(StrEnum):
    PROMPT = "prompt"
    HELP = "help"
    MARK_ROLE = "mark_role"
    CLEAR = "clear"
    USAGE = "usage"
    CANCEL = "cancel"
    GALLERY = "gallery"
    GALLERY_ON = "gallery_on"
    GALLERY_OFF = "gallery_off"


HELP_WORDS = frozenset({"說明", "help", "/help", "幫助", "使用說明", "?", "？"})
CLEAR_WORDS = frozenset({"清除", "/clear", "clear"})
USAGE_WORDS = frozenset({"用量", "/usage", "usage", "額度", "/quota", "quota"})
CANCEL_WORDS = frozenset({"取消", "/cancel", "cancel"})
GALLERY_WORDS = frozenset({"作品集", "/gallery", "gallery"})
GALLERY_ON_WORDS = frozenset({"開啟作品集", "/gallery on", "gallery on"})
GALLERY_OFF_WORDS = frozenset({"關閉作品集", "/gallery off", "gallery off"})
ROLE_WORDS: dict[str, ReferenceRole] = {
    "首格": ReferenceRole.FIRST_FRAME,
    "開頭": ReferenceRole.FIRST_FRAME,
    "/first": ReferenceRole.FIRST_FRAME,
    "結尾": ReferenceRole.LAST_FRAME,
    "尾格": ReferenceRole.LAST_FRAME,
    "/end": ReferenceRole.LAST_FRAME,
    "角色": ReferenceRole.SUBJECT,
    "/character": ReferenceRole.SUBJECT,
    "風格": ReferenceRole.STYLE,
    "/style": ReferenceRole.STYLE,
}

ASPECT_WORDS: dict[str, Aspect] = {
    "9:16": Aspect.PORTRAIT,
    "16:9": Aspect.LANDSCAPE,
    "1:1": Aspect.SQUARE,
    "直式": Aspect.PORTRAIT,
    "直": Aspect.PORTRAIT,
    "方形": Aspect.SQUARE,
    "方": Aspect.SQUARE,
    "橫式": Aspect.LANDSCAPE,
    "橫": Aspect.LANDSCAPE,
    "portrait": Aspect.PORTRAIT,
    "square": Aspect.SQUARE,
    "landscape": Aspect.LANDSCAPE,
    "vertical": Aspect.PORTRAIT,
    "horizontal": Aspect.LANDSCAPE,
}

OPTION_KEYS: dict[str, str] = {
    "比例": "aspect",
    "aspect": "aspect",
    "ratio": "aspect",
    "秒數": "seconds",
    "秒": "seconds",
    "長度": "seconds",
    "seconds": "seconds",
    "sec": "seconds",
    "seed": "seed",
    "種子": "seed",
    "fps": "fps",
    "不要": "negative",
    "neg": "negative",
    "negative": "negative",
    "preset": "preset",
    "模型": "preset",
}
# Longest keys first so "秒數" wins over "秒".
_KEY_ALTERNATION = "|".join(re.escape(k) for k in sorted(OPTION_KEYS, key=len, reverse=True))
_OPTION_RE = re.compile(rf"(?:(?<=\s)|^)({_KEY_ALTERNATION})\s*[:：=＝]\s*(\S+)", re.IGNORECASE)
_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?")
_INT_RE = re.compile(r"^\d+")
_PRESET_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True)
class Parsed:
    """What one text message asks for."""

    command: Command
    prompt: str = ""
    role: ReferenceRole | None = None  # MARK_ROLE: the role of the next photo
    options: dict[str, object] = field(default_factory=dict)  # aspect, seconds, seed, fps, negative, preset


def _norm(value: str) -> str:
    """Full-width digits and colons → ASCII (people type ``比例：１６：９`` on phones)."""
    return unicodedata.normalize("NFKC", value)


#: A number longer than this is not a duration, a seed or a frame rate (and ``int()`` of
#: thousands of digits raises where it should refuse): refused with the option's message.
MAX_NUMBER_CHARS = 12


def _shown(raw: str) -> str:
    """The value as quoted back in a refusal: never thousands of characters."""
    return raw if len(raw) <= 24 else raw[:24] + "…"


def _option_value(name: str, raw: str) -> tuple[object, str]:
    """Return (value, leftover) for one option; leftover text glued to the value goes back to the prompt."""
    value = _norm(raw)
    shown = _shown(raw)
    if name == "aspect":
        lowered = value.lower()
        for word in sorted(ASPECT_WORDS, key=len, reverse=True):
            if lowered.startswith(word):
                return ASPECT_WORDS[word], raw[len(word) :]
        choices = ", ".join(a.value for a in Aspect)
        raise InvalidRequest("request.aspect_invalid", value=shown, choices=choices)
    if name == "seconds":
        match = _NUMBER_RE.match(value)
        if not match or len(match.group()) > MAX_NUMBER_CHARS:
            raise InvalidRequest("line.option_number", option=name, value=shown)
        return float(match.group()), value[match.end() :]
    if name in ("seed", "fps"):
        match = _INT_RE.match(value)
        if not match:
            raise InvalidRequest("line.option_number", option=name, value=shown)
        if len(match.group()) > MAX_NUMBER_CHARS:
            if name == "seed":
                raise InvalidRequest("request.seed_invalid", maximum=MAX_SEED, value=shown)
            raise InvalidRequest("line.option_number", option=name, value=shown)
        number = int(match.group())
        if name == "seed" and number > MAX_SEED:
            raise InvalidRequest("request.seed_invalid", maximum=MAX_SEED, value=shown)
        return number, value[match.end() :]
    if name == "preset":
        match = _PRESET_RE.match(value)
        if not match:
            raise InvalidRequest("line.option_number", option=name, value=shown)
        return match.group(), value[match.end() :]
    return raw, ""  # negative: the whole token


def parse_text(text: str) -> Parsed:
    """Parse one message (mention/trigger already removed). Raises InvalidRequest on a bad option."""
    stripped = text.strip()
    word = stripped.lower()
    if word in HELP_WORDS:
        return Parsed(Command.HELP)
    if word in CLEAR_WORDS:
        return Parsed(Command.CLEAR)
    if word in USAGE_WORDS:
        return Parsed(Command.USAGE)
    if word in CANCEL_WORDS:
        return Parsed(Command.CANCEL)
    if word in GALLERY_WORDS:
        return Parsed(Command.GALLERY)
    if word in GALLERY_ON_WORDS:
        return Parsed(Command.GALLERY_ON)
    if word in GALLERY_OFF_WORDS:
        return Parsed(Command.GALLERY_OFF)
    if word in ROLE_WORDS:
        return Parsed(Command.MARK_ROLE, role=ROLE_WORDS[word])
    options: dict[str, object] = {}
    pieces: list[str] = []
    cursor = 0
    for match in _OPTION_RE.finditer(stripped):
        name = OPTION_KEYS[match.group(1).lower()]
        value, leftover = _option_value(name, match.group(2))
        options[name] = value
        pieces.append(stripped[cursor : match.start()])
        pieces.append(leftover)
        cursor = match.end()
    pieces.append(stripped[cursor:])
    prompt = " ".join(" ".join(pieces).split())
    return Parsed(Command.PROMPT, prompt=prompt, options=options)


def strip_trigger(text: str, triggers: tuple[str, ...]) -> str | None:
    """The text after a trigger word (``/video 一隻貓`` → ``一隻貓``), or None if not triggered.

    A trigger must be followed by a space, a colon or the end, so that ``影片很好看`` in a
    chatty group does not start a render.
    """
    stripped = text.lstrip()
    for trigger in triggers:
        if stripped.lower().startswith(trigger.lower()):
            rest = stripped[len(trigger) :]
            if not rest or rest[0].isspace() or rest[0] in ":：":
                return rest.lstrip(" \t\n:：")
    return None


def remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """Cut ``(index, length)`` spans (the bot's own @mention) out of ``text``."""
    for index, length in sorted(spans, reverse=True):
        text = text[:index] + text[index + length :]
    return " ".join(text.split())
