"""What only the Discord bot says (commands, attachments, admin settings), in en and zh-TW."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "cmd.video": "Make a short video from a prompt",
        "cmd.video.prompt": "What should happen in the video",
        "cmd.video.image": "First frame (image)",
        "cmd.video.end_image": "Last frame (image)",
        "cmd.video.character": "Character to keep (image)",
        "cmd.video.style": "Style to keep (image)",
        "cmd.video.aspect": "Shape of the video",
        "cmd.video.seconds": "Length in seconds",
        "cmd.video.seed": "Seed, to repeat a result",
        "cmd.video.negative": "What to avoid",
        "cmd.video.preset": "Model",
        "cmd.video.speed": "Quality or speed",
        "cmd.video.motion": "How much moves",
        "cmd.video.camera": "Camera move",
        "cmd.video.loop": "End where it starts (a loop)",
        "cmd.help.topic": "What to explain",
        "choice.help.prompts": "prompt examples",
        "choice.aspect.portrait": "9:16 (vertical)",
        "choice.aspect.square": "1:1 (square)",
        "choice.aspect.landscape": "16:9 (wide)",
        "cmd.animate": "Animate this image",
        "cmd.queue": "Your videos and tasks (music, finishes) waiting or running",
        "cmd.cancel": "Cancel one of your videos, or music or a finish in progress",
        "cmd.cancel.job": "Job id (the first 8 characters are enough; default: your latest here)",
        "cmd.help": "How to use reelbot",
        "cmd.reelbot": "reelbot server settings",
        "cmd.settings": "Show or change this server's limits",
        "cmd.settings.max_pending": "Videos one person may have waiting",
        "cmd.settings.user_per_hour": "Clips per person per hour",
        "cmd.settings.server_per_hour": "Clips for the whole server per hour",
        "discord.attachment_host": "That attachment does not come from Discord's CDN, so I can't use it.",
        "discord.attachment_download": "I couldn't download {filename}. Please attach it again.",
        "discord.animate_no_image": "That message has no image I can animate (PNG, JPEG or WebP).",
        "discord.animate_prompt": "bring this image to life",
        "discord.not_in_guild": "This command works in a server channel.",
        "discord.admin_only": "Only server admins (Manage Server) can change reelbot's settings.",
        "discord.settings_saved": (
            "Saved. Per user: at most {max_pending} waiting videos and {user_per_hour} clips per hour; "
            "this server: {guild_per_hour} clips per hour."
        ),
        "discord.settings_current": (
            "Current limits — per user: {max_pending} waiting, {user_per_hour} clips/hour; "
            "server: {guild_per_hour} clips/hour."
        ),
        "discord.user_rate_limited": (
            "You made {count} clips in the last hour (limit {limit}). Try again in about {minutes} min."
        ),
        "discord.guild_rate_limited": (
            "This server made {count} clips in the last hour (limit {limit}). Try again in about "
            "{minutes} min."
        ),
        "cmd.usage": "Your GPU use and what a clip costs",
        "cmd.storyboard": "Make a Short draft from a storyboard file",
        "cmd.storyboard.file": "Storyboard file (.yaml, .toml or .json)",
        "cmd.storyboard.character": "Character image for every shot",
        "cmd.storyboard.style": "Style image for every shot",
        "discord.status_awaiting_consent": "Waiting for the uploader to confirm consent.",
        "discord.storyboard_file_type": (
            "Please attach the storyboard as a .yaml, .yml, .toml or .json file (got {filename})."
        ),
        "discord.storyboard_file_size": ("The storyboard file is {size_kb} KB; the limit is {limit_kb} KB."),
        "discord.storyboard_header": "🎬 Storyboard “{title}” by {author}",
        "discord.storyboard_untitled": "untitled",
        "discord.storyboard_progress": "{done}/{total} shots done.",
        "discord.storyboard_rendering": ("{done}/{total} shots done · shot {shot}: {bar} {percent}%"),
        "discord.storyboard_shot_failed": (
            "{done}/{total} shots done · shot {shot} did not render: {reason} Re-roll it to finish the draft."
        ),
        "discord.storyboard_assembling": "{total}/{total} shots done · stitching the draft…",
        "discord.storyboard_ready": "{total}/{total} shots done · the draft is below.",
        "discord.storyboard_draft": (
            "🎬 Draft of “{title}” by {author}: {shots} shots, {seconds} s, {width}×{height}. "
            "Re-roll a shot with its button; the draft is rebuilt when it is done."
        ),
        "discord.storyboard_draft_link": (
            "The draft is {size_mb} MB, over this channel's upload limit ({limit_mb} MB): {url}"
        ),
        "discord.storyboard_accepted": "Storyboard {board_id}: {count} shots queued.",
        "discord.storyboard_duplicate": "You already sent this storyboard (board {board_id}).",
        "discord.storyboard_reroll_label": "Re-roll shot {shot}",
        "discord.storyboard_rerolled": (
            "Shot {shot} is being made again (job {job_id}); the draft is rebuilt when it is done."
        ),
        "discord.storyboard_consent_given": ("Thanks, consent recorded. {count} shots are now in the queue."),
        "discord.storyboard_consent_declined": "OK, storyboard {board_id} was cancelled ({count} shots).",
        "discord.modal_title": "Remix this clip",
        "discord.modal_prompt": "New prompt",
        "discord.modal_speed": "Speed mode",
        "discord.modal_speed_keep": "Keep: {mode}",
        "discord.mode_take_placeholder": "Another mode…",
        "discord.help": (
            "**reelbot — short AI videos, right here**\n"
            "`/video prompt:<text>` makes a vertical clip. Options: `image` (first frame), `end_image` "
            "(last frame), `character`, `style` (reference images), `aspect` (9:16, 1:1, 16:9), "
            "`seconds` (length), `seed` (repeat a result), `negative` (what to avoid), `preset` (model), "
            "`speed` (quality / balanced / draft), `motion` (low / high), `camera` (static, pan, zoom, "
            "orbit), `loop` (ends where it starts). Add `audio` (your own track), `music` (composed from a "
            "description), `caption` or `audio_mode` and the clip is finished as a Short once rendered.\n"
            "Right-click a message with an image (long-press on a phone) → *Apps → Animate this image*.\n"
            "Under every clip: **Re-roll** (new seed), **Vary** (small change), **Remix** (edit the "
            "prompt), **Extend** (continue it), **Info** (recipe and lineage), **Delete** (author or "
            "moderators). Anyone may remix anyone's clip.\n"
            "`/queue` shows your videos and tasks (music, finishes) with cancel buttons; `/cancel` stops "
            "your newest one here — a video, music being composed or a finish — (or one by its 8-character "
            "id); `/usage` shows your GPU use and what a clip costs.\n"
            "`/storyboard file:<.yaml/.toml/.json>` (+ `character`, `style` images) makes every shot and "
            "stitches a Short draft (the same `audio`, `music`, `caption` finish it); re-roll any shot from "
            "the draft's buttons.\n"
            "`/finish clip:<id or message link>` (or `board:`) makes it a 1080×1920 Short with your own "
            "`audio` (mp3, m4a, wav, ogg) or `music` composed from a description, a `caption` and 24 or "
            "30 fps.\n"
            "Admins: `/reelbot settings` sets per-user and per-server limits.\n"
            "Prompt ideas: `/help topic:prompts`.\n"
            "Limits now: prompt ≤ {max_prompt} characters, images ≤ {max_mb} MB, {min_s}–{max_s} s "
            "per clip, {max_pending} videos waiting per person."
        ),
        "discord.help_prompts": (
            "**Prompts that work well** — say what is seen, what moves and how the camera moves, in "
            "one or two sentences; English and 中文 both work.\n"
            "• `a red paper boat drifting on a calm lake at sunset, gentle ripples, static camera`\n"
            "• `a street cat walking through a rainy night market in Taipei, neon reflections, the "
            "camera follows at ground level`\n"
            "• `a cup of bubble tea on a wooden table, ice cubes slowly settling, soft morning light, "
            "close-up`\n"
            "• `an old man practising tai chi in a misty park at dawn, slow graceful movement, wide shot`\n"
            "• `一隻柴犬在海邊奔跑，浪花飛濺，夕陽逆光，慢動作`\n"
            "Tips: one subject and one action per clip; name the light and the shot size (close-up, "
            "wide shot); use `negative` for what keeps appearing (`blurry, text, watermark`); keep a "
            "`seed` you like and change one word at a time; `motion:low` for portraits, `motion:high` "
            "for action; `camera` adds the move for you."
        ),
        "discord.option_invalid": "Unknown {option} {value}. Choose one of: {choices}.",
        "cmd.gallery": "Your clips on one private page",
        "cmd.gallery.scope": "Whose clips",
        "choice.gallery.mine": "mine",
        "choice.gallery.server": "this server",
        "gallery.mine": (
            "Your gallery (only you can see this link; it works for {days} days): {url}\n"
            "Anyone with the link can see your clips, so keep it to yourself."
        ),
        "gallery.server": "This server's gallery (works for {days} days): {url}",
        "gallery.server_off": (
            "This server's gallery is switched off. A server admin can switch it on with "
            "`/admin gallery switch:on`; your own clips are always at `/gallery`."
        ),
        "gallery.server_dm": "A server gallery belongs to a server: use `/gallery scope:this server` there.",
        "gallery.switched_on": (
            "This server's gallery is on: members get its link with `/gallery scope:this server`. "
            "Deleted clips and clips of people who left never show."
        ),
        "gallery.switched_off": "This server's gallery is off; links already sent stop working.",
        "cmd.admin": "Server admin switches",
        "cmd.admin.gallery": "Switch this server's web gallery on or off",
        "cmd.admin.gallery.switch": "on: members' clips on one page; off: links stop working",
    },
    ZH_TW: {
        "cmd.video": "用一句提示詞生成短影片",
        "cmd.video.prompt": "影片裡要發生什麼",
        "cmd.video.image": "第一格（圖片）",
        "cmd.video.end_image": "最後一格（圖片）",
        "cmd.video.character": "要保留的角色（圖片）",
        "cmd.video.style": "要保留的風格（圖片）",
        "cmd.video.aspect": "影片比例",
        "cmd.video.seconds": "長度（秒）",
        "cmd.video.seed": "種子（重現同樣結果）",
        "cmd.video.negative": "不要出現的內容",
        "cmd.video.preset": "模型",
        "cmd.video.speed": "畫質或速度",
        "cmd.video.motion": "動態多寡",
        "cmd.video.camera": "鏡頭運動",
        "cmd.video.loop": "頭尾相接（循環影片）",
        "cmd.help.topic": "要說明什麼",
        "choice.help.prompts": "提示詞範例",
        "choice.aspect.portrait": "9:16（直式）",
        "choice.aspect.square": "1:1（方形）",
        "choice.aspect.landscape": "16:9（橫式）",
        "cmd.animate": "讓這張圖片動起來",
        "cmd.queue": "你排隊中或進行中的影片與工作（作曲、輸出 Shorts）",
        "cmd.cancel": "取消你的影片，或進行中的作曲、輸出 Shorts",
        "cmd.cancel.job": "工作編號（前 8 碼即可；不填則取消你在這裡最新的一項）",
        "cmd.help": "reelbot 使用說明",
        "cmd.reelbot": "reelbot 伺服器設定",
        "cmd.settings": "查看或修改這個伺服器的限制",
        "cmd.settings.max_pending": "每人最多可排隊的影片數",
        "cmd.settings.user_per_hour": "每人每小時可生成的影片數",
        "cmd.settings.server_per_hour": "整個伺服器每小時可生成的影片數",
        "discord.attachment_host": "這個附件不是來自 Discord 的 CDN，無法使用。",
        "discord.attachment_download": "無法下載 {filename}，請重新附加一次。",
        "discord.animate_no_image": "這則訊息沒有可以做成動畫的圖片（PNG、JPEG 或 WebP）。",
        "discord.animate_prompt": "讓這張圖片動起來",
        "discord.not_in_guild": "這個指令只能在伺服器頻道中使用。",
        "discord.admin_only": "只有伺服器管理員（管理伺服器權限）可以修改 reelbot 的設定。",
        "discord.settings_saved": (
            "已儲存。每人：最多 {max_pending} 支排隊中的影片、每小時 {user_per_hour} 支；"
            "整個伺服器：每小時 {guild_per_hour} 支。"
        ),
        "discord.settings_current": (
            "目前的限制：每人最多 {max_pending} 支排隊、每小時 {user_per_hour} 支；"
            "伺服器每小時 {guild_per_hour} 支。"
        ),
        "discord.user_rate_limited": (
            "你在過去一小時已經生成 {count} 支影片（上限 {limit} 支），請約 {minutes} 分鐘後再試。"
        ),
        "discord.guild_rate_limited": (
            "這個伺服器在過去一小時已經生成 {count} 支影片（上限 {limit} 支），請約 {minutes} 分鐘後再試。"
        ),
        "cmd.usage": "你的 GPU 用量與每支影片的成本",
        "cmd.storyboard": "用分鏡檔製作短片草稿",
        "cmd.storyboard.file": "分鏡檔（.yaml、.toml 或 .json）",
        "cmd.storyboard.character": "每個鏡頭共用的角色圖片",
        "cmd.storyboard.style": "每個鏡頭共用的風格圖片",
        "discord.status_awaiting_consent": "等待上傳者確認已取得同意。",
        "discord.storyboard_file_type": (
            "請以 .yaml、.yml、.toml 或 .json 檔附上分鏡（收到的是 {filename}）。"
        ),
        "discord.storyboard_file_size": "分鏡檔大小為 {size_kb} KB，上限是 {limit_kb} KB。",
        "discord.storyboard_header": "🎬 分鏡「{title}」，由 {author} 建立",
        "discord.storyboard_untitled": "未命名",
        "discord.storyboard_progress": "已完成 {done}/{total} 個鏡頭。",
        "discord.storyboard_rendering": ("已完成 {done}/{total} 個鏡頭 · 第 {shot} 個鏡頭：{bar} {percent}%"),
        "discord.storyboard_shot_failed": (
            "已完成 {done}/{total} 個鏡頭 · 第 {shot} 個鏡頭沒有完成：{reason} 請重新生成它來完成草稿。"
        ),
        "discord.storyboard_assembling": "已完成 {total}/{total} 個鏡頭 · 正在接合草稿…",
        "discord.storyboard_ready": "已完成 {total}/{total} 個鏡頭 · 草稿在下方。",
        "discord.storyboard_draft": (
            "🎬 「{title}」的草稿，由 {author} 建立：{shots} 個鏡頭、{seconds} 秒、{width}×{height}。"
            "按鏡頭的按鈕可重新生成該鏡頭，完成後會重新接合草稿。"
        ),
        "discord.storyboard_draft_link": (
            "草稿大小為 {size_mb} MB，超過這個頻道的上傳上限（{limit_mb} MB）：{url}"
        ),
        "discord.storyboard_accepted": "分鏡 {board_id}：{count} 個鏡頭已開始排隊。",
        "discord.storyboard_duplicate": "你已經送出過這份分鏡（分鏡 {board_id}）。",
        "discord.storyboard_reroll_label": "重新生成第 {shot} 個鏡頭",
        "discord.storyboard_rerolled": (
            "第 {shot} 個鏡頭正在重新生成（工作 {job_id}），完成後會重新接合草稿。"
        ),
        "discord.storyboard_consent_given": "謝謝，已記錄同意。{count} 個鏡頭已開始排隊。",
        "discord.storyboard_consent_declined": "好的，分鏡 {board_id} 已取消（{count} 個鏡頭）。",
        "discord.modal_title": "改提示再生成",
        "discord.modal_prompt": "新的提示詞",
        "discord.modal_speed": "速度模式",
        "discord.modal_speed_keep": "維持原本的：{mode}",
        "discord.mode_take_placeholder": "換個速度模式…",
        "discord.help": (
            "**reelbot：在聊天室裡做 AI 短影片**\n"
            "`/video prompt:<文字>` 生成直式短片。選項：`image`（第一格）、`end_image`（最後一格）、"
            "`character`、`style`（參考圖）、`aspect`（9:16、1:1、16:9）、`seconds`（長度）、"
            "`seed`（種子，重現結果）、`negative`（不要出現的內容）、`preset`（模型）、"
            "`speed`（畫質優先／平衡／草稿）、`motion`（動態：低／高）、`camera`（鏡頭：固定、左右移、"
            "推近拉遠、環繞）、`loop`（頭尾相接的循環影片）。加上 `audio`（你自己的音訊）、"
            "`music`（用描述生成的音樂）、`caption`（字幕）或 `audio_mode`，影片生成後會直接輸出成 Shorts。\n"
            "在含有圖片的訊息上按右鍵（手機上長按）→「應用程式 → 讓這張圖片動起來」。\n"
            "每支影片下方：**重新生成**（換種子）、**變化**（小幅變化）、**改提示**（編輯提示詞）、"
            "**延長**（接續下去）、**資訊**（設定與來源）、**刪除**（作者或管理員）。"
            "任何人都可以改作別人的影片。\n"
            "`/queue` 查看你的影片與工作（作曲、輸出 Shorts）並可取消；`/cancel` 取消你在這裡最新的一項——"
            "影片、作曲中的音樂或輸出中的 Shorts（或輸入 8 碼工作編號）；"
            "`/usage` 查看 GPU 用量與每支影片的成本。\n"
            "`/storyboard file:<.yaml/.toml/.json>`（可加 `character`、`style` 圖片）"
            "會生成每個鏡頭並接成短片草稿（同樣可加 `audio`、`music`、`caption` 輸出成 Shorts）；"
            "可用草稿下方的按鈕重新生成任一鏡頭。\n"
            "`/finish clip:<影片編號或訊息連結>`（或 `board:`）輸出成 1080×1920 的 Shorts，"
            "可加上你自己的 `audio` 音樂（mp3、m4a、wav、ogg）或用描述生成的 `music` 音樂、`caption` 字幕，"
            "每秒 24 或 30 格。\n"
            "管理員：`/reelbot settings` 設定每人與整個伺服器的上限。\n"
            "提示詞範例：`/help topic:提示詞範例`。\n"
            "目前限制：提示詞最多 {max_prompt} 字、圖片最大 {max_mb} MB、每支 {min_s}–{max_s} 秒、"
            "每人最多 {max_pending} 支排隊。"
        ),
        "discord.help_prompts": (
            "**好用的提示詞**：用一兩句話說清楚畫面裡有什麼、什麼在動、鏡頭怎麼動；中文和英文都可以。\n"
            "• `夕陽下平靜湖面上漂著一艘紅色紙船，水面輕輕泛起漣漪，固定鏡頭`\n"
            "• `一隻街貓走過下雨的台北夜市，霓虹燈倒映在地上，鏡頭貼地跟拍`\n"
            "• `木桌上的一杯珍珠奶茶，冰塊慢慢沉下去，柔和的晨光，特寫`\n"
            "• `清晨起霧的公園裡，一位老先生在打太極，動作緩慢優雅，遠景`\n"
            "• `a shiba inu running along the beach, splashing waves, backlit by the sunset, slow motion`\n"
            "小技巧：一支影片一個主角、一個動作；寫出光線和景別（特寫、遠景）；一直出現的東西放進 "
            "`negative`（例如 `模糊, 文字, 浮水印`）；留下喜歡的 `seed`，一次只改一個詞；"
            "人像用 `motion:低`，動作場面用 `motion:高`；`camera` 會幫你加上鏡頭運動。"
        ),
        "discord.option_invalid": "沒有 {value} 這個 {option} 選項，請選擇：{choices}。",
        "cmd.gallery": "你的影片都在一個私人頁面",
        "cmd.gallery.scope": "誰的影片",
        "choice.gallery.mine": "我的",
        "choice.gallery.server": "這個伺服器",
        "gallery.mine": (
            "你的作品集（只有你看得到這個連結，{days} 天內有效）：{url}\n"
            "拿到連結的人都能看到你的影片，請不要分享給別人。"
        ),
        "gallery.server": "這個伺服器的作品集（{days} 天內有效）：{url}",
        "gallery.server_off": (
            "這個伺服器的作品集尚未開啟，伺服器管理員可以用 `/admin gallery switch:on` 開啟；"
            "你自己的影片隨時都在 `/gallery`。"
        ),
        "gallery.server_dm": "伺服器作品集屬於伺服器：請在伺服器裡使用 `/gallery scope:這個伺服器`。",
        "gallery.switched_on": (
            "這個伺服器的作品集已開啟：成員可以用 `/gallery scope:這個伺服器` 取得連結。"
            "已刪除的影片和已離開成員的影片不會出現。"
        ),
        "gallery.switched_off": "這個伺服器的作品集已關閉，已經發出的連結會失效。",
        "cmd.admin": "伺服器管理開關",
        "cmd.admin.gallery": "開啟或關閉這個伺服器的網頁作品集",
        "cmd.admin.gallery.switch": "開啟：成員的影片集中在一頁；關閉：連結失效",
    },
}
