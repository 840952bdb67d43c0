# ruff: noqa: E501 - catalogue texts read best unbroken
"""What ``reelbot extend|loop|vary|remix|reroll CLIP_ID`` says, in en and zh-TW (core/cli/remix.py)."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "cli.remix_queued": "{kind} of clip {clip}: job {job} {state}, position {position}",
        "cli.remix_duplicate": "{kind} of clip {clip}: job {job} {state}, position {position} (already queued with this key)",
        "cli.clip_id_invalid": "“{value}” is not a clip id: use the full id shown by `reelbot status JOB_ID` or on the clip's page.",
        "cli.kind.extend": "Extend",
        "cli.kind.loop": "Loop",
        "cli.kind.vary": "Vary",
        "cli.kind.vary_strong": "Vary (strong)",
        "cli.kind.remix": "Remix",
        "cli.kind.reroll": "Reroll",
        "cli.kind.quality": "Render in quality",
        "cli.position_none": "none",
    },
    ZH_TW: {
        "cli.remix_queued": "影片 {clip} 的{kind}：工作 {job} {state}，排在第 {position} 位",
        "cli.remix_duplicate": "影片 {clip} 的{kind}：工作 {job} {state}，排在第 {position} 位（這個金鑰已經排過了）",
        "cli.clip_id_invalid": "「{value}」不是影片編號：請用 `reelbot status JOB_ID` 或影片頁面上顯示的完整編號。",
        "cli.kind.extend": "延長",
        "cli.kind.loop": "循環",
        "cli.kind.vary": "變化",
        "cli.kind.vary_strong": "大幅變化",
        "cli.kind.remix": "改寫",
        "cli.kind.reroll": "重新生成",
        "cli.kind.quality": "高畫質重算",
        "cli.position_none": "無",
    },
}
