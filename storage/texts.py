"""Message keys raised by storage (en and zh-TW)."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "community.setting_invalid": "The setting {setting} cannot be {value}: {reason}",
        "community.setting_unknown": "There is no setting called {setting}. Settings: {choices}.",
    },
    ZH_TW: {
        "community.setting_invalid": "設定 {setting} 不能是 {value}：{reason}",
        "community.setting_unknown": "沒有名為 {setting} 的設定。可用的設定：{choices}。",
    },
}
