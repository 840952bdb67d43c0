"""What the Discord ``/finish`` command says (its option descriptions and its refusals), in en
and zh-TW. The finish messages every chat shares are in ``reelbot.domain.finish_texts``."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "cmd.finish": "Finish a clip or a storyboard draft for YouTube Shorts (1080×1920)",
        "cmd.finish.clip": "Clip id, or a link to the clip's message",
        "cmd.finish.board": "Storyboard id, or a link to its draft's message",
        "cmd.finish.audio": "Your own music or sound (mp3, m4a, wav or ogg)",
        "cmd.finish.audio_mode": "With the clip's own sound: mix the track in or replace it",
        "cmd.finish.caption": "A caption over the whole video",
        "cmd.finish.burn": "Burn the caption into the picture (else a .srt file only)",
        "cmd.finish.fps": "Frames per second",
        "cmd.finish.music": "Music composed for it from a description (instead of audio)",
        "cmd.finish.lyrics": "Words for the composed music to sing (with music)",
        "choice.finish.mix": "mix with the clip's sound",
        "choice.finish.replace": "replace the clip's sound",
        "choice.finish.fps24": "24 fps (film)",
        "choice.finish.fps30": "30 fps (smooth)",
        "discord.finish_target": "Tell me what to finish: a `clip` or a `board`, not both.",
        "discord.finish_ref_invalid": (
            "{value} is not a clip id or a link to a message in this server. Copy the id from "
            "the clip's Info button, or use Copy Message Link on the clip."
        ),
        "discord.finish_ref_missing": "I found no reelbot clip or draft at {value}.",
    },
    ZH_TW: {
        "cmd.finish": "把影片或分鏡草稿輸出成 YouTube Shorts（1080×1920）",
        "cmd.finish.clip": "影片編號，或影片訊息的連結",
        "cmd.finish.board": "分鏡編號，或草稿訊息的連結",
        "cmd.finish.audio": "你自己的音樂或音效（mp3、m4a、wav 或 ogg）",
        "cmd.finish.audio_mode": "影片本身有聲音時：混在一起或取代",
        "cmd.finish.caption": "整支影片的字幕",
        "cmd.finish.burn": "把字幕燒進畫面（否則只附 .srt 字幕檔）",
        "cmd.finish.fps": "每秒格數",
        "cmd.finish.music": "用描述生成配樂（不能和 audio 一起用）",
        "cmd.finish.lyrics": "生成的音樂要唱的歌詞（搭配 music）",
        "choice.finish.mix": "與影片原聲混音",
        "choice.finish.replace": "取代影片原聲",
        "choice.finish.fps24": "每秒 24 格（電影感）",
        "choice.finish.fps30": "每秒 30 格（流暢）",
        "discord.finish_target": "請告訴我要輸出哪一個：`clip`（影片）或 `board`（分鏡），只能選一個。",
        "discord.finish_ref_invalid": (
            "{value} 不是影片編號，也不是這個伺服器裡的訊息連結。請從影片的「資訊」按鈕複製編號，"
            "或在影片訊息上使用「複製訊息連結」。"
        ),
        "discord.finish_ref_missing": "在 {value} 找不到 reelbot 的影片或草稿。",
    },
}
