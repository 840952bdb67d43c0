"""Texts of LINE storyboards (分鏡): how to write one, the refusals naming the shot, the
answers while it renders and the draft's caption.

Beside :mod:`reelbot.bots.line.storyboard_syntax` (the parser that raises the refusals) and
:mod:`reelbot.bots.line.boards` (submission and delivery).
"""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    ZH_TW: {
        "line.storyboard_help": (
            "🎞️ 分鏡：一次做好一整支短影片的草稿\n"
            "第一行寫「分鏡」和標題（可加整部的選項），接著一行一個鏡頭，最後寫秒數：\n"
            "分鏡 夜市的一晚 比例:9:16 種子:7 轉場:淡入淡出\n"
            "1. 女孩走進雨中的夜市 4秒\n"
            "2. 她買了一杯珍珠奶茶 鏡頭:推近 3秒\n"
            "3. 她抬頭對著鏡頭微笑 | 2秒\n"
            "・每個鏡頭可加：鏡頭:推近、動態:高、種子:5、速度:品質、轉場:硬切\n"
            "・鏡頭的字幕寫在「|」後面：1. 女孩走進夜市 4秒 | 字幕: 夜市開張了"
            "（輸出成 Shorts 時會照鏡頭時間燒進影片）\n"
            "・配樂、卡點、影格率各寫成一行：音樂: 溫暖的 lo-fi 鋼琴／節拍（剪接點對齊音樂的拍子）／"
            "fps: 24（輸出成 Shorts 的每秒張數，24 或 30）\n"
            "・尺寸、音訊、色調也各寫成一行：尺寸: 720x1280（輸出成 Shorts 的寬x高）／"
            "音訊模式: 取代（配樂取代影片原本的聲音；混音 則混在一起）／"
            "色調一致: 關（鏡頭各自保留色調；沒寫就是開）\n"
            "・先輸入「角色」或「風格」再傳照片，整部分鏡都會保留這個角色或畫風\n"
            "・第一行可加：比例、種子、不要、模型、fps、轉場、速度，以及秒數、鏡頭、動態（鏡頭行沒寫時套用）\n"
            "・最多 {max_shots} 個鏡頭；全部完成後會把草稿影片傳給你\n"
            "・傳「分鏡進度」查看目前進度；草稿完成後傳「重拍 2」就能只重拍第 2 個鏡頭"
        ),
        "line.storyboard_no_shots": (
            "分鏡裡沒有任何鏡頭。第一行寫「分鏡 標題」，接著一行一個鏡頭，例如：\n"
            "分鏡 夜市\n1. 女孩走進雨中的夜市 4秒\n2. 她買了一杯珍珠奶茶 3秒"
        ),
        "line.storyboard_shot_empty": "第 {shot} 個鏡頭是空的：請在編號後面寫出這個鏡頭的畫面。",
        "line.storyboard_shot_long": "第 {shot} 個鏡頭太長了（{count} 個字，上限 {limit} 個字）。",
        "line.storyboard_text_long": "分鏡太長了（{count} 個字，上限 {limit} 個字），請分成兩份。",
        "line.storyboard_at_shot": "第 {shot} 個鏡頭：{problem}",
        "line.storyboard_at_header": "分鏡第一行：{problem}",
        "line.storyboard_tail": "「|」後面請寫秒數，例如「| 4秒」（收到「{value}」）。",
        "line.storyboard_unsupported": "分鏡不支援「{option}」：循環只適用於單支影片。",
        "line.storyboard_option_first_line": "「{option}」是整部分鏡的設定，請寫在第一行。",
        "line.storyboard_accepted": (
            "收到分鏡「{title}」（{board_id}）：{count} 個鏡頭、共 {seconds} 秒，"
            "已排入 {queued} 個。全部完成後會把草稿影片傳給你；傳「分鏡進度」查看進度。"
        ),
        "line.storyboard_duplicate": "這份分鏡（{board_id}）已經在處理了。",
        "line.storyboard_untitled": "未命名",
        "line.storyboard_progress": "分鏡「{title}」（{board_id}）：{done}/{total} 個鏡頭完成。{detail}",
        "line.storyboard_progress_rendering": "正在生成第 {shot} 個鏡頭。",
        "line.storyboard_progress_failed": "第 {shots} 個鏡頭沒有完成。",
        "line.storyboard_progress_ready": "草稿已經傳給你了。",
        "line.storyboard_none": "你在這個聊天室還沒有分鏡。輸入「分鏡」看寫法。",
        "line.storyboard_shot_failed": "分鏡「{title}」的第 {shot} 個鏡頭沒有完成：{reason}",
        "line.storyboard_draft": (
            "分鏡「{title}」的草稿完成了：{shots} 個鏡頭，{seconds} 秒（{width}×{height}）。"
        ),
        "line.storyboard_reroll_how": "請寫要重拍第幾個鏡頭，例如「重拍 2」。",
        "line.storyboard_rerolled": (
            "好的，重拍分鏡 {board_id} 的第 {shot} 個鏡頭；完成後會把新的草稿影片傳給你，其他鏡頭不變。"
        ),
        "line.storyboard_reroll_label": "重拍第 {shot} 鏡",
        "line.storyboard_reroll_text": "重拍 {shot} #{board_id}",
        "line.storyboard_reroll_hint": "想換掉某個鏡頭？按下面的「重拍第 N 鏡」，或傳「重拍 N」。",
        "line.storyboard_consent_text": "同意 #{board_id}",
        "line.storyboard_decline_text": "不同意 #{board_id}",
        "line.storyboard_consent_nothing": "分鏡 {board_id} 沒有等待同意的鏡頭。",
        "line.storyboard_draft_failed": "分鏡「{title}」的草稿沒有合成成功：{reason}",
        "line.storyboard_finish_hint": "點「輸出成 Shorts」，就會照每個鏡頭的時間把字幕燒進影片。",
        "line.storyboard_shot_caption": (
            "第 {shot} 個鏡頭的字幕是空的或寫了兩次。一個鏡頭寫一次，例如：… 4秒 | 字幕: 夜市開張了"
        ),
        "line.storyboard_music_empty": "「音樂:」後面請描述想要的配樂，例如：音樂: 溫暖的 lo-fi 鋼琴",
        "line.storyboard_beat_invalid": (
            "「節拍」後面只能寫「開」或「關」（收到「{value}」）；只寫「節拍」就是開。"
        ),
        "line.storyboard_fps_invalid": (
            "輸出成 Shorts 的 fps 只能是 {choices}（收到「{value}」）。"
            "模型本身的 fps 請寫在第一行，例如：分鏡 夜市 fps:8"
        ),
        "line.storyboard_line_twice": "「{line}」這種設定在分鏡裡寫了兩次，請只留一行。",
        "line.storyboard_size_invalid": (
            "「尺寸:」後面請寫「寬x高」，例如 尺寸: 1080x1920（邊長為 64 到 4096 的偶數；收到「{value}」）。"
        ),
        "line.storyboard_audio_mode_invalid": (
            "「音訊模式」只能是「混音」（配樂和影片原本的聲音混在一起）或「取代」（只留配樂）"
            "（收到「{value}」）。"
        ),
        "line.storyboard_colour_invalid": (
            "「色調一致」後面只能寫「開」或「關」（收到「{value}」）；只寫「色調一致」就是開。"
        ),
        "line.storyboard_music_off": (
            "這份分鏡寫了「音樂:」，但管理員還沒有開啟音樂生成，所以沒有排入任何鏡頭。"
            "請拿掉「音樂:」這一行；想配自己的音樂，就在輸出成 Shorts 之前傳一段語音訊息或音樂檔。"
        ),
        "line.storyboard_beat_needs_track": (
            "這份分鏡要把剪接點對齊節拍，但還沒有音樂可以找拍子，所以沒有排入任何工作。"
            "請先傳一段語音訊息或音樂檔（或輸入「音樂 <描述>」作曲），再按「輸出成 Shorts」。"
        ),
        "line.storyboard_music_composing": (
            "🎵 先為分鏡 {board_id} 作曲：「{music}」（工作 {job_id}，{seconds} 秒）。"
            "完成後會通知你，到時候再按一次「輸出成 Shorts」就會配上這段音樂。"
        ),
        "line.storyboard_music_busy": (
            "🎵 分鏡的音樂還在作曲中（工作 {job_id}）。完成後會通知你，到時候再按「輸出成 Shorts」。"
        ),
        "line.storyboard_music_hint": (
            "點「輸出成 Shorts」會先照分鏡的「音樂:」作曲，完成通知你之後再點一次就會輸出。"
        ),
        "line.storyboard_beat_hint": "輸出成 Shorts 時，剪接點會對齊音樂的拍子（需要音樂）。",
        "line.storyboard_replace_hint": "輸出成 Shorts 時，配樂會取代影片原本的聲音。",
        "line.storyboard_mix_hint": "輸出成 Shorts 時，配樂會和影片原本的聲音混在一起。",
        "line.storyboard_draft_link": "草稿影片太大，無法直接在 LINE 播放，請用這個連結觀看：{url}",
    },
    EN: {
        "line.storyboard_help": (
            "🎞️ Storyboard: a whole Short's draft in one go\n"
            "First line: storyboard and a title (and options for the whole board), then one shot "
            "per line ending with its length:\n"
            "storyboard Night market aspect:9:16 seed:7 transition:crossfade\n"
            "1. a girl walks into a rainy night market 4s\n"
            "2. she buys a bubble tea camera:zoom_in 3s\n"
            "3. she looks up and smiles at the camera | 2s\n"
            "• Per shot: camera:zoom_in, motion:high, seed:5, speed:quality, transition:cut\n"
            "• A shot's caption after a |: 1. a girl walks into a night market 4s | caption: Opening night "
            "(burned in on that shot's timing when you Finish for Shorts)\n"
            "• Soundtrack, beat snap and frame rate, each on a line of its own: music: warm lo-fi piano / "
            "beat (cuts snapped to the music's beats) / fps: 24 (the Short's frame rate, 24 or 30)\n"
            "• Size, audio and colour, each on a line of its own too: size: 720x1280 (the Short's width x "
            "height) / audio mode: replace (the track replaces the clip's own sound; mix blends them) / "
            "colour match: off (each shot keeps its own colours; on by default)\n"
            "• Send /character or /style, then a photo: every shot keeps that character or look\n"
            "• First line: aspect, seed, neg, preset, fps, transition, speed, and every shot's default "
            "seconds, camera, motion\n"
            "• At most {max_shots} shots; I send the draft video when every shot is done\n"
            "• Send storyboard status to see where it stands; once the draft is there, reroll shot 2 "
            "makes a new take of shot 2 only"
        ),
        "line.storyboard_no_shots": (
            "The storyboard has no shots. Write storyboard and a title on the first line, then one "
            "shot per line, e.g.:\n"
            "storyboard Night market\n1. a girl walks into a rainy night market 4s\n"
            "2. she buys a bubble tea 3s"
        ),
        "line.storyboard_shot_empty": "Shot {shot} is empty: write what the shot shows after its number.",
        "line.storyboard_shot_long": "Shot {shot} is too long ({count} characters, the limit is {limit}).",
        "line.storyboard_text_long": (
            "The storyboard is too long ({count} characters, the limit is {limit}); split it in two."
        ),
        "line.storyboard_at_shot": "Shot {shot}: {problem}",
        "line.storyboard_at_header": "Storyboard first line: {problem}",
        "line.storyboard_tail": "After | write the length, e.g. | 4s (got {value}).",
        "line.storyboard_unsupported": ("A storyboard does not take {option}: a loop is for a single clip."),
        "line.storyboard_option_first_line": (
            "{option} applies to the whole storyboard: write it on the first line."
        ),
        "line.storyboard_accepted": (
            "Got storyboard {title} ({board_id}): {count} shots, {seconds} s in all, {queued} queued. "
            "I'll send the draft video when every shot is done; send storyboard status to check."
        ),
        "line.storyboard_duplicate": "This storyboard ({board_id}) is already being handled.",
        "line.storyboard_untitled": "Untitled",
        "line.storyboard_progress": "Storyboard {title} ({board_id}): {done}/{total} shots done. {detail}",
        "line.storyboard_progress_rendering": "Rendering shot {shot}.",
        "line.storyboard_progress_failed": "Shot {shots} did not render.",
        "line.storyboard_progress_ready": "The draft was sent to you.",
        "line.storyboard_none": "You have no storyboard in this chat yet. Send storyboard to see how.",
        "line.storyboard_shot_failed": "Shot {shot} of storyboard {title} did not render: {reason}",
        "line.storyboard_draft": (
            "The draft of storyboard {title} is ready: {shots} shots, {seconds} s ({width}×{height})."
        ),
        "line.storyboard_reroll_how": "Say which shot to re-roll, e.g. reroll shot 2.",
        "line.storyboard_rerolled": (
            "OK, re-rolling shot {shot} of storyboard {board_id}; I'll send the new draft when it's done "
            "(the other shots stay as they are)."
        ),
        "line.storyboard_reroll_label": "Re-roll shot {shot}",
        "line.storyboard_reroll_text": "reroll shot {shot} #{board_id}",
        "line.storyboard_reroll_hint": (
            "Want another take of a shot? Tap Re-roll shot N below, or send reroll shot N."
        ),
        "line.storyboard_consent_text": "consent #{board_id}",
        "line.storyboard_decline_text": "decline #{board_id}",
        "line.storyboard_consent_nothing": "No shot of storyboard {board_id} is waiting for consent.",
        "line.storyboard_draft_failed": "The draft of storyboard {title} could not be put together: {reason}",
        "line.storyboard_finish_hint": (
            "Tap Finish for Shorts to get the Short with each shot's caption burned in on its timing."
        ),
        "line.storyboard_shot_caption": (
            "Shot {shot}'s caption is empty or written twice. Write it once per shot, e.g. "
            "… 4s | caption: Opening night"
        ),
        "line.storyboard_music_empty": "Describe the soundtrack after music:, e.g. music: warm lo-fi piano",
        "line.storyboard_beat_invalid": ('beat takes on or off (got "{value}"); beat alone means on.'),
        "line.storyboard_fps_invalid": (
            "The Short's fps must be one of {choices} (got \"{value}\"). The model's own fps goes on "
            "the first line, e.g. storyboard Night market fps:8"
        ),
        "line.storyboard_line_twice": '"{line}": this board setting is written twice; keep one line.',
        "line.storyboard_size_invalid": (
            'size: takes width x height, e.g. size: 1080x1920 (even sides from 64 to 4096; got "{value}").'
        ),
        "line.storyboard_audio_mode_invalid": (
            "audio mode takes mix (the track blended with the clip's own sound) or replace (the track "
            'only) (got "{value}").'
        ),
        "line.storyboard_colour_invalid": (
            'colour match takes on or off (got "{value}"); colour match alone means on.'
        ),
        "line.storyboard_music_off": (
            "This storyboard has a music: line, but the operator has not enabled music generation, so "
            "no shot was queued. Remove the music: line; for your own music, send an audio message or "
            "a music file before you tap Finish for Shorts."
        ),
        "line.storyboard_beat_needs_track": (
            "This storyboard snaps its cuts to the beat, but there is no music to find beats in yet, so "
            "nothing was queued. Send an audio message or a music file (or type music: <description> "
            "to compose one), then tap Finish for Shorts."
        ),
        "line.storyboard_music_composing": (
            '🎵 Composing the music of storyboard {board_id} first: "{music}" (job {job_id}, {seconds} s). '
            "I'll tell you when it's ready; then tap Finish for Shorts again and the Short gets it."
        ),
        "line.storyboard_music_busy": (
            "🎵 The storyboard's music is still being composed (job {job_id}). I'll tell you when it's "
            "ready; then tap Finish for Shorts."
        ),
        "line.storyboard_music_hint": (
            "Finish for Shorts composes the board's music: first; once I tell you it's ready, tap it "
            "again for the Short."
        ),
        "line.storyboard_beat_hint": "Finish for Shorts snaps the cuts to the music's beats (music needed).",
        "line.storyboard_replace_hint": "Finish for Shorts: the track replaces the clip's own sound.",
        "line.storyboard_mix_hint": "Finish for Shorts: the track is mixed with the clip's own sound.",
        "line.storyboard_draft_link": "The draft is too large to play inside LINE. Watch it here: {url}",
    },
}
