"""Message keys raised by storage (en and zh-TW)."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "community.setting_invalid": "The setting {setting} cannot be {value}: {reason}",
        "community.setting_unknown": "There is no setting called {setting}. Settings: {choices}.",
        "storage.schema_behind": (
            "database is at revision {current}, this build needs {head}: run `reelbot migrate`"
        ),
    },
    ZH_TW: {
        "community.setting_invalid": "設定 {setting} 不能是 {value}：{reason}",
        "community.setting_unknown": "沒有名為 {setting} 的設定。可用的設定：{choices}。",
        "storage.schema_behind": (
            "資料庫的版本是 {current}，這個版本的程式需要 {head}：請執行 `reelbot migrate`"
        ),
    },
}
