"""Texts of Finish for Shorts in chat (en, zh-TW): queued, progress, the finished file."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "storyboard.no_draft": "Storyboard {board_id} has no draft yet: wait until all its shots are done.",
        "finish.queued_clip": "🎬 Finishing clip {clip_id} for Shorts ({width}×{height}, {fps} fps)…",
        "finish.queued_draft": (
            "🎬 Finishing the draft of storyboard {board_id} for Shorts ({width}×{height}, {fps} fps)…"
        ),
        "finish.progress": "🎬 Finishing for Shorts… {bar} {percent}%",
        "finish.ready": "🎬 Finished for Shorts: the file is below.",
        "finish.failed_status": "🎬 Finish for Shorts failed: {reason}",
        "storyboard.draft_failed": "Assembling the draft failed: {reason}",
    },
    ZH_TW: {
        "storyboard.no_draft": "分鏡 {board_id} 還沒有草稿：請等所有鏡頭都完成。",
        "finish.queued_clip": "🎬 正在把影片 {clip_id} 輸出成 Shorts（{width}×{height}、每秒 {fps} 格）…",
        "finish.queued_draft": (
            "🎬 正在把分鏡 {board_id} 的草稿輸出成 Shorts（{width}×{height}、每秒 {fps} 格）…"
        ),
        "finish.progress": "🎬 正在輸出成 Shorts… {bar} {percent}%",
        "finish.ready": "🎬 已輸出成 Shorts，檔案在下方。",
        "finish.failed_status": "🎬 輸出成 Shorts 失敗：{reason}",
        "storyboard.draft_failed": "草稿組合失敗：{reason}",
    },
}
