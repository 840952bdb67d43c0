"""Texts of ``reelbot migrate`` (core/cli/schema.py), en and zh-TW; found by domain.messages."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "schema.current": "database {database} is at revision {after}, what this build needs",
        "schema.migrated": "database {database} migrated from revision {before} to {after}",
    },
    ZH_TW: {
        "schema.current": "資料庫 {database} 的版本是 {after}，正是這個版本的程式所需",
        "schema.migrated": "資料庫 {database} 已從版本 {before} 升級到 {after}",
    },
}
