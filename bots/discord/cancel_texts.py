"""What Discord's ``/queue``, ``/cancel`` and the task Cancel buttons say about worker tasks
(music being composed, a finish running), in en and zh-TW.

Kept beside :mod:`reelbot.bots.discord.cogs.queue`; clip jobs keep the shared ``queue.*`` /
``cancel.*`` texts of :mod:`reelbot.bots.common.texts`.
"""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "cancel.task_label_music": "music: {description}",
        "cancel.task_label_finish": "finish: {target}",
        "cancel.task_label_draft": "draft: {target}",
        "cancel.task_label_other": "task {target}",
        "queue.work_header": "Your videos and tasks ({count}):",
        "queue.task_line_queued": "• `{task_id}` — {label} · waiting, number {position}",
        "queue.task_line_running": "• `{task_id}` — {label} · running {percent}%",
        "cancel.task_done": "Cancelled {label} (`{task_id}`).",
        "cancel.task_stopping": (
            "Stopping {label} (`{task_id}`): it was already running and stops at its next step."
        ),
        "discord.finish_music_cancelled": (
            "🎵 The music (job {job_id}) was cancelled, so nothing was finished."
        ),
    },
    ZH_TW: {
        "cancel.task_label_music": "音樂：{description}",
        "cancel.task_label_finish": "輸出 Shorts：{target}",
        "cancel.task_label_draft": "分鏡草稿：{target}",
        "cancel.task_label_other": "工作 {target}",
        "queue.work_header": "你的影片與工作（{count} 項）：",
        "queue.task_line_queued": "• `{task_id}` — {label} · 排隊中，第 {position} 位",
        "queue.task_line_running": "• `{task_id}` — {label} · 執行中 {percent}%",
        "cancel.task_done": "已取消 {label}（`{task_id}`）。",
        "cancel.task_stopping": "正在停止 {label}（`{task_id}`）：它已在執行中，會在下一步停下。",
        "discord.finish_music_cancelled": "🎵 作曲（工作 {job_id}）已取消，所以沒有輸出任何影片。",
    },
}
