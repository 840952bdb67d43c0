"""Texts of ``reelbot migrate`` (core/cli/schema.py), en and zh-TW; found by domain.messages."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "schema.current": "database {database} is at revision {after}, what this build needs",
        "schema.migrated": "database {database} migrated from revision {before} to {after}",
        "doctor.database_schema_current": "{dialect} at {where}, schema at {head}",
        "doctor.database_schema_none": (
            "{dialect} at {where}, no schema yet (`reelbot migrate`, `serve` or `demo` creates it)"
        ),
        "doctor.database_schema_behind": (
            "{dialect} at {where} is at revision {current}, this build needs {head}: run `reelbot migrate` "
            "(workers and bots refuse it until then)"
        ),
        "doctor.database_schema_newer": (
            "{dialect} at {where} is at revision {current}, newer than this build's {head}: "
            "this is an older build than the one that migrated it"
        ),
    },
    ZH_TW: {
        "schema.current": "資料庫 {database} 的版本是 {after}，正是這個版本的程式所需",
        "schema.migrated": "資料庫 {database} 已從版本 {before} 升級到 {after}",
        "doctor.database_schema_current": "{where} 的 {dialect}，資料表結構版本 {head}",
        "doctor.database_schema_none": (
            "{where} 的 {dialect}，尚未建立資料表（`reelbot migrate`、`serve` 或 `demo` 會建立）"
        ),
        "doctor.database_schema_behind": (
            "{where} 的 {dialect} 版本是 {current}，這個版本的程式需要 {head}：請執行 `reelbot migrate`"
            "（在那之前算圖程序與機器人都會拒絕啟動）"
        ),
        "doctor.database_schema_newer": (
            "{where} 的 {dialect} 版本是 {current}，比這個版本的程式的 {head} 新："
            "這是比升級資料庫的程式更舊的版本"
        ),
    },
}
