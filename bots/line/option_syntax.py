"""The ``key:value`` options of the LINE keyword syntax: their words and how a value is read.

One table per option (the words people type in Taiwan and in English → the request's value)
and one reader, :func:`extract_options`, shared by a plain prompt (:mod:`.syntax`) and by a
typed storyboard's first line and shot lines (:mod:`.storyboard_syntax`): ``比例:16:9``,
``秒數:4``, ``seed:42``, ``fps:8``, ``不要:模糊``, ``模型:tiny``, ``速度:快``, ``動態:低``,
``鏡頭:推近``, ``循環:是``, ``轉場:淡入淡出`` — anywhere in the message, ``:`` or ``：``.

Reading is pure (no I/O); values are checked only as far as their shape goes — ranges are
the service's job (one source of truth for limits).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from reelbot.bots.common.controls import MOTION_LEVELS
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.storyboard import Transition
from reelbot.domain.types import MAX_SEED, Aspect, Camera, SpeedMode

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
    "速度": "speed",
    "模式": "speed",
    "speed": "speed",
    "mode": "speed",
    "動態": "motion",
    "動作": "motion",
    "motion": "motion",
    "鏡頭": "camera",
    "運鏡": "camera",
    "camera": "camera",
    "cam": "camera",
    "循環": "loop",
    "loop": "loop",
    "轉場": "transition",
    "transition": "transition",
}

# The creator controls: the words people type → the request's values. Several per value, as
# people say them in Taiwan (快 / 草稿 for a draft, 推近 / 拉近 for a zoom in) and in English;
# the first word of each value is the one the help and the refusals show.
SPEED_WORDS: dict[str, SpeedMode] = {
    "快": SpeedMode.DRAFT,
    "快速": SpeedMode.DRAFT,
    "最快": SpeedMode.DRAFT,
    "草稿": SpeedMode.DRAFT,
    "草圖": SpeedMode.DRAFT,
    "draft": SpeedMode.DRAFT,
    "fast": SpeedMode.DRAFT,
    "平衡": SpeedMode.BALANCED,
    "一般": SpeedMode.BALANCED,
    "標準": SpeedMode.BALANCED,
    "balanced": SpeedMode.BALANCED,
    "normal": SpeedMode.BALANCED,
    "品質": SpeedMode.QUALITY,
    "高品質": SpeedMode.QUALITY,
    "畫質": SpeedMode.QUALITY,
    "精緻": SpeedMode.QUALITY,
    "慢": SpeedMode.QUALITY,
    "quality": SpeedMode.QUALITY,
    "best": SpeedMode.QUALITY,
}
MOTION_WORDS: dict[str, str] = {  # → a level of bots.common.controls.MOTION_LEVELS
    "低": "low",
    "少": "low",
    "小": "low",
    "輕": "low",
    "輕柔": "low",
    "緩慢": "low",
    "low": "low",
    "gentle": "low",
    "calm": "low",
    "高": "high",
    "多": "high",
    "大": "high",
    "強": "high",
    "動感": "high",
    "激烈": "high",
    "high": "high",
    "dynamic": "high",
    "strong": "high",
}
CAMERA_WORDS: dict[str, Camera] = {
    "固定": Camera.STATIC,
    "不動": Camera.STATIC,
    "靜止": Camera.STATIC,
    "腳架": Camera.STATIC,
    "static": Camera.STATIC,
    "still": Camera.STATIC,
    "tripod": Camera.STATIC,
    "左移": Camera.PAN_LEFT,
    "向左": Camera.PAN_LEFT,
    "往左": Camera.PAN_LEFT,
    "左搖": Camera.PAN_LEFT,
    "pan_left": Camera.PAN_LEFT,
    "panleft": Camera.PAN_LEFT,
    "left": Camera.PAN_LEFT,
    "右移": Camera.PAN_RIGHT,
    "向右": Camera.PAN_RIGHT,
    "往右": Camera.PAN_RIGHT,
    "右搖": Camera.PAN_RIGHT,
    "pan_right": Camera.PAN_RIGHT,
    "panright": Camera.PAN_RIGHT,
    "right": Camera.PAN_RIGHT,
    "推近": Camera.ZOOM_IN,
    "拉近": Camera.ZOOM_IN,
    "放大": Camera.ZOOM_IN,
    "特寫": Camera.ZOOM_IN,
    "zoom_in": Camera.ZOOM_IN,
    "zoomin": Camera.ZOOM_IN,
    "拉遠": Camera.ZOOM_OUT,
    "推遠": Camera.ZOOM_OUT,
    "縮小": Camera.ZOOM_OUT,
    "zoom_out": Camera.ZOOM_OUT,
    "zoomout": Camera.ZOOM_OUT,
    "環繞": Camera.ORBIT,
    "繞圈": Camera.ORBIT,
    "旋轉": Camera.ORBIT,
    "orbit": Camera.ORBIT,
    "360": Camera.ORBIT,
}
LOOP_VALUES: dict[str, bool] = {
    "是": True,
    "要": True,
    "開": True,
    "開啟": True,
    "yes": True,
    "on": True,
    "true": True,
    "1": True,
    "否": False,
    "不要": False,
    "關": False,
    "關閉": False,
    "no": False,
    "off": False,
    "false": False,
    "0": False,
}
#: A whole token that switches the loop on by itself (``一艘紙船 循環``). Plain ``loop`` is not
#: one: "a loop of rope" is a prompt; ``loop:on`` / ``/loop`` say it unambiguously.
LOOP_FLAGS = frozenset({"循環", "無縫循環", "循環播放", "/loop", "#loop"})
TRANSITION_WORDS: dict[str, Transition] = {
    "硬切": Transition.CUT,
    "直接切": Transition.CUT,
    "切": Transition.CUT,
    "cut": Transition.CUT,
    "淡入淡出": Transition.CROSSFADE,
    "交叉淡化": Transition.CROSSFADE,
    "溶接": Transition.CROSSFADE,
    "淡化": Transition.CROSSFADE,
    "crossfade": Transition.CROSSFADE,
    "fade": Transition.CROSSFADE,
}
#: Word tables of the options whose values are words, with the message that refuses others.
CHOICES: dict[str, tuple[dict[str, Any], str]] = {
    "speed": (SPEED_WORDS, "line.speed_invalid"),
    "motion": (MOTION_WORDS, "line.motion_invalid"),
    "camera": (CAMERA_WORDS, "line.camera_invalid"),
    "loop": (LOOP_VALUES, "line.loop_invalid"),
    "transition": (TRANSITION_WORDS, "line.transition_invalid"),
}
#: The options a plain prompt takes (transition only means something between storyboard shots).
PROMPT_OPTIONS = frozenset(
    {"aspect", "seconds", "seed", "fps", "negative", "preset", "speed", "motion", "camera", "loop"}
)
# Longest keys first so "秒數" wins over "秒".
_KEY_ALTERNATION = "|".join(re.escape(k) for k in sorted(OPTION_KEYS, key=len, reverse=True))
_OPTION_RE = re.compile(rf"(?:(?<=\s)|^)({_KEY_ALTERNATION})\s*[:：=＝]\s*(\S+)", re.IGNORECASE)
_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?")
_INT_RE = re.compile(r"^\d+")
_PRESET_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}")


def normalize_width(value: str) -> str:
    """Full-width digits and colons → ASCII (people type ``比例：１６：９`` on phones)."""
    return unicodedata.normalize("NFKC", value)


#: A number longer than this is not a duration, a seed or a frame rate (and ``int()`` of
#: thousands of digits raises where it should refuse): refused with the option's message.
MAX_NUMBER_CHARS = 12


def _shown(raw: str) -> str:
    """The value as quoted back in a refusal: never thousands of characters."""
    return raw if len(raw) <= 24 else raw[:24] + "…"


def _word_value(name: str, value: str, shown: str) -> tuple[object, str]:
    """A word-valued option (speed, motion, camera, loop, transition): the longest known word the
    value starts with; an ASCII word must end there (``motion:highway`` is not ``high``)."""
    words, refusal = CHOICES[name]
    lowered = value.lower()
    for word in sorted(words, key=len, reverse=True):
        if not lowered.startswith(word):
            continue
        rest = value[len(word) :]
        if word.isascii() and rest[:1].isascii() and (rest[:1].isalnum() or rest[:1] == "_"):
            continue
        chosen = words[word]
        return (MOTION_LEVELS[chosen] if name == "motion" else chosen), rest
    raise InvalidRequest(refusal, value=shown)


def _option_value(name: str, raw: str) -> tuple[object, str]:
    """Return (value, leftover) for one option; leftover text glued to the value goes back to the prompt."""
    value = normalize_width(raw)
    shown = _shown(raw)
    if name in CHOICES:
        return _word_value(name, value, shown)
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


def extract_options(
    text: str, allowed: frozenset[str], *, refusal: str | Callable[[str], str]
) -> tuple[dict[str, object], str]:
    """The ``key:value`` options in ``text`` and the text without them (spaces collapsed).

    An option that is not ``allowed`` here (``轉場`` in a prompt, ``比例`` on a storyboard's shot
    line) is refused by name rather than silently ignored: ``refusal`` is the message key (or
    gives it for the option's name), rendered with the key as the person typed it.
    """
    options: dict[str, object] = {}
    pieces: list[str] = []
    cursor = 0
    for match in _OPTION_RE.finditer(text):
        name = OPTION_KEYS[match.group(1).lower()]
        if name not in allowed:
            key = refusal if isinstance(refusal, str) else refusal(name)
            raise InvalidRequest(key, option=match.group(1))
        value, leftover = _option_value(name, match.group(2))
        options[name] = value
        pieces.append(text[cursor : match.start()])
        pieces.append(leftover)
        cursor = match.end()
    pieces.append(text[cursor:])
    return options, " ".join(" ".join(pieces).split())
