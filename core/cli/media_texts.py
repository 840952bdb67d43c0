"""Texts of ``reelbot media`` (core/cli/media.py), en and zh-TW; found by domain.messages."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "media.migrate.unavailable": (
            "The object store did not answer ({reason}). Objects verified so far stay "
            "verified; run the command again to continue."
        ),
        "media.migrate.mismatch": "{count} object(s) did not verify after upload: {keys}",
        "media.migrate.done": (
            "{verified} object(s) verified in bucket {bucket} ({copied} copied, "
            "{already} already there, {skipped} stray file(s) skipped)."
        ),
    },
    "zh-TW": {
        "media.migrate.unavailable": (
            "物件儲存沒有回應（{reason}）。已驗證的物件不受影響；請再執行一次指令以繼續。"
        ),
        "media.migrate.mismatch": "上傳後有 {count} 個物件驗證不符：{keys}",
        "media.migrate.done": (
            "儲存桶 {bucket} 中已驗證 {verified} 個物件（複製 {copied} 個，"
            "原本已存在 {already} 個，略過 {skipped} 個無關檔案）。"
        ),
    },
}
