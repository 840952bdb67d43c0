"""Finish for Shorts: the clip made uploadable (1080×1920, 30 fps, loudness, C2PA kept).

Not a generation (no ``derive``): nothing is rendered again and no remix is recorded. Each
bot handles the click by queuing a ``finish`` worker task (:func:`reelbot.app.finish.finish_clip`)
and posts the finished file when the task's ``done`` event arrives.
"""

from __future__ import annotations

from reelbot.app.actions import ClipAction, register_action

ACTION = register_action(
    ClipAction(
        name="finish",
        emoji="🎬",
        texts={"en": "Finish for Shorts", "zh-TW": "輸出成 Shorts"},
        surfaces=frozenset({"discord", "line"}),
    )
)
