"""Captions: SubRip sidecars from shot timings, and burned-in ASS subtitles for 9:16.

Line breaking works on display width, not on spaces: a CJK character is one full-width
unit and may break anywhere (zh-TW has no word spaces), Latin text breaks at spaces and
counts about half a unit per letter. The usual kinsoku rules apply: closing punctuation
(，。！？」） …) never starts a line and opening punctuation (「（) never ends one.

Burned-in captions are an ASS script rendered by libass (ffmpeg's ``ass`` filter) with a
CJK font — Noto Sans CJK TC from Debian's ``fonts-noto-cjk`` unless the operator names
another — loaded from a folder holding only that file, so libass cannot fall back to a
font without the glyphs (tofu). They sit inside the Shorts safe area: above the bottom
quarter (title, channel, comment box) and left of the right-hand button column.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.finish_config import FinishSettings, check_caption

# Where fonts-noto-cjk (Debian/Ubuntu) and the usual distro packages put the CJK faces.
CJK_FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKtc-Regular.otf"),
)
CJK_FAMILY = "Noto Sans CJK TC"  # the Traditional Chinese face inside the .ttc collection

NO_LINE_START = set("，。、！？；：」』）》〉】〕…—,.!?;:)]}%’”")
NO_LINE_END = set("「『（《〈【〔([{‘“")
_SRT_TIME = r"(\d{1,2}):(\d{2}):(\d{2})[,.](\d{1,3})"
_SRT_RANGE = re.compile(rf"^\s*{_SRT_TIME}\s*-->\s*{_SRT_TIME}")


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # may hold "\n" between lines


@dataclass(frozen=True)
class SafeArea:
    """Caption box margins in pixels for a ``width``×``height`` frame (9:16 Shorts UI)."""

    width: int
    height: int

    @property
    def bottom(self) -> int:
        return round(self.height * 0.25)

    @property
    def right(self) -> int:
        return round(self.width * 0.17)

    @property
    def left(self) -> int:
        return round(self.width * 0.06)

    @property
    def font_px(self) -> int:
        return max(12, round(self.height * 0.034))

    @property
    def line_units(self) -> int:
        """Full-width characters per line that fit between the margins."""
        return max(4, (self.width - self.left - self.right) // self.font_px)


def char_units(char: str) -> float:
    """Display width in full-width units: CJK/full-width 1, everything else ½."""
    return 1.0 if unicodedata.east_asian_width(char) in {"W", "F"} else 0.5


def _tokens(text: str) -> list[str]:
    """Breakable pieces: each wide character alone, runs of narrow characters as words."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char.isspace():
            if word:
                tokens.append(word)
            word = ""
            tokens.append(" ")
        elif char_units(char) == 1.0:
            if word:
                tokens.append(word)
            word = ""
            tokens.append(char)
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def _units(text: str) -> float:
    return sum(char_units(c) for c in text)


def _split_long(token: str, limit: float) -> list[str]:
    pieces, piece = [], ""
    for char in token:
        if piece and _units(piece + char) > limit:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece] if piece else pieces


def wrap_caption(text: str, line_units: float) -> list[str]:
    """Greedy line breaking by display width, for Chinese and English alike."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        line = ""
        for token in (p for t in _tokens(paragraph) for p in _split_long(t, line_units)):
            if token == " ":  # noqa: S105 - a space token, not a secret
                line += " " if line else ""
                continue
            if _units((line + token).rstrip()) <= line_units or not line.strip():
                line += token
                continue
            if token[0] in NO_LINE_START:  # hang closing punctuation on the previous line
                line += token
                continue
            carry = ""
            while line and line.rstrip()[-1:] in NO_LINE_END:
                carry, line = line.rstrip()[-1] + carry, line.rstrip()[:-1]
            lines.append(line.rstrip())
            line = carry + token
        if line.strip():
            lines.append(line.rstrip())
    return lines


def cues_from_shots(
    shot_seconds: Sequence[float], captions: Sequence[str | None], settings: FinishSettings
) -> list[Cue]:
    """One cue per captioned shot, spanning exactly that shot on the draft's timeline."""
    cues: list[Cue] = []
    start = 0.0
    for seconds, caption in zip(shot_seconds, captions, strict=True):
        if caption and caption.strip():
            cues.append(Cue(start, start + seconds, check_caption(caption, settings)))
        start += seconds
    return cues


def _clock(seconds: float, ticks_per_second: int) -> tuple[int, int, int, int]:
    """``seconds`` rounded to whole ticks, as (hours, minutes, seconds, ticks): SubRip counts
    milliseconds, ASS centiseconds. Rounding first keeps the carry right (59.9996 s → 1:00.000)."""
    ticks = round(seconds * ticks_per_second)
    whole, ticks = divmod(ticks, ticks_per_second)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return hours, minutes, secs, ticks


