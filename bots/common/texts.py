"""Texts both bots say about jobs and clips, in en and zh-TW."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "status.preparing": "⏳ Getting your video ready…",
        "status.queued": "⏳ Queued — number {position} in line{eta}.",
        "status.queued_next": "⏳ Queued — you are next{eta}.",
        "status.eta": " (about {minutes} min)",
        "status.started": "🎬 Rendering started…",
        "status.rendering": "🎬 Rendering `{bar}` {percent}% (step {step}/{total})",
        "status.done": "✅ Done — your clip is below.",
        "status.done_link": "✅ Done.",
        "status.failed": "❌ {reason}",
        "status.cancelled": "🚫 Cancelled.",
        "status.header": "**{prompt}** — {author}",
        "clip.caption": (
            "🎞️ **{prompt}**\nseed `{seed}` · {preset} · {seconds}s · {width}×{height} · by {author}"
        ),
        "clip.caption_parent": "↪ {kind} of {parent_author}'s clip",
        "clip.too_large_link": (
            "The clip is {size_mb} MB, over this channel's {limit_mb} MB upload limit — watch it "
            "here: {url}"
        ),
        "clip.deleted_notice": "🗑️ This clip was deleted by {who}.",
        "action.reroll": "Re-roll",
        "action.vary": "Vary",
        "action.remix": "Remix",
        "action.extend": "Extend",
        "action.info": "Info",
        "action.delete": "Delete",
        "action.cancel": "Cancel",
        "kind.root": "original",
        "kind.reroll": "re-roll",
        "kind.vary": "variation",
        "kind.remix": "remix",
        "kind.extend": "extension",
        "info.recipe": (
            "**Prompt:** {prompt}\n**Negative:** {negative}\n**Preset:** {preset} · **seed** `{seed}`\n"
            "**Aspect:** {aspect} · {seconds}s at {fps} fps · {width}×{height} · {frames} frames\n"
            "**References:** {references}\n**Made by:** {author} · {created}\n**Clip:** `{clip_id}`"
        ),
        "info.none": "none",
        "info.lineage_header": "**Lineage** (oldest first):",
        "info.lineage_line": "{index}. `{clip_id}` — {kind}",
        "submit.accepted": "Queued as job `{job_id}`. I'll keep the message in the channel updated.",
        "submit.duplicate": "You already asked for this — it is job `{job_id}`.",
        "queue.empty": "You have no videos waiting or rendering.",
        "queue.header": "Your videos ({count}):",
        "queue.line_queued": "• `{job_id}` — queued, number {position}: {prompt}",
        "queue.line_running": "• `{job_id}` — rendering {percent}%: {prompt}",
        "queue.line_other": "• `{job_id}` — {state}: {prompt}",
        "cancel.done": "Cancelled job `{job_id}`.",
        "cancel.stopping": (
            "Stopping job `{job_id}` — it was rendering; the message will say when it stopped."
        ),
        "cancel.nothing": "You have nothing to cancel.",
        "delete.done": "The clip was deleted.",
        "button.invalid": "This button no longer works. Start a new video with /video.",
        "state.awaiting_consent": "waiting for consent",
        "state.queued": "queued",
        "state.running": "rendering",
        "state.done": "done",
        "state.failed": "failed",
        "state.cancelled": "cancelled",
        "role.first_frame": "first frame",
        "role.last_frame": "last frame",
        "role.subject": "character",
        "role.style": "style",
    },
    ZH_TW: {
        "status.preparing": "⏳ 正在準備你的影片…",
        "status.queued": "⏳ 排隊中，第 {position} 位{eta}。",
        "status.queued_next": "⏳ 排隊中，下一個就是你{eta}。",
        "status.eta": "（約 {minutes} 分鐘）",
        "status.started": "🎬 開始生成…",
        "status.rendering": "🎬 生成中 `{bar}` {percent}%（第 {step}/{total} 步）",
        "status.done": "✅ 完成了！影片在下方。",
        "status.done_link": "✅ 完成了！",
        "status.failed": "❌ {reason}",
        "status.cancelled": "🚫 已取消。",
        "status.header": "**{prompt}** — {author}",
        "clip.caption": (
            "🎞️ **{prompt}**\n種子 `{seed}` · {preset} · {seconds} 秒 · {width}×{height} · 作者 {author}"
        ),
        "clip.caption_parent": "↪ 來自 {parent_author} 的影片（{kind}）",
        "clip.too_large_link": (
            "影片大小為 {size_mb} MB，超過這個頻道 {limit_mb} MB 的上傳上限，請用連結觀看：{url}"
        ),
        "clip.deleted_notice": "🗑️ 這支影片已被 {who} 刪除。",
        "action.reroll": "重新生成",
        "action.vary": "變化",
        "action.remix": "改提示",
        "action.extend": "延長",
        "action.info": "資訊",
        "action.delete": "刪除",
        "action.cancel": "取消",
        "kind.root": "原創",
        "kind.reroll": "重新生成",
        "kind.vary": "變化",
        "kind.remix": "改提示",
        "kind.extend": "延長",
        "info.recipe": (
            "**提示詞：** {prompt}\n**負面提示詞：** {negative}\n**模型："
            "** {preset} · **種子** `{seed}`\n"
            "**比例：** {aspect} · {seconds} 秒 · {fps} fps · {width}×{height} · {frames} 格\n"
            "**參考圖：** {references}\n**作者：** {author} · {created}\n**影片：** `{clip_id}`"
        ),
        "info.none": "無",
        "info.lineage_header": "**來源**（由舊到新）：",
        "info.lineage_line": "{index}. `{clip_id}` — {kind}",
        "submit.accepted": "已排入工作 `{job_id}`，頻道裡的訊息會持續更新進度。",
        "submit.duplicate": "你已經送出過這個請求了，工作編號 `{job_id}`。",
        "queue.empty": "你目前沒有排隊或生成中的影片。",
        "queue.header": "你的影片（{count} 支）：",
        "queue.line_queued": "• `{job_id}` — 排隊中，第 {position} 位：{prompt}",
        "queue.line_running": "• `{job_id}` — 生成中 {percent}%：{prompt}",
        "queue.line_other": "• `{job_id}` — {state}：{prompt}",
        "cancel.done": "已取消工作 `{job_id}`。",
        "cancel.stopping": "正在停止工作 `{job_id}`（已在生成中），停止後訊息會更新。",
        "cancel.nothing": "你沒有可以取消的工作。",
        "delete.done": "影片已刪除。",
        "button.invalid": "這個按鈕已經失效了，請用 /video 重新開始。",
        "state.awaiting_consent": "等待確認同意",
        "state.queued": "排隊中",
        "state.running": "生成中",
        "state.done": "已完成",
        "state.failed": "失敗",
        "state.cancelled": "已取消",
        "role.first_frame": "第一格",
        "role.last_frame": "最後一格",
        "role.subject": "角色",
        "role.style": "風格",
    },
}
