"""A storyboard typed (or pasted) in a LINE chat → the same :class:`Storyboard` a file makes.

A phone has no YAML editor, so the format is lines::

    分鏡 夜市的一晚 比例:9:16 種子:7 轉場:淡入淡出
    1. 女孩走進雨中的夜市 4秒
    2. 她買了一杯珍珠奶茶 鏡頭:推近 3秒
    - 她抬頭對著鏡頭微笑 | 2s

* The first line starts with ``分鏡`` / ``storyboard``; the rest of it is the title and options
  for the whole board in the keyword style (``比例`` aspect, ``種子``/``seed``, ``不要``/``neg``,
  ``模型``/``preset``, ``fps``, ``轉場``/``transition``, ``速度``/``speed`` (every shot's mode), and
  defaults for every shot: ``秒數``, ``鏡頭``, ``動態``).
* Every other non-blank line is one shot, in the written order: an optional marker (``1.``,
  ``1、``, ``1)``, ``-``, ``・``, ``第1鏡``, ``shot 1:``), the prompt, and its length at the end
  (``4秒``, ``4 秒``, ``4s``, ``4 sec``) or after a ``|`` (``| 4s``, ``| 4``), or as ``秒數:4``;
  per-shot options ``鏡頭``, ``動態``, ``種子``, ``速度`` (this shot's own mode), ``轉場`` (how this
  shot begins), and its caption as a ``|`` part of its own: ``| 字幕: 她跑向海邊`` /
  ``| caption: Off to the sea`` (the rest of that part, spaces and all — a caption is free text,
  so it cannot sit among the ``key:value`` options). A board with captions has them burned
  into its finished Short (LINE shows no .srt), placed on the shots' timings in the draft.
* Board lines, each on a line of its own anywhere after the first (a shot line never starts
  this way): ``音樂: <描述>`` / ``music: <description>`` (the board's soundtrack, composed by
  the music model when the draft is finished — free text, so a line of its own like a shot's
  caption), ``節拍`` / ``卡點`` / ``beat`` (cuts snapped to the track's beats; ``節拍: 關`` /
  ``beat: off`` says no), ``fps: 24`` / ``每秒: 30`` (the finished Short's frame rate, 24 or
  30 — the first line's ``fps:8`` stays the model's own rate: a line of its own is the Short's),
  ``尺寸: 720x1280`` / ``size: 720x1280`` (the finished Short's size, a file's ``finish.size``),
  ``音訊模式: 取代`` / ``audio mode: replace`` (``混音``/``mix``: what a track does to the clip's
  own sound) and ``色調一致: 關`` / ``colour match: off`` (the draft's shots graded to shot 1's
  colours or not; on by default, a bare ``色調一致`` says on).
* Full-width digits and punctuation work (``１．``, ``４秒``, ``｜``, ``：``): the text is NFKC-
  normalized first.

The words that name a storyboard command live here too (the header, ``分鏡進度``, ``重拍 2``,
``同意 #<board>``): :func:`reelbot.bots.line.syntax.parse_text` routes a message with them.

Parsing is pure (no I/O, no settings: the default shot length is passed in), so it is tested
exhaustively; the ranges (each shot's length, the total, the shot count) are checked by
:func:`reelbot.app.storyboards.check_chat_storyboard`, the same as for a Discord file. Every
refusal is one catalogue message naming the shot (rendered in the reader's language here,
since the problem inside it is itself a message).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import ValidationError

from reelbot.bots.line.option_syntax import LOOP_VALUES, MAX_NUMBER_CHARS, extract_options
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.storyboard import (
    FINISH_FPS,
    MAX_SHOTS,
    AudioMode,
    FinishSpec,
    Shot,
    Storyboard,
    parse_size,
)

#: The first word of a storyboard message (the rest of that line: title and board options).
STORYBOARD_WORDS = frozenset({"分鏡", "分鏡表", "腳本", "storyboard", "/storyboard"})
STORYBOARD_STATUS_WORDS = frozenset({"分鏡進度", "/storyboard status", "storyboard status"})
#: 重拍 2 / 重拍第 2 鏡 / reroll shot 2, optionally naming the board (``#ab12cd34``, what the
#: draft's quick replies send): a new take of that shot of the person's newest board here.
STORYBOARD_REROLL_RE = re.compile(
    r"^(?:重拍|重新拍|/reroll(?:\s+shot)?|reroll\s+shot)(?:\s*第?\s*(\d{1,3})\s*(?:個鏡頭|鏡)?)?"
    r"(?:\s*#([0-9a-f]{8}))?$",
    re.IGNORECASE,
)
#: The answers to a storyboard's consent question (what its quick replies send): 同意 / 不同意
#: ``#<board>`` — the board named, so a plain "同意" in a chat is never taken for consent.
STORYBOARD_CONSENT_RE = re.compile(
    r"^(同意|確認同意|consent|不同意|拒絕|decline)\s*#([0-9a-f]{8})$", re.IGNORECASE
)
DECLINE_WORDS = frozenset({"不同意", "拒絕", "decline"})
#: A storyboard's first line: the word, then a space, a colon or the end (``分鏡：夜市``).
STORYBOARD_HEADER = re.compile(
    rf"^\s*({'|'.join(sorted(map(re.escape, STORYBOARD_WORDS), key=len, reverse=True))})(?=$|[\s:：])",
    re.IGNORECASE,
)

#: LINE sends at most 5000 characters in one text message; a board longer than this is a
#: paste gone wrong (and an answer quoting it would not fit).
MAX_BOARD_CHARS = 4000
MAX_SHOT_CHARS = 500  # one shot's line: a prompt, not an essay
MAX_TITLE_CHARS = 100

BOARD_OPTIONS = frozenset(
    {"aspect", "seed", "negative", "preset", "fps", "seconds", "transition", "camera", "motion", "speed"}
)
SHOT_OPTIONS = frozenset({"seconds", "seed", "camera", "motion", "transition", "speed"})
#: Options a storyboard does not carry: a loop is one clip closed on itself, not a Short's shot.
UNSUPPORTED = frozenset({"loop"})

_MARKER = re.compile(
    r"^\s*(?:"
    r"第\s*\d{1,3}\s*(?:個鏡頭|鏡|幕|場)\s*[.:、)]?"
    r"|(?:鏡頭|shot|scene)\s*\d{1,3}\s*[.:、)]?"
    r"|\d{1,3}\s*[.、)]"
    r"|[-*•・●▪]"
    r")\s*",
    re.IGNORECASE,
)
_NUMBER = r"(\d+(?:\.\d+)?)"
#: A length at the end of a shot line: ``4秒``, ``4 sec``, ``2.5 seconds``; the bare ``s`` only
#: right after a short number (``4s``), so "the 1990s" stays a prompt.
_TRAILING_SECONDS = re.compile(
    rf"(?:(?<![\d.]){_NUMBER}\s*(?:秒鐘|秒|seconds|second|secs|sec)|(?<![\d.])(\d{{1,2}}(?:\.\d+)?)s)\s*[.。]?\s*$",
    re.IGNORECASE,
)
#: A shot line's caption part: ``| 字幕: …`` / ``| caption: …`` (after NFKC, ``：`` is ``:``).
_CAPTION_PART = re.compile(r"^\s*(?:字幕|caption)\s*:\s*(.*?)\s*$", re.IGNORECASE | re.DOTALL)
#: Board lines (after NFKC): the soundtrack's description, the beat snap, the Short's rate.
_MUSIC_LINE = re.compile(r"^(?:音樂|配樂|music)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_BEAT_LINE = re.compile(r"^(?:節拍|卡點|對拍|beat[ _]?snap|beat)(?:\s*:\s*(.*))?$", re.IGNORECASE)
_FPS_LINE = re.compile(r"^(?:fps|每秒|幀率)\s*:\s*(.*)$", re.IGNORECASE)
_FPS_VALUE = re.compile(r"^(\d{1,3})\s*(?:fps|格|幀|張)?$", re.IGNORECASE)
_SIZE_LINE = re.compile(r"^(?:尺寸|解析度|畫面大小|size|resolution)\s*:\s*(.*)$", re.IGNORECASE)
_SIZE_CROSS = re.compile(r"\s*[x×*]\s*", re.IGNORECASE)  # 1080 x 1920, 1080×1920, 1080*1920
_MODE_LINE = re.compile(r"^(?:音訊模式|聲音模式|原音|audio[ _-]?mode)\s*:\s*(.*)$", re.IGNORECASE)
_MODE_WORDS = {
    "混音": AudioMode.MIX,
    "混合": AudioMode.MIX,
    "mix": AudioMode.MIX,
    "取代": AudioMode.REPLACE,
    "替換": AudioMode.REPLACE,
    "replace": AudioMode.REPLACE,
}
_COLOUR_LINE = re.compile(r"^(?:色調一致|統一色調|調色|colou?r[ _-]?match)(?:\s*:\s*(.*))?$", re.IGNORECASE)
#: ``節拍: 開`` / ``beat: off`` / ``色調一致: 關`` read with the loop option's yes/no words (one
#: table of them).
_TAIL_SECONDS = re.compile(rf"^{_NUMBER}\s*(?:秒鐘|秒|seconds|second|secs|sec|s)?$", re.IGNORECASE)


def _seconds(raw: str) -> float:
    if len(raw) > MAX_NUMBER_CHARS:
        raise InvalidRequest("line.option_number", option="seconds", value=raw[:24] + "…")
    return float(raw)


def _refusal(name: str) -> str:
    """Why an option is refused in a storyboard: one the board does not carry (循環), or
    — on a shot line — one that applies to the whole board (比例, 模型 …: the first line's)."""
    return "line.storyboard_unsupported" if name in UNSUPPORTED else "line.storyboard_option_first_line"


def _shot(line: str, number: int, defaults: dict[str, Any], default_seconds: float) -> Shot:
    """One shot line (marker already allowed for) → a :class:`Shot`."""
    if len(line) > MAX_SHOT_CHARS:
        raise InvalidRequest("line.storyboard_shot_long", shot=number, count=len(line), limit=MAX_SHOT_CHARS)
    body, caption = _caption(_MARKER.sub("", line, count=1), number)
    seconds: float | None = None
    if "|" in body:
        body, tail = body.rsplit("|", 1)
        tail_options, tail_rest = extract_options(tail, SHOT_OPTIONS, refusal=_refusal)
        if tail_rest:
            match = _TAIL_SECONDS.match(tail_rest)
            if match is None:
                raise InvalidRequest("line.storyboard_tail", value=tail_rest[:24])
            seconds = _seconds(match.group(1))
    else:
        tail_options = {}
    options, prompt = extract_options(body, SHOT_OPTIONS, refusal=_refusal)
    options.update(tail_options)
    if seconds is None and "seconds" in options:  # 秒數:4 written out wins over a trailing "3秒"
        seconds = float(options["seconds"])  # type: ignore[arg-type]
    if seconds is None:
        match = _TRAILING_SECONDS.search(prompt)
        if match is not None:
            seconds = _seconds(match.group(1) or match.group(2))
            prompt = prompt[: match.start()].rstrip(" ,，、|")
    prompt = prompt.strip(" ,，、|")
    if not prompt:
        raise InvalidRequest("line.storyboard_shot_empty", shot=number)
    if seconds is None:
        seconds = float(defaults.get("seconds", default_seconds))  # type: ignore[arg-type]
    fields: dict[str, Any] = {"prompt": prompt, "seconds": seconds}
    if caption is not None:
        fields["caption"] = caption
    for name in ("camera", "motion", "seed", "transition", "speed"):
        value = options.get(name, defaults.get(name) if name in ("camera", "motion") else None)
        if value is not None:
            fields[name] = value
    return Shot.model_validate(fields)


def _caption(body: str, number: int) -> tuple[str, str | None]:
    """The shot line without its ``| 字幕: …`` part, and that caption (None: it has none).
    An empty caption or two of them is one message naming the shot."""
    parts = body.split("|")
    captions = [m.group(1) for m in map(_CAPTION_PART.match, parts[1:]) if m is not None]
    if not captions:
        return body, None
    if len(captions) > 1 or not captions[0]:
        raise InvalidRequest("line.storyboard_shot_caption", shot=number)
    kept = [parts[0], *(part for part in parts[1:] if _CAPTION_PART.match(part) is None)]
    return "|".join(kept), captions[0]


def _switch(value: str | None, refusal: str) -> bool:
    """A board line's on/off: none written is on; else one of the yes/no words."""
    word = (value or "").strip()
    if not word:
        return True
    if word.lower() not in LOOP_VALUES:
        raise InvalidRequest(refusal, value=word[:24])
    return LOOP_VALUES[word.lower()]


def _size(value: str) -> str:
    """``1080 x 1920`` / ``1080×1920`` → ``1080x1920``, checked by the file's own
    :func:`~reelbot.domain.storyboard.parse_size` (even sides a finish takes)."""
    tidy = _SIZE_CROSS.sub("x", value.strip())
    try:
        width, height = parse_size(tidy)
    except InvalidRequest:
        raise InvalidRequest("line.storyboard_size_invalid", value=value.strip()[:24]) from None
    return f"{width}x{height}"


def _board_line(line: str) -> tuple[str, object] | None:
    """A board line → (the Storyboard field, or the :class:`FinishSpec` field, its value);
    None: the line is a shot. A wrong value is one message naming the choices (nothing else
    in the board is read then)."""
    if (music := _MUSIC_LINE.match(line)) is not None:
        if not music.group(1).strip():
            raise InvalidRequest("line.storyboard_music_empty")
        return "music", music.group(1).strip()
    if (beat := _BEAT_LINE.match(line)) is not None:
        return "beat_snap", _switch(beat.group(1), "line.storyboard_beat_invalid")
    if (colour := _COLOUR_LINE.match(line)) is not None:
        return "colour_match", _switch(colour.group(1), "line.storyboard_colour_invalid")
    if (fps := _FPS_LINE.match(line)) is not None:
        rate = _FPS_VALUE.match(fps.group(1).strip())
        if rate is None or int(rate.group(1)) not in FINISH_FPS:
            choices = ", ".join(map(str, FINISH_FPS))
            raise InvalidRequest("line.storyboard_fps_invalid", value=fps.group(1)[:24], choices=choices)
        return "fps", int(rate.group(1))
    if (size := _SIZE_LINE.match(line)) is not None:
        return "size", _size(size.group(1))
    if (mode := _MODE_LINE.match(line)) is not None:
        word = mode.group(1).strip()
        if word.lower() not in _MODE_WORDS:
            raise InvalidRequest("line.storyboard_audio_mode_invalid", value=word[:24])
        return "audio_mode", _MODE_WORDS[word.lower()]
    return None


def _board_lines(lines: list[str]) -> tuple[dict[str, object], list[str]]:
    """The board lines' fields (the Short's ``fps`` and ``size`` under ``finish``, as in a
    file) and the shot lines left, in order; a board line written twice is refused (which of
    two descriptions was meant is not ours to guess)."""
    fields: dict[str, object] = {}
    finish: dict[str, object] = {}
    shots: list[str] = []
    for line in lines:
        found = _board_line(line)
        if found is None:
            shots.append(line)
            continue
        into = finish if found[0] in FinishSpec.model_fields else fields
        if found[0] in into:
            raise InvalidRequest("line.storyboard_line_twice", line=line[:40])
        into[found[0]] = found[1]
    if finish:
        fields["finish"] = finish
    return fields, shots


def parse_board(text: str, *, default_seconds: float, locale: str | None) -> Storyboard:
    """Parse a typed storyboard; raises one InvalidRequest (in ``locale``'s words where the
    problem is a shot's) before anything is queued."""
    if len(text) > MAX_BOARD_CHARS:
        raise InvalidRequest("line.storyboard_text_long", count=len(text), limit=MAX_BOARD_CHARS)
    lines = [line.strip() for line in unicodedata.normalize("NFKC", text).splitlines()]
    lines = [line for line in lines if line]
    header = STORYBOARD_HEADER.match(lines[0]) if lines else None
    if header is None:
        raise InvalidRequest("line.storyboard_no_shots")
    extra, shot_lines = _board_lines(lines[1:])
    if not shot_lines:
        raise InvalidRequest("line.storyboard_no_shots")
    if len(shot_lines) > MAX_SHOTS:
        raise InvalidRequest("storyboard.too_many_shots", count=len(shot_lines), limit=MAX_SHOTS)
    head = lines[0][header.end() :].lstrip(" :")
    try:
        board_options, title = extract_options(head, BOARD_OPTIONS, refusal=_refusal)
    except InvalidRequest as exc:
        raise InvalidRequest("line.storyboard_at_header", problem=exc.render(locale)) from None
    shots = []
    for number, line in enumerate(shot_lines, start=1):
        try:
            shots.append(_shot(line, number, board_options, default_seconds))
        except InvalidRequest as exc:
            if exc.key.startswith("line.storyboard_shot_"):
                raise  # already names the shot
            raise InvalidRequest("line.storyboard_at_shot", shot=number, problem=exc.render(locale)) from None
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"]
            raise InvalidRequest("line.storyboard_at_shot", shot=number, problem=problem) from None
    fields: dict[str, Any] = {"title": title[:MAX_TITLE_CHARS], "shots": shots, **extra}
    if any(shot.caption for shot in shots):
        fields["burn_captions"] = True  # LINE plays no .srt: a shot's caption is drawn in
    for name, field in (
        ("aspect", "aspect"),
        ("seed", "seed"),
        ("negative", "negative_prompt"),
        ("preset", "preset"),
        ("fps", "fps"),
        ("transition", "transition"),
        ("speed", "speed"),  # every shot's mode unless a shot names its own
    ):
        if name in board_options:
            fields[field] = board_options[name]  # only what was written: an unset seed is random
    try:
        return Storyboard.model_validate(fields)
    except ValidationError as exc:
        raise InvalidRequest("line.storyboard_at_header", problem=exc.errors()[0]["msg"]) from None
