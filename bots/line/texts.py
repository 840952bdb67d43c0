"""Every text the LINE bot says, in zh-TW (LINE's default here) and en.

Found and loaded by :mod:`reelbot.domain.messages`; ``tests/test_messages.py`` checks both
locales define the same keys. Quick-reply labels are ≤ 20 characters (LINE's limit; checked in
tests, and again when a message is built).
"""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    ZH_TW: {
        "line.queued": "排隊中，第 {position} 位。完成後會把影片傳給你。",
        "line.queued_running": "已開始生成，完成後會把影片傳給你。",
        "line.queued_duplicate": "這個請求已經在處理了（第 {position} 位）。",
        "line.photo_received": (
            "收到照片，會當作「{role}」。接著傳送提示詞（{minutes} 分鐘內）即可生成影片。"
        ),
        "line.photo_received_group": "收到照片，會當作「{role}」。",
        "line.role_marked": "好的，下一張照片會當作「{role}」。",
        "line.photos_cleared": "已清除等待中的照片。",
        "line.gallery_mine": "你的作品集（只有你看得到，{days} 天內有效，請不要分享）：{url}",
        "line.gallery_group": "這個群組的作品集（{days} 天內有效）：{url}",
        "line.gallery_group_off": "這個群組的作品集尚未開啟，群組成員可以傳「開啟作品集」來開啟。",
        "line.gallery_group_only": "「開啟作品集」只能在群組裡使用；你自己的作品集請傳「作品集」。",
        "line.gallery_on": "已開啟這個群組的作品集，傳「作品集」就能取得連結。已刪除的影片不會出現。",
        "line.gallery_off": "已關閉這個群組的作品集，已經發出的連結會失效。",
        "line.too_many_photos": "等待中的照片已達上限（{limit} 張）。傳送提示詞或輸入「清除」。",
        "line.image_too_large": "圖片超過 {limit_mb} MB，請傳送較小的圖片。",
        "line.image_fetch_failed": "無法下載這張圖片，請再傳一次。",
        "line.option_number": "「{option}」需要一個數字（收到「{value}」）。",
        "line.unknown_action": "這個按鈕已經失效了，請重新輸入提示詞。",
        "line.other_mode": "換個速度",
        "line.pick_take": "請選擇要做的動作和速度：",
        "line.remix_prompt": (
            "請輸入新的提示詞（{minutes} 分鐘內），會以原影片的設定重新生成；"
            "想換模式可加上「速度:品質」或「速度:草稿」。"
        ),
        "line.user_rate_limited": "你這個小時已經生成 {count} 支影片（上限 {limit} 支），請稍後再試。",
        "line.group_rate_limited": (
            "這個群組這個小時已經生成 {count} 支影片（上限 {limit} 支），請稍後再試。"
        ),
        "line.push_quota_reached": "本月的訊息額度已經用完，暫時無法生成影片。",
        "line.done_text": "影片完成了！{url}",
        "line.too_large_for_line": "影片太大，無法直接在 LINE 播放，請用這個連結觀看：{url}",
        "line.failed": "影片生成失敗（工作 {job_id}）：{reason}",
        "line.cancelled": "工作 {job_id} 已取消。",
        "line.cancel_done": "已取消工作 {job_id}。",
        "line.cancel_stopping": "工作 {job_id} 正在生成，會在下一步停止；停止後會再通知你。",
        "line.cancel_nothing": "你在這個聊天室沒有進行中的影片可以取消。",
        "line.info": (
            "提示詞：{prompt}\n比例：{aspect}，{seconds} 秒，{fps} fps，種子 {seed}\n"
            "模型：{preset}\n來源：{lineage}\n分享連結：{url}"
        ),
        "line.unsupported_message": "目前只看得懂文字、照片和音訊。輸入「說明」看使用方式。",
        "line.help": (
            "🎬 用一句話做短影片\n"
            "・直接輸入提示詞，例如：一隻貓在雨中的東京街頭散步\n"
            "・群組裡請先 @我，或用「/video」「影片」開頭\n"
            "・先傳一張照片再輸入提示詞（{minutes} 分鐘內），照片就是第一格；第二張是結尾\n"
            "・照片用途：先輸入「結尾」「角色」「風格」或「首格」，再傳照片\n"
            "・選項：比例:16:9（或 9:16、1:1、直式、橫式、方形）、秒數:4、seed:42、fps:8、不要:模糊\n"
            "  例：影片 海邊的日落 比例:16:9 秒數:4\n"
            "・速度:快（草稿）／平衡／品質、動態:低／高、鏡頭:固定／左移／右移／推近／拉遠／環繞，"
            "加上「循環」做成無縫循環\n"
            "  例：影片 夜市的貓 速度:快 動態:高 鏡頭:推近 循環\n"
            "・完成後可按：重新生成、變化、大幅變化、延長、循環、改提示、資訊；「換個速度」用別的速度再做\n"
            "・一次做整支短影片：第一行寫「分鏡 標題」，接著一行一個鏡頭（輸入「分鏡」看寫法）\n"
            "・輸出成 Shorts：先傳一段語音訊息或音樂檔（mp3、m4a、wav…），下一次就會配上你的音樂；"
            "「取消音樂」不用它。「字幕 夜市的燈亮了」加上字幕（燒進畫面並附 .srt），「取消字幕」拿掉\n"
            "・「音樂 溫暖的 lo-fi 鋼琴」請 AI 作曲（可加「歌詞: …」），完成後下一次輸出成 Shorts 就用它；"
            "分鏡草稿下面也有「輸出成 Shorts」\n"
            "・「清除」忘記等待中的照片\n"
            "・「取消」取消你最新一個還沒完成的影片或作曲\n"
            "・「排隊」或「進度」查看你的影片排在第幾位、預計多久完成\n"
            "・「用量」查看你（和群組）今天與本月用了多少 GPU 秒、還剩多少\n"
            "・「作品集」取得你的作品集網頁；群組裡傳「開啟作品集」讓大家看群組的作品\n"
            "・照片中有真人的臉時，要先確認已取得當事人同意才會開始生成"
        ),
        "line.role.first_frame": "第一格",
        "line.role.last_frame": "結尾",
        "line.role.subject": "角色",
        "line.role.style": "風格",
        "line.page.title": "reelbot 影片",
        "line.page.prompt": "提示詞",
        "line.page.lineage": "來源",
        "line.page.remix_hint": (
            "在 LINE 按「變化」或「延長」，或在 Discord 按 Remix，就能以這支影片為基礎再創作。"
        ),
        "line.page.deleted": "這支影片已被刪除。",
        "line.missing_secret": "缺少 {variable}：請設定 LINE 頻道的密鑰後再啟動。",
        "line.media_url_not_https": (
            "REELBOT_MEDIA_BASE_URL 必須是 HTTPS（LINE 只接受 HTTPS 影片網址），目前是 {url}。"
        ),
    },
    EN: {
        "line.queued": "Queued — number {position} in line. I'll send the video when it's ready.",
        "line.queued_running": "Rendering now — I'll send the video when it's ready.",
        "line.queued_duplicate": "This request is already being handled (number {position} in line).",
        "line.photo_received": (
            "Got the photo; it will be the {role}. "
            "Send the prompt within {minutes} minutes to make the video."
        ),
        "line.photo_received_group": "Got the photo; it will be the {role}.",
        "line.role_marked": "OK, the next photo will be the {role}.",
        "line.photos_cleared": "Forgot the waiting photos.",
        "line.gallery_mine": "Your gallery (only you, works for {days} days; keep it to yourself): {url}",
        "line.gallery_group": "This group's gallery (works for {days} days): {url}",
        "line.gallery_group_off": (
            "This group's gallery is off. Any member can send 'gallery on' to switch it on."
        ),
        "line.gallery_group_only": "'gallery on' works in a group; for your own gallery send 'gallery'.",
        "line.gallery_on": (
            "This group's gallery is on: send 'gallery' for its link. Deleted clips never show."
        ),
        "line.gallery_off": "This group's gallery is off; links already sent stop working.",
        "line.too_many_photos": "You already have {limit} photos waiting. Send the prompt or type clear.",
        "line.image_too_large": "The image is over {limit_mb} MB. Please send a smaller one.",
        "line.image_fetch_failed": "I couldn't download that image. Please send it again.",
        "line.option_number": "{option} needs a number (got {value}).",
        "line.unknown_action": "That button no longer works. Please send a new prompt.",
        "line.other_mode": "Another mode",
        "line.pick_take": "Pick the action and the mode:",
        "line.remix_prompt": (
            "Send the new prompt (within {minutes} minutes); the clip's other settings stay the same "
            "(add speed:quality or speed:draft to change the mode)."
        ),
        "line.user_rate_limited": (
            "You made {count} videos this hour (the limit is {limit}). Try again later."
        ),
        "line.group_rate_limited": (
            "This group made {count} videos this hour (the limit is {limit}). Try again later."
        ),
        "line.push_quota_reached": ("This month's message quota is used up, so I can't make videos for now."),
        "line.done_text": "Your video is ready! {url}",
        "line.too_large_for_line": "The video is too large to play inside LINE. Watch it here: {url}",
        "line.failed": "The video could not be made (job {job_id}): {reason}",
        "line.cancelled": "Job {job_id} was cancelled.",
        "line.cancel_done": "Cancelled job {job_id}.",
        "line.cancel_stopping": (
            "Job {job_id} is rendering; it stops at the next step and I'll tell you when it has."
        ),
        "line.cancel_nothing": "You have no unfinished video in this chat to cancel.",
        "line.info": (
            "Prompt: {prompt}\nAspect {aspect}, {seconds} s, {fps} fps, seed {seed}\n"
            "Preset: {preset}\nLineage: {lineage}\nShare: {url}"
        ),
        "line.unsupported_message": "I understand text, photos and audio. Type help to see how to use me.",
        "line.help": (
            "🎬 Short videos from one sentence\n"
            "• Type a prompt, e.g.: a cat walking through rainy Tokyo\n"
            "• In groups, @mention me or start with /video\n"
            "• Send a photo, then the prompt within {minutes} minutes: the photo is the first frame; "
            "a second photo is the end frame\n"
            "• Photo roles: type /end, /character, /style or /first, then send the photo\n"
            "• Options: aspect:16:9 (or 9:16, 1:1, portrait, landscape, square), "
            "seconds:4, seed:42, fps:8, "
            "neg:blurry\n"
            "  e.g. /video sunset at the beach aspect:16:9 seconds:4\n"
            "• speed:draft / balanced / quality, motion:low / high, camera:static / pan_left / "
            "pan_right / zoom_in / zoom_out / orbit, and /loop for a seamless loop\n"
            "  e.g. /video a cat at the night market speed:draft motion:high camera:zoom_in /loop\n"
            "• When it's done: Re-roll, Vary, Vary (strong), Extend, Loop, Remix, Info; "
            "Another mode redoes it at another speed\n"
            "• A whole Short at once: storyboard and a title on the first line, then one shot per line "
            "(send storyboard to see how)\n"
            "• Finish for Shorts: send an audio message or a music file (mp3, m4a, wav…) first and the "
            "next one uses your music; no music drops it. caption: The lights come on adds a caption "
            "(burned in, plus an .srt); no caption removes it\n"
            "• music: warm lo-fi piano composes a track (add lyrics: … for a song); when it's ready the "
            "next Finish for Shorts uses it. A storyboard draft has Finish for Shorts too\n"
            "• clear forgets waiting photos\n"
            "• cancel stops your newest unfinished video or music\n"
            "• queue (or progress) shows where your videos are in line and when they should be ready\n"
            "• usage shows the GPU-seconds you (and the group) used today and this month, "
            "and what is left\n"
            "• gallery: your clips on one private page; in a group, gallery on shows the group's\n"
            "• If a photo shows a real person's face, you confirm you have their consent before it starts"
        ),
        "line.role.first_frame": "first frame",
        "line.role.last_frame": "end frame",
        "line.role.subject": "character",
        "line.role.style": "style",
        "line.page.title": "reelbot clip",
        "line.page.prompt": "Prompt",
        "line.page.lineage": "Lineage",
        "line.page.remix_hint": (
            "Tap Vary or Extend under this clip in LINE (or Remix in Discord) to build on it."
        ),
        "line.page.deleted": "This clip was deleted.",
        "line.missing_secret": "Missing {variable}: set it to your LINE channel's value before starting.",
        "line.media_url_not_https": (
            "REELBOT_MEDIA_BASE_URL must be HTTPS (LINE only accepts HTTPS video URLs); it is {url}."
        ),
    },
}
