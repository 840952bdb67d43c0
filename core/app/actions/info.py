"""Info: the clip's recipe and lineage (no generation; each bot renders it)."""

from __future__ import annotations

from reelbot.app.actions import ClipAction, register_action

ACTION = register_action(ClipAction(name="info", emoji="ℹ️", texts={"en": "Info", "zh-TW": "資訊"}))
