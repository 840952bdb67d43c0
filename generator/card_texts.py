"""Message keys of the worker's start-up check that its preset fits the card (en + zh-TW)."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "generator.preset_does_not_fit": (
            "{preset} does not fit a {card} GB card (needs {needed} GB, {plan}); presets that fit: {choices}"
        ),
        "generator.preset_does_not_fit_free": (
            "{preset} does not fit a {card} GB card with {free} GB free (needs {needed} GB, {plan}); "
            "presets that fit: {choices}"
        ),
    },
    ZH_TW: {
        "generator.preset_does_not_fit": (
            "模型 {preset} 放不進 {card} GB 的顯示卡（需要約 {needed} GB，{plan}）；放得下的模型：{choices}"
        ),
        "generator.preset_does_not_fit_free": (
            "模型 {preset} 放不進 {card} GB、剩餘 {free} GB 的顯示卡（需要約 {needed} GB，{plan}）；"
            "放得下的模型：{choices}"
        ),
    },
}
