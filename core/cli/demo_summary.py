"""The end of ``reelbot demo``: what the newcomer got, where to look, and the one next command.

A first run renders with the tiny preset: real pipeline classes with random weights, built
in-process so the demo needs no download and no GPU. Its output is abstract colour fields by
design, which surprises anyone who expected a boat on a lake — so the demo says so, points at
the clip, a contact sheet of its frames and the clip's local page, and names the command that
renders the same prompt with a real model on a GPU.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from reelbot.cli.lang import cli_locale
from reelbot.domain.messages import render
from reelbot.domain.settings import Settings

#: Frames sampled for the demo's contact sheet.
SHEET_FRAMES = 6
#: Fits a 24 GB card whole (the memory plan in docs/presets.md); the default with a GPU.
REAL_PRESET = "wan-2.1-t2v-1.3b"


def demo_contact_sheet(clip_path: Path, out: Path) -> Path | None:
    """A JPEG of ``SHEET_FRAMES`` frames spread over the clip; None if it cannot be made."""
    from reelbot.generator.draft_frames import contact_sheet
    from reelbot.generator.encode import EncodeError, decode_frames

    try:
        frames = decode_frames(clip_path)
    except (EncodeError, OSError):
        return None
    if len(frames) == 0:
        return None
    count = min(SHEET_FRAMES, len(frames))
    picks = [frames[round(i * (len(frames) - 1) / max(1, count - 1))][None] for i in range(count)]
    out.parent.mkdir(parents=True, exist_ok=True)
    return contact_sheet(picks, out)


def summary_lines(settings: Settings, clip: Any, clip_path: Path, thumbnail: Path, prompt: str) -> list[str]:
    """The closing lines, in the terminal's language."""
    locale = cli_locale()
    lines = []
    if str(clip.request.preset or "").startswith("tiny"):
        lines.append(render("demo.what", locale, width=clip.width, height=clip.height))
    page = f"{settings.media_base_url.rstrip('/')}/c/{clip.id}"
    sheet = demo_contact_sheet(clip_path, (settings.data_dir / "demo" / f"{clip.id}-contact.jpg").resolve())
    if sheet is not None:
        lines.append(render("demo.where", locale, clip=clip_path, sheet=sheet, page=page))
    else:
        lines.append(render("demo.where_no_sheet", locale, clip=clip_path, thumbnail=thumbnail, page=page))
    lines.append(render("demo.page_hint", locale))
    command = f"REELBOT_PRESET={REAL_PRESET} reelbot demo {shlex.quote(prompt)}"
    lines.append(render("demo.next", locale, command=command))
    return lines
