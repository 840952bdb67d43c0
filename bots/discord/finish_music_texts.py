"""What ``/finish … music:`` says (composing, ready, failed, refused), in en and zh-TW.

Kept beside :mod:`reelbot.bots.discord.finish_music`; moderation, quota and the
description's length are refused with the app's own messages.
"""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "discord.finish_music_composing": (
            "🎵 Composing… (job {job_id}, {seconds} s) When the music is ready I finish the video with "
            "it and post the Short in this channel."
        ),
        "discord.finish_music_ready": "🎵 The music is ready; finishing the video with it.",
        "discord.finish_music_failed": "🎵 Composing the music failed: {reason}\nNothing was finished.",
        "discord.finish_music_off": (
            "The operator of this server has not enabled music generation (it needs "
            "REELBOT_FINISH__MUSIC_ENGINE=ace-step on a GPU machine), so nothing was queued. "
            "Attach a track you may use as `audio` instead."
        ),
        "discord.finish_music_and_audio": (
            "Choose one soundtrack: your own `audio` file or `music` composed from a description, not both."
        ),
    },
    ZH_TW: {
        "discord.finish_music_composing": (
            "🎵 正在作曲…（工作 {job_id}，{seconds} 秒）音樂完成後我會用它輸出影片，"
            "並把 Shorts 貼在這個頻道。"
        ),
        "discord.finish_music_ready": "🎵 音樂完成了，正在用它輸出影片。",
        "discord.finish_music_failed": "🎵 作曲失敗：{reason}\n沒有輸出任何影片。",
        "discord.finish_music_off": (
            "這台伺服器的管理員還沒有開啟音樂生成（需要在有 GPU 的機器設定 "
            "REELBOT_FINISH__MUSIC_ENGINE=ace-step），所以沒有排入任何工作。"
            "你可以改用 `audio` 附上一首你有權使用的音樂。"
        ),
        "discord.finish_music_and_audio": (
            "請只選一種配樂：你自己的 `audio` 音訊檔，或用描述生成的 `music` 音樂，不能兩個都用。"
        ),
    },
}