def _srt_time(seconds: float) -> str:
    hours, minutes, secs, millis = _clock(seconds, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def srt_text(cues: Sequence[Cue], line_units: float | None = None) -> str:
    """The SubRip document; lines wrapped when ``line_units`` is given."""
    blocks = []
    for number, cue in enumerate(cues, start=1):
        lines = wrap_caption(cue.text, line_units) if line_units else cue.text.splitlines()
        blocks.append(
            f"{number}\n{_srt_time(cue.start)} --> {_srt_time(cue.end)}\n" + "\n".join(lines) + "\n"
        )
    return "\n".join(blocks)


def write_srt(cues: Sequence[Cue], path: Path, line_units: float | None = None) -> Path:
    """Write the .srt atomically (temp + rename), UTF-8 without BOM."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(srt_text(cues, line_units), encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def parse_srt(path: Path, settings: FinishSettings) -> list[Cue]:
    """Cues of a SubRip file; each caption checked against the length limit."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRequest(
            "finish.captions_unreadable", name=path.name, reason=type(exc).__name__
        ) from None
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = block.splitlines()
        timing = next((i for i, line in enumerate(lines) if _SRT_RANGE.match(line)), None)
        if timing is None:
            raise InvalidRequest("finish.captions_unreadable", name=path.name, reason="no time range")
        g = _SRT_RANGE.match(lines[timing]).groups()  # type: ignore[union-attr]
        start = int(g[0]) * 3600 + int(g[1]) * 60 + int(g[2]) + int(g[3].ljust(3, "0")) / 1000
        end = int(g[4]) * 3600 + int(g[5]) * 60 + int(g[6]) + int(g[7].ljust(3, "0")) / 1000
        if end <= start:
            raise InvalidRequest("finish.captions_unreadable", name=path.name, reason="end before start")
        cues.append(Cue(start, end, check_caption("\n".join(lines[timing + 1 :]), settings)))
    return cues


def find_cjk_font(settings: FinishSettings) -> Path:
    """The caption font file: the configured one, else the first installed Noto Sans CJK."""
    candidates = (settings.font_file,) if settings.font_file else CJK_FONT_CANDIDATES
    for candidate in candidates:
        if candidate is not None and candidate.is_file():
            return candidate
    raise ReelbotError("finish.font_missing", path=str(candidates[0]))


def font_family(font: Path) -> str:
    """The family name libass should ask for: the TC face for the Noto collection."""
    if font.name.startswith("NotoSansCJK"):
        return CJK_FAMILY
    from PIL import ImageFont

    return ImageFont.truetype(str(font), size=12).getname()[0] or font.stem


def _ass_time(seconds: float) -> str:
    hours, minutes, secs, centis = _clock(seconds, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{centis:02d}"


def _ass_escape(line: str) -> str:
    return line.replace("\\", "＼").replace("{", "(").replace("}", ")")


def ass_script(cues: Sequence[Cue], width: int, height: int, family: str) -> str:
    """An ASS document sized to the output frame, with white text and a dark outline."""
    area = SafeArea(width, height)
    outline = max(1, math.ceil(area.font_px / 16))
    header = (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\nWrapStyle: 2\nScaledBorderAndShadow: yes\n\n"
        "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, "
        "Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: Caption,{family},{area.font_px},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,"
        f"0,0,0,0,100,100,0,0,1,{outline},0,2,{area.left},{area.right},{area.bottom},1\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    events = [
        f"Dialogue: 0,{_ass_time(cue.start)},{_ass_time(cue.end)},Caption,,0,0,0,,"
        + r"\N".join(_ass_escape(line) for line in wrap_caption(cue.text, area.line_units))
        for cue in cues
    ]
    return header + "\n".join(events) + "\n"


def prepare_burn(
    cues: Sequence[Cue], width: int, height: int, workdir: Path, settings: FinishSettings
) -> str:
    """Write ``captions.ass`` and a one-font folder into ``workdir``; return the filter.

    The filter names files relative to ``workdir`` (ffmpeg runs there), so no path needs
    filter-graph escaping.
    """
    font = find_cjk_font(settings)
    fonts = workdir / "fonts"
    fonts.mkdir(exist_ok=True)
    link = fonts / font.name
    if not link.exists():
        link.symlink_to(font.resolve())
    (workdir / "captions.ass").write_text(
        ass_script(cues, width, height, font_family(font)), encoding="utf-8"
    )
    return "ass=filename=captions.ass:fontsdir=fonts"
