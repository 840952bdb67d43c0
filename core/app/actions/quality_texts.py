"""Message keys of the "Render in quality" clip action (en + zh-TW)."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "action.quality_not_faster": (
            "This clip was already rendered in quality (or it is an Extend): there is nothing to re-render."
        ),
    },
    ZH_TW: {
        "action.quality_not_faster": "這支影片已經是高畫質（或是延長的片段），不需要再重算。",
    },
}
