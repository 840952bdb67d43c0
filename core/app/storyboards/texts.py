"""Texts of chat storyboards (owner checks, missing boards, failed shots)."""

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "storyboard.not_yours": "Only the person who started storyboard {board_id} can change it.",
        "storyboard.not_found": "Storyboard {board_id} no longer exists.",
        "storyboard.shot_failed": (
            "Shot {shot} of storyboard {board_id} did not render ({state}); re-roll that shot to "
            "finish the draft."
        ),
        "storyboard.caption_twice": (
            "This storyboard's shots carry their own captions, so a caption over the whole draft "
            "would sit on top of them. Leave out the caption option, or remove the shots' captions."
        ),
        "storyboard.no_timings": (
            "The draft of storyboard {board_id} was made before shot timings were kept, so its "
            "shots' captions cannot be placed. Re-roll a shot to assemble a new draft."
        ),
        "storyboard.audio_not_attached": (
            "This storyboard names its own track ({name}); attach that audio file as the audio "
            "option (mp3, m4a, wav or ogg). Nothing was queued."
        ),
    },
    ZH_TW: {
        "storyboard.not_yours": "只有建立分鏡 {board_id} 的人可以修改它。",
        "storyboard.not_found": "分鏡 {board_id} 已不存在。",
        "storyboard.shot_failed": (
            "分鏡 {board_id} 的第 {shot} 個鏡頭沒有完成（{state}），請重新生成這個鏡頭來完成草稿。"
        ),
        "storyboard.caption_twice": (
            "這個分鏡的鏡頭已經有各自的字幕，整支草稿的字幕會疊在上面。"
            "請拿掉 caption 選項，或移除鏡頭的字幕。"
        ),
        "storyboard.no_timings": (
            "分鏡 {board_id} 的草稿是在記錄鏡頭時間之前做的，無法放上鏡頭字幕。"
            "請重新生成一個鏡頭來組出新的草稿。"
        ),
        "storyboard.audio_not_attached": (
            "這個分鏡指定了自己的音樂檔（{name}），請用 audio 選項附上那個音訊檔"
            "（mp3、m4a、wav 或 ogg）。沒有排入任何工作。"
        ),
    },
}
