"""What ``/video`` and ``/storyboard`` say about a finish after rendering, in en and zh-TW.

Kept beside :mod:`reelbot.bots.discord.after_render`: the option descriptions, the line the
acknowledgement adds, the status lines when the finish (or its music) is queued, and the
refusals of its own. The track's refusals are the finish feature's (``finish.*``).
"""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "cmd.video.audio": (
            "Your own track (mp3, m4a, wav, ogg): the clip is then finished as a Short with it"
        ),
        "cmd.video.caption": "A caption over the whole clip (the clip is then finished as a Short)",
        "cmd.video.music": (
            "Music composed from a description, then the clip finished with it (not with audio)"
        ),
        "cmd.storyboard.audio": "Your own track (mp3, m4a, wav, ogg): the draft is then finished as a Short",
        "cmd.storyboard.caption": "A caption over the whole draft (the draft is then finished as a Short)",
        "cmd.storyboard.music": "Music composed from a description, then the draft finished with it",
        "discord.after_ack_clip": (
            "🎬 Once the clip is rendered I finish it for Shorts ({width}×{height}, {fps} fps{extras}) "
            "and post the Short here."
        ),
        "discord.after_ack_board": (
            "🎬 Once the draft is ready I finish it for Shorts ({width}×{height}, {fps} fps{extras}) "
            "and post the Short here."
        ),
        "discord.after_sep": ", ",
        "discord.after_with_track_mix": "your track mixed with the clip's sound",
        "discord.after_with_track_replace": "your track replacing the clip's sound",
        "discord.after_with_music": "music composed from your description",
        "discord.after_with_caption": "your caption",
        "discord.after_lead_clip": "🎬 The clip is rendered; finishing it for Shorts as you asked.",
        "discord.after_lead_draft": "🎬 The draft is ready; finishing it for Shorts as you asked.",
        "discord.after_composing": (
            "🎵 The video is ready; composing its music… (job {job_id}, {seconds} s) Then I finish "
            "the video with it and post the Short here."
        ),
        "discord.after_refused": "🎬 The video is ready, but it could not be finished for Shorts: {reason}",
        "discord.after_lyrics_without_music": (
            "`lyrics` go with `music`: describe the music too, or leave the lyrics out. Nothing was queued."
        ),
    },
    ZH_TW: {
        "cmd.video.audio": "你自己的音訊（mp3、m4a、wav、ogg）：影片生成後會用它輸出成 Shorts",
        "cmd.video.caption": "整支影片的字幕（影片生成後會輸出成 Shorts）",
        "cmd.video.music": "用描述生成配樂，影片生成後用它輸出成 Shorts（不能和 audio 一起用）",
        "cmd.storyboard.audio": "你自己的音訊（mp3、m4a、wav、ogg）：草稿完成後會用它輸出成 Shorts",
        "cmd.storyboard.caption": "整支草稿的字幕（草稿完成後會輸出成 Shorts）",
        "cmd.storyboard.music": "用描述生成配樂，草稿完成後用它輸出成 Shorts",
        "discord.after_ack_clip": (
            "🎬 影片生成後，我會把它輸出成 Shorts（{width}×{height}、每秒 {fps} 格{extras}），"
            "並把 Shorts 貼在這裡。"
        ),
        "discord.after_ack_board": (
            "🎬 草稿完成後，我會把它輸出成 Shorts（{width}×{height}、每秒 {fps} 格{extras}），"
            "並把 Shorts 貼在這裡。"
        ),
        "discord.after_sep": "、",
        "discord.after_with_track_mix": "你的音訊與影片原聲混音",
        "discord.after_with_track_replace": "你的音訊取代影片原聲",
        "discord.after_with_music": "依你的描述生成的音樂",
        "discord.after_with_caption": "你的字幕",
        "discord.after_lead_clip": "🎬 影片完成了，正在依你的選項輸出成 Shorts。",
        "discord.after_lead_draft": "🎬 草稿完成了，正在依你的選項輸出成 Shorts。",
        "discord.after_composing": (
            "🎵 影片完成了，正在為它作曲…（工作 {job_id}，{seconds} 秒）完成後我會用它輸出影片，"
            "並把 Shorts 貼在這裡。"
        ),
        "discord.after_refused": "🎬 影片完成了，但無法輸出成 Shorts：{reason}",
        "discord.after_lyrics_without_music": (
            "`lyrics` 歌詞要搭配 `music` 音樂描述一起用：請也描述音樂，或不要填歌詞。沒有排入任何工作。"
        ),
    },
}
