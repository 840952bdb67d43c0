"""Texts of 「音樂 <描述>」 in LINE (music composed for the next 輸出成 Shorts), zh-TW and en.

Kept beside :mod:`reelbot.bots.line.music` (which says them); moderation, quota and the
description's length are refused with the app's own messages.
"""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    ZH_TW: {
        "line.music_how": (
            "請在「音樂」後面描述想要的音樂，例如：音樂 溫暖的 lo-fi 鋼琴，夜市的感覺\n"
            "要有人唱，就在後面加上「歌詞: 你的歌詞」。"
        ),
        "line.music_off": (
            "這台伺服器的管理員還沒有開啟音樂生成（需要在有 GPU 的機器設定 "
            "REELBOT_FINISH__MUSIC_ENGINE=ace-step），所以沒有排入任何工作。"
            "你可以改傳一段語音訊息或音樂檔（mp3、m4a、wav…），下一次輸出成 Shorts 就會用它。"
        ),
        "line.music_composing": (
            "🎵 正在作曲…（工作 {job_id}，{seconds} 秒）完成後會通知你，"
            "下一次按「輸出成 Shorts」就會配上這段音樂。"
        ),
        "line.music_ready": (
            "🎵 音樂完成了（{seconds} 秒）！下一次按「輸出成 Shorts」會配上它（{minutes} 分鐘內有效），"
            "輸入「取消音樂」就不用它。\n試聽：{url}"
        ),
        "line.music_failed": "🎵 作曲失敗：{reason}\n下一次輸出成 Shorts 不會配上這段音樂。",
        "line.finish_with_music": "🎵 會配上為你生成的音樂。",
    },
    EN: {
        "line.music_how": (
            "Describe the music after music:, e.g.: music: warm lo-fi piano, night market mood\n"
            "For a song, add lyrics: and the words to sing."
        ),
        "line.music_off": (
            "The operator of this server has not enabled music generation (it needs "
            "REELBOT_FINISH__MUSIC_ENGINE=ace-step on a GPU machine), so nothing was queued. "
            "Send an audio message or a music file (mp3, m4a, wav…) instead and the next Finish for "
            "Shorts uses it."
        ),
        "line.music_composing": (
            "🎵 Composing… (job {job_id}, {seconds} s) I'll tell you when it's ready; the next Finish "
            "for Shorts then uses this music."
        ),
        "line.music_ready": (
            "🎵 Your music is ready ({seconds} s)! The next Finish for Shorts uses it (for {minutes} "
            "minutes); type no music to drop it.\nListen: {url}"
        ),
        "line.music_failed": (
            "🎵 Composing the music failed: {reason}\nThe next Finish for Shorts won't use it."
        ),
        "line.finish_with_music": "🎵 With the music composed for you.",
    },
}
