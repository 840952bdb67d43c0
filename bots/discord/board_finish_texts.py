"""Texts of a storyboard file's own finish in Discord (the acknowledgement's extra parts)."""

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "discord.after_with_shot_captions": "the shots' captions on their timings",
        "discord.after_with_beat_snap": "cuts snapped to the beat",
    },
    ZH_TW: {
        "discord.after_with_shot_captions": "每個鏡頭的字幕（照鏡頭時間）",
        "discord.after_with_beat_snap": "剪接點對齊音樂節拍",
    },
}
