"""Message keys of the safety package, in English and Traditional Chinese.

Refusals say *why* in general terms and never quote the offending word back (a slur
echoed by the bot in a group chat is the bot saying it).
"""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "safety.refused.sexual": (
            "I can't make this video: the prompt asks for sexual or nude content, which reelbot doesn't "
            "generate. Please rephrase it."
        ),
        "safety.refused.minors": (
            "I can't make this video: it could sexualise minors. This is never allowed, and the "
            "request was logged for the moderators."
        ),
        "safety.refused.violence": (
            "I can't make this video: the prompt asks for graphic violence. Please rephrase it."
        ),
        "safety.refused.hate": (
            "I can't make this video: the prompt contains a slur or hateful language. Please rephrase it."
        ),
        "safety.refused.profanity": (
            "This server or group doesn't allow profanity in prompts. Please rephrase it."
        ),
        "safety.refused.custom": (
            "This server or group's admins have blocked a word in your prompt. Please rephrase it."
        ),
        "safety.refused.classifier": ("The content check flagged this prompt ({label}). Please rephrase it."),
        "safety.refused.image": (
            "One of your reference images didn't pass the content check ({label}). Please use another image."
        ),
        "safety.refused.image_text": (
            "Text embedded in one of your reference images didn't pass the content check. "
            "Please use another image."
        ),
        "safety.faces_forbidden": (
            "This server or group doesn't allow reference images that show a person's face. "
            "Please use an image without faces."
        ),
        "safety.face_image_unreadable": (
            "I couldn't check reference image {index} for faces: {reason}. Please send it again "
            "as PNG, JPEG or WebP."
        ),
        "consent.required": (
            "Your reference image shows a real person's face. Please confirm that you have their "
            "consent to make a video of them (job {job_id})."
        ),
        "consent.confirm_label": "I have their consent",
        "consent.decline_label": "Cancel",
        "consent.confirmed": "Thanks, consent recorded. Job {job_id} is now in the queue.",
        "consent.declined": "OK, job {job_id} was cancelled and will not be made.",
        "consent.not_yours": ("Only the person who uploaded the image can confirm consent for job {job_id}."),
        "consent.not_waiting": "Job {job_id} is not waiting for consent (it is {state}).",
        "quota.exceeded_user_daily": (
            "This video needs about {needed} GPU-seconds, but you have {remaining} left today "
            "(limit {limit}). Your quota resets at {resets}."
        ),
        "quota.exceeded_user_monthly": (
            "This video needs about {needed} GPU-seconds, but you have {remaining} left this month "
            "(limit {limit}). Your quota resets at {resets}."
        ),
        "quota.exceeded_community_daily": (
            "This video needs about {needed} GPU-seconds, but this server or group has "
            "{remaining} left today (limit {limit}). The quota resets at {resets}."
        ),
        "quota.exceeded_community_monthly": (
            "This video needs about {needed} GPU-seconds, but this server or group has "
            "{remaining} left this month (limit {limit}). The quota resets at {resets}."
        ),
        "quota.period.daily": "today",
        "quota.period.monthly": "this month",
        "quota.relaxed_notice": (
            "You've used your fast quota, so this video goes to the relaxed lane: it starts when "
            "the fast lane is free."
        ),
        "quota.config_invalid": "Quota setting {field} is invalid: {reason}",
        "usage.report_user": (
            "Your GPU use {period}: {used} of {limit} GPU-seconds ({remaining} left). "
            "A typical clip costs about {per_clip_s} GPU-seconds ≈ {cost} {currency}."
        ),
        "usage.report_community": (
            "This server or group's GPU use {period}: {used} of {limit} GPU-seconds ({remaining} left)."
        ),
        "usage.unlimited": "unlimited",
        "usage.tasks_part": " Of that, {task_s} went to Finish for Shorts and composing music.",
        "usage.held_part": (
            " Another {held_s} are held for the Short you asked for, until its video is ready."
        ),
        "provenance.sign_failed": "Could not sign the clip's content credentials: {error}",
        "provenance.not_found": "No clip file at {path}.",
        "provenance.problem.no_c2pa": (
            "c2pa-python is not installed, so the C2PA credentials were not checked."
        ),
        "provenance.problem.unreadable": "the C2PA credentials cannot be read ({detail}).",
        "provenance.problem.invalid": (
            "the C2PA credentials do not match the file ({detail}): it was changed after signing."
        ),
        "provenance.problem.not_mp4": "not an mp4 (no moov and mdat boxes).",
        "provenance.verify_summary": (
            "{path}: AI-generated label {ai}, C2PA manifest {c2pa}, signed by {generator}."
        ),
    },
    ZH_TW: {
        "safety.refused.sexual": (
            "無法製作這支影片：提示詞要求色情或裸露內容，reelbot 不會生成這類影片。請換個說法。"
        ),
        "safety.refused.minors": (
            "無法製作這支影片：內容可能涉及將未成年人性化。這絕對不被允許，此請求已記錄供管理員查看。"
        ),
        "safety.refused.violence": "無法製作這支影片：提示詞要求血腥暴力內容。請換個說法。",
        "safety.refused.hate": "無法製作這支影片：提示詞含有歧視或仇恨字眼。請換個說法。",
        "safety.refused.profanity": "這個伺服器或群組不允許在提示詞中使用髒話，請換個說法。",
        "safety.refused.custom": "這個伺服器或群組的管理員封鎖了你提示詞中的某個字詞，請換個說法。",
        "safety.refused.classifier": "內容檢查標記了這個提示詞（{label}），請換個說法。",
        "safety.refused.image": "你的其中一張參考圖未通過內容檢查（{label}），請換一張圖片。",
        "safety.refused.image_text": "你的其中一張參考圖內嵌的文字未通過內容檢查，請換一張圖片。",
        "safety.faces_forbidden": "這個伺服器或群組不允許使用含有人臉的參考圖，請改用沒有人臉的圖片。",
        "safety.face_image_unreadable": (
            "無法檢查第 {index} 張參考圖是否有人臉：{reason}。請以 PNG、JPEG 或 WebP 重新傳送。"
        ),
        "consent.required": (
            "你的參考圖中有真人的臉。請確認你已取得當事人同意，才能用他的樣貌製作影片（工作 {job_id}）。"
        ),
        "consent.confirm_label": "我已取得同意",
        "consent.decline_label": "取消",
        "consent.confirmed": "謝謝，已記錄同意。工作 {job_id} 已開始排隊。",
        "consent.declined": "好的，工作 {job_id} 已取消，不會製作。",
        "consent.not_yours": "只有上傳圖片的人可以為工作 {job_id} 確認同意。",
        "consent.not_waiting": "工作 {job_id} 並未等待同意確認（目前狀態：{state}）。",
        "quota.exceeded_user_daily": (
            "這支影片大約需要 {needed} GPU 秒，但你今天只剩 {remaining}（上限 {limit}），額度將於 {rese"
            "ts} 重置。"
        ),
        "quota.exceeded_user_monthly": (
            "這支影片大約需要 {needed} GPU 秒，但你本月只剩 {remaining}（上限 {limit}），額度將於 {rese"
            "ts} 重置。"
        ),
        "quota.exceeded_community_daily": (
            "這支影片大約需要 {needed} GPU 秒，但這個伺服器或群組今天只剩 {remaining}"
            "（上限 {limit}），額度將於 {resets} 重置。"
        ),
        "quota.exceeded_community_monthly": (
            "這支影片大約需要 {needed} GPU 秒，但這個伺服器或群組本月只剩 {remaining}"
            "（上限 {limit}），額度將於 {resets} 重置。"
        ),
        "quota.period.daily": "今天",
        "quota.period.monthly": "本月",
        "quota.relaxed_notice": "你的快速額度已用完，這支影片會排入慢速通道：等快速通道空出來才會開始。",
        "quota.config_invalid": "額度設定 {field} 無效：{reason}",
        "usage.report_user": (
            "你{period}的 GPU 用量：已用 {used} / {limit} GPU 秒（剩 {remaining}）。"
            "一支影片大約需要 {per_clip_s} GPU 秒 ≈ {cost} {currency}。"
        ),
        "usage.report_community": (
            "這個伺服器或群組{period}的 GPU 用量：已用 {used} / {limit} GPU 秒（剩 {remaining}）。"
        ),
        "usage.unlimited": "無上限",
        "usage.tasks_part": "其中 {task_s} 秒用於輸出成 Shorts 與生成音樂。",
        "usage.held_part": "另有 {held_s} 秒預留給影片完成後要輸出的 Shorts。",
        "provenance.sign_failed": "無法為影片簽署內容憑證：{error}",
        "provenance.not_found": "找不到影片檔案 {path}。",
        "provenance.problem.no_c2pa": "沒有安裝 c2pa-python，因此沒有檢查 C2PA 憑證。",
        "provenance.problem.unreadable": "無法讀取 C2PA 憑證（{detail}）。",
        "provenance.problem.invalid": "C2PA 憑證與檔案不符（{detail}）：簽署後檔案被改過。",
        "provenance.problem.not_mp4": "不是 mp4 檔（沒有 moov 與 mdat 區塊）。",
        "provenance.verify_summary": "{path}：AI 生成標示 {ai}，C2PA 憑證 {c2pa}，簽署者 {generator}。",
    },
}
