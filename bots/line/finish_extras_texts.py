"""Texts of what the next 「輸出成 Shorts」 adds in LINE (an own track, a caption), zh-TW and en.

Kept beside :mod:`reelbot.bots.line.finish_extras` (which says them); the refusals of a bad
track or caption are the finish feature's own (``finish.*`` in reelbot.domain.finish_texts).
"""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    ZH_TW: {
        "line.track_audio_message": "這則語音訊息",
        "line.track_too_large": "這段音訊超過 {limit_mb} MB，請傳送較小的檔案。",
        "line.track_fetch_failed": "無法下載這段音訊，請再傳一次。",
        "line.track_received": (
            "收到音樂了！下一次按「輸出成 Shorts」會配上這段音樂（和影片原本的聲音混在一起，"
            "{minutes} 分鐘內有效）。輸入「取消音樂」就不用它。"
        ),
        "line.track_cleared": "好的，下一次輸出成 Shorts 不會配上你的音樂。",
        "line.track_none": "目前沒有等著使用的音樂。傳一段語音訊息或音樂檔，下一次輸出成 Shorts 就會用它。",
        "line.caption_how": "請在「字幕」後面寫上文字，例如：字幕 夜市的燈亮了",
        "line.caption_set": (
            "好的，下一次輸出成 Shorts 會加上字幕「{caption}」（燒進畫面，並附 .srt 字幕檔；"
            "{minutes} 分鐘內有效）。輸入「取消字幕」就拿掉。"
        ),
        "line.caption_cleared": "好的，下一次輸出成 Shorts 不會加上字幕。",
        "line.caption_none": "目前沒有等著使用的字幕。輸入「字幕 你的文字」就能加上。",
        "line.finish_with_track": "🎵 會配上你傳的音樂。",
        "line.finish_with_caption": "💬 字幕：{caption}",
    },
    EN: {
        "line.track_audio_message": "Your audio message",
        "line.track_too_large": "That audio is over {limit_mb} MB. Please send a smaller file.",
        "line.track_fetch_failed": "I couldn't download that audio. Please send it again.",
        "line.track_received": (
            "Got your track! The next Finish for Shorts will use it, mixed with the clip's own sound "
            "(for {minutes} minutes). Type no music to drop it."
        ),
        "line.track_cleared": "OK, the next Finish for Shorts won't use your track.",
        "line.track_none": (
            "No track is waiting. Send an audio message or a music file and the next Finish for Shorts "
            "uses it."
        ),
        "line.caption_how": "Write the text after caption:, e.g.: caption: The night market lights up",
        "line.caption_set": (
            "OK, the next Finish for Shorts gets the caption “{caption}” (burned in, plus an .srt file; "
            "for {minutes} minutes). Type no caption to remove it."
        ),
        "line.caption_cleared": "OK, the next Finish for Shorts gets no caption.",
        "line.caption_none": "No caption is waiting. Type caption and your text to add one.",
        "line.finish_with_track": "🎵 With your own track.",
        "line.finish_with_caption": "💬 Caption: {caption}",
    },
}
