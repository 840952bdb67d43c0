"""How a waiting job's place, its ETA and a clip's measured cost read, in en and zh-TW."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "wait.seconds": "{value} s",
        "wait.minutes": "{value} min",
        "wait.hours": "{value} h",
        "wait.lane.fast": "fast lane",
        "wait.lane.relaxed": "relaxed lane",
        "wait.ready_in": "ready in about {duration}",
        "wait.no_worker": "no GPU worker is running right now, so the wait is unknown",
        "wait.queued": "⏳ Queued — number {position} in the {lane}, {when}.",
        "wait.ack_eta": "Expected to be ready in about {duration}.",
        "wait.queue_line": "• `{job_id}` — queued, number {position} in the {lane}, {when}: {prompt}",
        "wait.plain_queued": "• {prompt} ({job_id}): number {position} in the {lane}, {when}",
        "wait.plain_running": "• {prompt} ({job_id}): rendering {percent}%",
        "wait.plain_other": "• {prompt} ({job_id}): {state}",
        "wait.cost_measured": "Measured from the last {samples} renders of this model and mode.",
        "wait.cost_profile": "Estimated from the model's size (too few renders measured yet).",
    },
    ZH_TW: {
        "wait.seconds": "{value} 秒",
        "wait.minutes": "{value} 分鐘",
        "wait.hours": "{value} 小時",
        "wait.lane.fast": "快速通道",
        "wait.lane.relaxed": "慢速通道",
        "wait.ready_in": "預計約 {duration}後完成",
        "wait.no_worker": "目前沒有 GPU 主機在運作，無法估計等待時間",
        "wait.queued": "⏳ 排隊中：{lane}第 {position} 位，{when}。",
        "wait.ack_eta": "預計約 {duration}後完成。",
        "wait.queue_line": "• `{job_id}` — 排隊中：{lane}第 {position} 位，{when}：{prompt}",
        "wait.plain_queued": "・{prompt}（{job_id}）：{lane}第 {position} 位，{when}",
        "wait.plain_running": "・{prompt}（{job_id}）：生成中 {percent}%",
        "wait.plain_other": "・{prompt}（{job_id}）：{state}",
        "wait.cost_measured": "依這個模型與模式最近 {samples} 次實際生成估算。",
        "wait.cost_profile": "依模型大小估算（實測的生成次數還不夠）。",
    },
}
