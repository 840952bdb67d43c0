"""Messages for a storyboard's captions, soundtrack and finish (en + zh-TW).

Beside :mod:`reelbot.domain.storyboard`, which raises them while reading a file: a bot can
refuse an uploaded board in the creator's language without loading the generator.
"""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "storyboard.caption_too_long": (
            "Shot {shot}: the caption is {length} characters long; the limit is {limit}. Please shorten it."
        ),
        "storyboard.audio_and_music": (
            "The storyboard names both audio (your own track) and music (a description); keep one of them."
        ),
        "storyboard.music_too_long": (
            "The music description is {length} characters long; the limit is {limit}. Describe the mood "
            "and instruments in a sentence or two."
        ),
        "storyboard.beat_snap_needs_audio": (
            "beat_snap needs a track to find beats in: add audio: <your track> to the storyboard."
        ),
        "storyboard.finish_fps": "finish.fps must be one of {choices} (got {value}).",
        "storyboard.audio_missing": "I can't find the storyboard's audio file {path}.",
        "storyboard.music_model_missing": (
            'The storyboard asks for generated music ("{music}"), but this server has no music model '
            "switched on (an operator sets REELBOT_FINISH__MUSIC_ENGINE=ace-step on a GPU machine). "
            "Use audio: <file> with a track you may use instead."
        ),
        "storyboard.music_engine_unknown": "There is no music engine called {value}. Available: {choices}.",
        "storyboard.short_done": "Short ready: {path}",
        "storyboard.short_on_beat": "Short ready: {path} (cuts on the beat, {bpm} BPM)",
    },
    ZH_TW: {
        "storyboard.caption_too_long": (
            "第 {shot} 個鏡頭的字幕長 {length} 個字，上限是 {limit} 個字，請縮短。"
        ),
        "storyboard.audio_and_music": (
            "分鏡同時寫了 audio（你自己的音軌）和 music（音樂描述），請只保留一個。"
        ),
        "storyboard.music_too_long": (
            "音樂描述長 {length} 個字，上限是 {limit} 個字，請用一兩句話描述氣氛和樂器。"
        ),
        "storyboard.beat_snap_needs_audio": (
            "beat_snap 需要一條音軌來找節拍：請在分鏡加上 audio: <你的音軌>。"
        ),
        "storyboard.finish_fps": "finish.fps 只能是 {choices}（收到 {value}）。",
        "storyboard.audio_missing": "找不到分鏡指定的音訊檔 {path}。",
        "storyboard.music_model_missing": (
            "這份分鏡要求自動產生音樂（「{music}」），但這台伺服器沒有開啟音樂模型"
            "（管理員可在有 GPU 的機器設定 REELBOT_FINISH__MUSIC_ENGINE=ace-step）。"
            "請改用 audio: <檔案>，放一首你有權使用的音軌。"
        ),
        "storyboard.music_engine_unknown": "沒有名為 {value} 的音樂模型。可用的有：{choices}。",
        "storyboard.short_done": "Shorts 影片完成：{path}",
        "storyboard.short_on_beat": "Shorts 影片完成：{path}（剪接點對齊節拍，{bpm} BPM）",
    },
}
