# ruff: noqa: E501 - catalogue texts read best unbroken
"""What ``reelbot music``, ``reelbot cancel`` and ``reelbot finish --music`` say while they
wait on a worker task, in en and zh-TW (core/cli/tasks.py, core/cli/finish.py)."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "cli.work.job": "Clip job",
        "cli.work.music": "Music",
        "cli.work.finish": "Finish",
        "cli.work.assemble_draft": "Draft",
        "cli.task_queued": "{kind} task {task} queued, position {position} (cancel: `reelbot cancel {task}`)",
        "cli.task_running": "{kind} task {task}: a worker is on it",
        "cli.task_step": "{kind} task {task}: step {step}/{total}",
        "cli.task_done": "{kind} task {task}: done after {seconds} s",
        "cli.task_cancelled": "The {kind} task {task} was cancelled.",
        "cli.task_timeout": "No worker finished the {kind} task {task} within {seconds} s, so it was cancelled. Start one (`reelbot worker`) and try again.",
        "cli.music_saved": "Music track: {seconds} s from {engine}.",
        "cli.music_with_audio": "--music makes a track and --audio brings your own: choose one of them.",
        "cli.lyrics_without_music": "--lyrics need --music: the description of the track they are sung over.",
        "cli.work_id_invalid": "“{value}” is not a job or task id: use the full id that `reelbot enqueue`, `reelbot music` or `reelbot finish --music` printed.",
        "cli.cancelled": "{kind} {id}: cancelled.",
        "cli.cancel_running": "{kind} {id} is running: it stops at its next step and keeps nothing.",
    },
    ZH_TW: {
        "cli.work.job": "影片生成",
        "cli.work.music": "音樂",
        "cli.work.finish": "輸出成 Shorts",
        "cli.work.assemble_draft": "草稿",
        "cli.task_queued": "{kind}工作 {task} 已排入佇列，排在第 {position} 位（取消：`reelbot cancel {task}`）",
        "cli.task_running": "{kind}工作 {task}：處理中",
        "cli.task_step": "{kind}工作 {task}：第 {step}/{total} 步",
        "cli.task_done": "{kind}工作 {task}：{seconds} 秒後完成",
        "cli.task_cancelled": "{kind}工作 {task} 已取消。",
        "cli.task_timeout": "{seconds} 秒內沒有任何 worker 完成{kind}工作 {task}，所以已將它取消。請先啟動 worker（`reelbot worker`）再試一次。",
        "cli.music_saved": "音樂：{engine} 生成的 {seconds} 秒配樂。",
        "cli.music_with_audio": "--music 會生成配樂，--audio 是用你自己的音樂：請只選一個。",
        "cli.lyrics_without_music": "--lyrics 需要搭配 --music：也就是要配唱的音樂描述。",
        "cli.work_id_invalid": "「{value}」不是工作編號：請用 `reelbot enqueue`、`reelbot music` 或 `reelbot finish --music` 顯示的完整編號。",
        "cli.cancelled": "{kind} {id}：已取消。",
        "cli.cancel_running": "{kind} {id} 正在執行：會在下一步停下，不保留任何檔案。",
    },
}
