"""The LINE keyword syntax: one text message → a prompt with options, or a small command.

LINE photos carry no caption, so a photo's role and a clip's options travel in text:

* ``比例:16:9`` / ``aspect:1:1`` (also ``直式``/``方形``/``橫式``, ``portrait``/``square``/``landscape``),
  ``秒數:4`` / ``seconds:4``, ``seed:42`` / ``種子:42``, ``fps:8``, ``不要:模糊`` / ``neg:blurry``
  (negative prompt), ``preset:tiny`` / ``模型:tiny`` — anywhere in the message, ``:`` or ``：``;
* a message that is only ``結尾`` / ``/end`` (end frame), ``角色`` / ``/character`` (keep this
  character), ``風格`` / ``/style`` (keep this look) or ``首格`` / ``/first`` marks the NEXT photo;
  unmarked photos become the first frame, then the end frame;
* creator controls: ``速度:快|平衡|品質`` / ``speed:draft|balanced|quality``, ``動態:低|高`` /
  ``motion:low|high``, ``鏡頭:推近|拉遠|左移|右移|環繞|固定`` / ``camera:zoom_in|…``, ``循環`` /
  ``/loop`` (a flag word) or ``循環:是`` / ``loop:on`` — each accepts several natural words
  (the tables of :mod:`reelbot.bots.line.option_syntax`, which reads every ``key:value``);
* a message whose first word is ``分鏡`` / ``storyboard`` is a storyboard (one shot per line,
  parsed by :mod:`reelbot.bots.line.storyboard_syntax`);
* for the next 「輸出成 Shorts」: ``字幕 <text>`` / ``caption <text>`` sets its caption (burned in,
  plus an .srt), ``取消字幕`` / ``no caption`` drops it, ``取消音樂`` / ``no music`` drops the
  track an audio message left waiting (bots/line/finish_extras.py);
* ``音樂 <描述>`` / ``music <description>`` (``歌詞:`` / ``lyrics:`` and the words to sing after
  it) composes a soundtrack on a worker for the next 「輸出成 Shorts」 (bots/line/music.py);
* ``說明`` / ``help`` answers with this syntax; ``清除`` / ``/clear`` forgets waiting photos;
* ``用量`` / ``usage`` reports the person's GPU-seconds (and the group's); ``取消`` / ``cancel``
  cancels their newest unfinished job in this chat; ``排隊`` / ``進度`` / ``queue`` lists their
  jobs started in this chat, each waiting one with its lane, place and expected wait.

Parsing is pure (no I/O) so it is tested exhaustively; values are checked only as far as
their shape goes — ranges are the service's job (one source of truth for limits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from reelbot.bots.line.option_syntax import LOOP_FLAGS, PROMPT_OPTIONS, extract_options, normalize_width
from reelbot.bots.line.storyboard_syntax import (
    DECLINE_WORDS,
    STORYBOARD_CONSENT_RE,
    STORYBOARD_HEADER,
    STORYBOARD_REROLL_RE,
    STORYBOARD_STATUS_WORDS,
)
from reelbot.domain.types import ReferenceRole


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
    STORYBOARD = "storyboard"
    STORYBOARD_STATUS = "storyboard_status"
    STORYBOARD_REROLL = "storyboard_reroll"
    STORYBOARD_CONSENT = "storyboard_consent"
    QUEUE = "queue"
    NO_MUSIC = "no_music"
    CAPTION = "caption"
    NO_CAPTION = "no_caption"
    MUSIC = "music"


HELP_WORDS = frozenset({"說明", "help", "/help", "幫助", "使用說明", "?", "？"})
CLEAR_WORDS = frozenset({"清除", "/clear", "clear"})
USAGE_WORDS = frozenset({"用量", "/usage", "usage", "額度", "/quota", "quota"})
CANCEL_WORDS = frozenset({"取消", "/cancel", "cancel"})
QUEUE_WORDS = frozenset({"排隊", "/queue", "queue", "進度", "/progress", "progress"})
GALLERY_WORDS = frozenset({"作品集", "/gallery", "gallery"})
GALLERY_ON_WORDS = frozenset({"開啟作品集", "/gallery on", "gallery on"})
GALLERY_OFF_WORDS = frozenset({"關閉作品集", "/gallery off", "gallery off"})
NO_MUSIC_WORDS = frozenset({"取消音樂", "不要音樂", "/nomusic", "no music", "/no music"})
NO_CAPTION_WORDS = frozenset({"取消字幕", "不要字幕", "/nocaption", "no caption", "/no caption"})
#: ``字幕 夜市的燈亮了`` / ``caption: the lights come on``: the Chinese word or ``/caption``, then
#: a space, a colon or the end (``字幕很大的海報`` stays a prompt); the English word needs its
#: colon, since English prompts may start with it (``caption contest at a café``). The rest,
#: line breaks and all, is the caption.
CAPTION_RE = re.compile(
    r"^(?:(?:字幕|/caption)(?:$|[\s:：]\s*(.*))|caption(?:$|\s*[:：]\s*(.*)))", re.IGNORECASE | re.DOTALL
)
#: ``音樂 溫暖的夜市 lo-fi`` / ``music: warm lo-fi``, the same way (``音樂很好聽的 MV`` and
#: ``music box on a table`` stay prompts); ``歌詞:`` / ``lyrics:`` splits the words to sing
#: off the description (they may run over lines, so they are not a one-word option).
MUSIC_RE = re.compile(
    r"^(?:(?:音樂|/music)(?:$|[\s:：]\s*(.*))|music(?:$|\s*[:：]\s*(.*)))", re.IGNORECASE | re.DOTALL
)
LYRICS_RE = re.compile(r"(?:歌詞|(?<!\S)lyrics)\s*[:：]", re.IGNORECASE)  # Chinese needs no space
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


@dataclass(frozen=True)
class Parsed:
    """What one text message asks for."""

    command: Command
    prompt: str = ""
    role: ReferenceRole | None = None  # MARK_ROLE: the role of the next photo
    # aspect, seconds, seed, fps, negative, preset, speed, motion (0-1), camera, loop
    # (CAPTION: ``prompt`` is the caption's text; MUSIC: the description, ``options["lyrics"]``)
    options: dict[str, object] = field(default_factory=dict)


#: Messages that are one command word and nothing else, checked in this order.
_WORD_COMMANDS: tuple[tuple[frozenset[str], Command], ...] = (
    (HELP_WORDS, Command.HELP),
    (CLEAR_WORDS, Command.CLEAR),
    (USAGE_WORDS, Command.USAGE),
    (CANCEL_WORDS, Command.CANCEL),
    (QUEUE_WORDS, Command.QUEUE),
    (GALLERY_WORDS, Command.GALLERY),
    (GALLERY_ON_WORDS, Command.GALLERY_ON),
    (GALLERY_OFF_WORDS, Command.GALLERY_OFF),
    (NO_MUSIC_WORDS, Command.NO_MUSIC),
    (NO_CAPTION_WORDS, Command.NO_CAPTION),
)


def parse_text(text: str) -> Parsed:
    """Parse one message (mention/trigger already removed). Raises InvalidRequest on a bad option."""
    stripped = text.strip()
    word = stripped.lower()
    for words, command in _WORD_COMMANDS:
        if word in words:
            return Parsed(command)
    if word in ROLE_WORDS:
        return Parsed(Command.MARK_ROLE, role=ROLE_WORDS[word])
    caption = CAPTION_RE.match(stripped)
    if caption is not None:
        return Parsed(Command.CAPTION, prompt=(caption.group(1) or caption.group(2) or "").strip())
    music = MUSIC_RE.match(stripped)
    if music is not None:
        return _music(music.group(1) or music.group(2) or "")
    if " ".join(word.split()) in STORYBOARD_STATUS_WORDS:
        return Parsed(Command.STORYBOARD_STATUS)
    consent = STORYBOARD_CONSENT_RE.match(normalize_width(" ".join(word.split())))
    if consent is not None:
        yes = consent.group(1) not in DECLINE_WORDS
        return Parsed(Command.STORYBOARD_CONSENT, options={"board": consent.group(2), "yes": yes})
    reroll = STORYBOARD_REROLL_RE.match(normalize_width(" ".join(word.split())))
    if reroll is not None:
        shot = int(reroll.group(1)) if reroll.group(1) else None
        return Parsed(Command.STORYBOARD_REROLL, options={"shot": shot, "board": reroll.group(2)})
    if STORYBOARD_HEADER.match(stripped):
        return Parsed(Command.STORYBOARD, prompt=stripped)  # parsed by storyboard_syntax
    options, rest = extract_options(stripped, PROMPT_OPTIONS, refusal="line.option_storyboard_only")
    tokens = rest.split()
    if any(token.lower() in LOOP_FLAGS for token in tokens):
        options.setdefault("loop", True)  # an explicit 循環:否 wins over the flag word
        tokens = [token for token in tokens if token.lower() not in LOOP_FLAGS]
    return Parsed(Command.PROMPT, prompt=" ".join(tokens), options=options)


def _music(text: str) -> Parsed:
    """``<description> 歌詞: <lyrics>``: the description, and the lyrics (line breaks kept)."""
    lyrics = LYRICS_RE.search(text)
    if lyrics is None:
        return Parsed(Command.MUSIC, prompt=" ".join(text.split()), options={"lyrics": ""})
    description = " ".join(text[: lyrics.start()].split())
    return Parsed(Command.MUSIC, prompt=description, options={"lyrics": text[lyrics.end() :].strip()})


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
    # Spaces collapse, line breaks stay: a storyboard is one shot per line.
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
