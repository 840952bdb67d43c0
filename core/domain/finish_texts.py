"""Message keys of Finish for Shorts (en and zh-TW): bad input, results, the button label."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "finish.audio_not_audio": "{name} is not an audio file we can read. Send an mp3, m4a, wav or ogg.",
        "finish.audio_too_long": (
            "{name} is {seconds} s long; the limit is {limit} s. Please send a shorter track."
        ),
        "finish.audio_empty": "{name} has no sound in it (0 seconds). Please send another track.",
        "finish.audio_gone": (
            "The track for this finish is no longer stored (it may have expired). Please send it again."
        ),
        "finish.audio_too_big": "{name} is {size_mb} MB; the limit is {limit_mb} MB.",
        "finish.caption_too_long": (
            "A caption is {length} characters long; the limit is {limit}. Please shorten it."
        ),
        "finish.captions_unreadable": "{name} is not a SubRip (.srt) file we can read ({reason}).",
        "finish.clip_unreadable": "{name} is not a video we can read.",
        "finish.size_invalid": "Size must look like 1080x1920: even sides from 64 to 4096 (got {value}).",
        "finish.mode_invalid": "The audio mode is mix or replace (got {value}).",
        "finish.failed": "Finishing the clip failed: {error}",
        "finish.upscaler_missing": (
            "Upscaler weights are configured ({path}) but spandrel is not installed "
            "(pip install 'reelbot[upscale]')."
        ),
        "finish.interpolator_unknown": "Unknown interpolator {value}. Available: {choices}.",
        "finish.too_big_link": (
            "The finished Short is {size_mb} MB, over the {limit_mb} MB upload limit: use the link instead."
        ),
        "finish.done": (
            "Finished for Shorts: {width}×{height}, {fps} fps, upscaled with {upscale}, "
            "motion by {interpolate}. When you upload it to YouTube, declare it as "
            "altered or synthetic content."
        ),
        "finish.button": "Finish for Shorts",
        "finish.font_missing": (
            "No CJK caption font at {path}: install Debian's fonts-noto-cjk or set REELBOT_FINISH__FONT_FILE."
        ),
    },
    ZH_TW: {
        "finish.audio_not_audio": "{name} 不是可讀取的音訊檔，請傳送 mp3、m4a、wav 或 ogg。",
        "finish.audio_too_long": "{name} 長 {seconds} 秒，上限是 {limit} 秒，請傳送較短的音軌。",
        "finish.audio_empty": "{name} 沒有聲音（0 秒），請傳送其他音軌。",
        "finish.audio_gone": "這次輸出要用的音軌已不在儲存空間（可能已過期），請重新傳送。",
        "finish.audio_too_big": "{name} 有 {size_mb} MB，上限是 {limit_mb} MB。",
        "finish.caption_too_long": "有一段字幕長 {length} 個字，上限是 {limit} 個字，請縮短。",
        "finish.captions_unreadable": "{name} 不是可讀取的 SubRip（.srt）字幕檔（{reason}）。",
        "finish.clip_unreadable": "{name} 不是可讀取的影片。",
        "finish.size_invalid": "尺寸要像 1080x1920 這樣，邊長為 64 到 4096 的偶數（收到 {value}）。",
        "finish.mode_invalid": "音訊模式只能是 mix（混音）或 replace（取代），收到 {value}。",
        "finish.failed": "影片輸出失敗：{error}",
        "finish.upscaler_missing": (
            "已設定放大模型權重（{path}），但尚未安裝 spandrel（pip install 'reelbot[upscale]'）。"
        ),
        "finish.interpolator_unknown": "沒有名為 {value} 的補幀模型。可用的有：{choices}。",
        "finish.too_big_link": "輸出的 Shorts 有 {size_mb} MB，超過 {limit_mb} MB 的上傳上限，請改用連結。",
        "finish.done": (
            "已輸出成 Shorts：{width}×{height}、每秒 {fps} 格，以 {upscale} 放大，"
            "以 {interpolate} 補幀。上傳到 YouTube 時，請標示為「經過變造或合成的內容」。"
        ),
        "finish.button": "輸出成 Shorts",
        "finish.font_missing": (
            "在 {path} 找不到中日韓字幕字型：請安裝 Debian 的 fonts-noto-cjk，"
            "或設定 REELBOT_FINISH__FONT_FILE。"
        ),
    },
}
