"""Texts of the shared vocabulary: errors every part can raise (requests, images, jobs, config)."""

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "error.internal": "Something went wrong on our side (job {job_id}). Please try again.",
        "error.internal_no_job": "Something went wrong on our side. Please try again.",
        "request.prompt_empty": "Please write a prompt describing the video.",
        "request.prompt_too_long": (
            "The prompt is {length} characters long; the limit is {limit}. Please shorten it."
        ),
        "request.negative_too_long": "The negative prompt is {length} characters long; the limit is {limit}.",
        "request.seconds_invalid": "Duration must be between {minimum} and {maximum} seconds (got {value}).",
        "request.fps_invalid": "Frame rate must be between {minimum} and {maximum} fps (got {value}).",
        "request.seed_invalid": "The seed must be a whole number from 0 to {maximum} (got {value}).",
        "request.aspect_invalid": "Unknown aspect {value}. Choose one of: {choices}.",
        "request.role_invalid": "Unknown image role {value}. Choose one of: {choices}.",
        "request.role_duplicate": "Only one image can be the {role}.",
        "request.too_many_references": "At most {limit} reference images per clip (got {count}).",
        "request.preset_unknown": "Unknown preset {value}. Available presets: {choices}.",
        "request.preset_role_unsupported": (
            "Preset {preset} cannot use a {role} image. Presets that can: {choices}."
        ),
        "request.preset_role_missing": (
            "Preset {preset} needs a {role} image. Presets that can render this request: {choices}."
        ),
        "request.remix_needs_parent": "A {kind} needs the clip it starts from.",
        "image.too_large_bytes": "The image is {size_mb} MB; the limit is {limit_mb} MB.",
        "image.not_an_image": "That file is not an image I can read (PNG, JPEG or WebP).",
        "image.truncated": "The image file is damaged or incomplete. Please send it again.",
        "image.too_many_pixels": "The image has {megapixels} megapixels; the limit is {limit_mp} megapixels.",
        "image.too_small": (
            "The image is {width}×{height} pixels; it must be at least {minimum} px on each side."
        ),
        "queue.user_pending_cap": (
            "You already have {count} videos waiting (the limit is {limit}). Try again when one has finished."
        ),
        "job.not_found": "I can't find job {job_id}.",
        "job.not_cancellable": "Job {job_id} is already {state} and can't be cancelled.",
        "state.awaiting_consent": "waiting for consent",
        "state.queued": "queued",
        "state.running": "rendering",
        "state.done": "done",
        "state.failed": "failed",
        "state.cancelled": "cancelled",
        "clip.not_found": "That clip no longer exists.",
        "job.failed": "The video could not be made (job {job_id}): {reason}",
        "job.failed_retries": "The worker failed {attempts} times on this job: {error}",
        "job.out_of_memory": (
            "The GPU ran out of memory for this size. Try fewer seconds or a smaller aspect."
        ),
        "job.cancelled": "Job {job_id} was cancelled.",
        "job.interrupted": "The job was cancelled while rendering.",
        "job.pipeline_error": "The video model failed: {error}",
        "config.invalid": "Invalid setting {variable}: {reason} ({count} problem(s) in total).",
        "request.extend_too_long": (
            "This clip is {current} s long; adding {added} s would pass the {limit} s limit."
        ),
        "request.extend_other_size": (
            "This clip can't be extended: the model that can continue it ({preset}) renders "
            "{child_size} at {child_fps} fps, and the clip is {parent_size} at {parent_fps} fps."
        ),
        "job.not_yours": "Job {job_id} belongs to someone else.",
        "clip.delete_forbidden": "Only the clip's author or a moderator can delete it.",
        "service.redis_unreachable": "Cannot reach Redis at {where}. Is it running? (REELBOT_REDIS_URL)",
        "service.part_failed": "{part} stopped: {error}",
        "service.database_unreachable": (
            "Cannot reach the database at {where}. Is it running? (REELBOT_DATABASE_URL)"
        ),
        "image.missing": "A reference image of this job is no longer stored. Please send it again.",
    },
    ZH_TW: {
        "error.internal": "系統發生錯誤（工作 {job_id}），請再試一次。",
        "error.internal_no_job": "系統發生錯誤，請再試一次。",
        "request.prompt_empty": "請輸入描述影片內容的提示詞。",
        "request.prompt_too_long": "提示詞有 {length} 個字，上限是 {limit} 個字，請縮短一些。",
        "request.negative_too_long": "負面提示詞有 {length} 個字，上限是 {limit} 個字。",
        "request.seconds_invalid": "影片長度必須介於 {minimum} 到 {maximum} 秒之間（收到 {value}）。",
        "request.fps_invalid": "影格率必須介於 {minimum} 到 {maximum} fps 之間（收到 {value}）。",
        "request.seed_invalid": "種子必須是 0 到 {maximum} 的整數（收到 {value}）。",
        "request.aspect_invalid": "不支援的比例 {value}，請選擇：{choices}。",
        "request.role_invalid": "不支援的圖片用途 {value}，請選擇：{choices}。",
        "request.role_duplicate": "「{role}」只能有一張圖片。",
        "request.too_many_references": "每支影片最多 {limit} 張參考圖（收到 {count} 張）。",
        "request.preset_unknown": "沒有 {value} 這個模型，可用的模型有：{choices}。",
        "request.preset_role_unsupported": (
            "模型 {preset} 無法使用「{role}」圖片，可以使用的模型有：{choices}。"
        ),
        "request.preset_role_missing": (
            "模型 {preset} 需要一張「{role}」圖片，可以處理這個請求的模型有：{choices}。"
        ),
        "request.remix_needs_parent": "{kind} 需要指定原本的影片。",
        "image.too_large_bytes": "圖片大小為 {size_mb} MB，上限是 {limit_mb} MB。",
        "image.not_an_image": "這個檔案不是可讀取的圖片（PNG、JPEG 或 WebP）。",
        "image.truncated": "圖片檔案損壞或不完整，請重新傳送。",
        "image.too_many_pixels": "圖片有 {megapixels} 百萬像素，上限是 {limit_mp} 百萬像素。",
        "image.too_small": "圖片為 {width}×{height} 像素，每邊至少要 {minimum} 像素。",
        "queue.user_pending_cap": (
            "你已經有 {count} 支影片在排隊（上限 {limit} 支），請等其中一支完成後再試。"
        ),
        "job.not_found": "找不到工作 {job_id}。",
        "job.not_cancellable": "工作 {job_id} 目前狀態為{state}，無法取消。",
        "state.awaiting_consent": "等待確認同意",
        "state.queued": "排隊中",
        "state.running": "生成中",
        "state.done": "已完成",
        "state.failed": "失敗",
        "state.cancelled": "已取消",
        "clip.not_found": "這支影片已經不存在了。",
        "job.failed": "影片生成失敗（工作 {job_id}）：{reason}",
        "job.failed_retries": "這個工作已失敗 {attempts} 次：{error}",
        "job.out_of_memory": "GPU 記憶體不足，請減少秒數或改用較小的比例。",
        "job.cancelled": "工作 {job_id} 已取消。",
        "job.interrupted": "工作在生成途中被取消了。",
        "job.pipeline_error": "影片模型發生錯誤：{error}",
        "config.invalid": "設定 {variable} 無效：{reason}（共 {count} 個問題）。",
        "request.extend_too_long": "這支影片長 {current} 秒，再延長 {added} 秒會超過 {limit} 秒的上限。",
        "request.extend_other_size": (
            "這支影片無法延長：能接續它的模型（{preset}）輸出 {child_size}、每秒 {child_fps} 格，"
            "原影片是 {parent_size}、每秒 {parent_fps} 格。"
        ),
        "job.not_yours": "工作 {job_id} 是別人的。",
        "clip.delete_forbidden": "只有影片作者或管理員可以刪除。",
        "service.part_failed": "{part} 已停止：{error}",
        "service.redis_unreachable": "無法連線到 Redis（{where}），請確認它正在執行（REELBOT_REDIS_URL）。",
        "service.database_unreachable": (
            "無法連線到資料庫（{where}），請確認它正在執行（REELBOT_DATABASE_URL）。"
        ),
        "image.missing": "這個工作的參考圖已不在儲存空間中，請重新傳送。",
    },
}
