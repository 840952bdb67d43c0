# ruff: noqa: E501 - catalogue texts read best unbroken
"""What the command line says to an operator (``reelbot doctor``, ``reelbot discord invite-url``,
the end of ``reelbot demo``), in en and zh-TW; the terminal's locale picks (core/cli/lang.py)."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "cli.error": "error: ",
        "cli.job_id_invalid": "“{value}” is not a job id: use the full id that `reelbot enqueue` printed.",
        "cli.enqueue.ticket": "job {job} {state}, position {position}",
        "cli.enqueue.duplicate": "job {job} {state}, position {position} (already queued with this key)",
        "cli.demo.queued": "queued job {job} (position {position}) on Redis at {where}",
        "cli.demo.rendering": "worker rendering…",
        "cli.serve.serving": "serving: {parts} (Ctrl-C to stop)",
        "cli.generate.loading": "loading {preset}",
        "cli.generate.denoising": "denoising",
        "cli.generate.encoding": "encoding",
        "cli.generate.done": "done {path} ({width}×{height}, {frames} frames @ {fps} fps, {kib} KiB, seed {seed}, preset {preset}) thumbnail {thumbnail} in {seconds} s",
        "cli.demo.failed": "the demo job did not finish: {reason}",
        "cli.demo.done": "done in {seconds} s: {width}×{height}, {frames} frames @ {fps} fps, {kib} KiB, preset {preset}, seed {seed}",
        "cli.storyboard.shot_rendering": "shot {shot}/{count}: rendering",
        "cli.storyboard.shot_cached": "shot {shot}/{count}: unchanged, kept",
        "cli.storyboard.done": "done: {shots} shots, draft {draft} ({width}×{height}, {seconds} s @ {fps} fps, preset {preset}), contact sheet {sheet}",
        "doctor.torch_missing": "torch is not installed: run `make install` (CPU) or `make install-cuda` (GPU).",
        "doctor.gpu_none": (
            "no CUDA GPU visible to torch {torch} (CUDA: {cuda}): only the tiny presets run "
            "(REELBOT_PRESET={preset}). On a GPU machine: `make install-cuda`, then check `nvidia-smi`."
        ),
        "doctor.gpu_ok": "{name}, {gb} GB ({count} GPU) · torch {torch}, CUDA {cuda}",
        "doctor.ffmpeg_missing": "ffmpeg not found ({error}): `make install` brings imageio-ffmpeg's binary.",
        "doctor.ffmpeg_ok": "ffmpeg {version} ({path})",
        "doctor.redis_unreachable": (
            "Redis does not answer at {where}: start it (`make redis`) or set REELBOT_REDIS_URL."
        ),
        "doctor.redis_sentinel": "Redis Sentinel at {where}: persistence is not checked here; check the primary.",
        "doctor.redis_config_hidden": (
            "Redis {version} at {where} answers, but hides CONFIG: make sure it persists (appendonly yes)."
        ),
        "doctor.redis_aof": "Redis {version} at {where}, appendonly yes: queued jobs survive a restart.",
        "doctor.redis_snapshots": (
            'Redis {version} at {where} keeps snapshots only (save "{save}"): a crash loses the last '
            "minutes of the queue. Set `appendonly yes` (redis.conf, or CONFIG SET appendonly yes)."
        ),
        "doctor.redis_volatile": (
            'Redis {version} at {where} keeps nothing across a restart (appendonly no, save ""): set '
            "`appendonly yes` in redis.conf (or run redis-server --appendonly yes)."
        ),
        "doctor.database_url_invalid": (
            "REELBOT_DATABASE_URL is not a database URL reelbot can use (sqlite:///… or postgresql+psycopg://…)."
        ),
        "doctor.database_unreachable": "the database at {where} does not answer: start it or fix REELBOT_DATABASE_URL.",
        "doctor.database_ok": "{dialect} at {where}",
        "doctor.platform_off": "{platform}: not configured (its token/secret variables are not set).",
        "doctor.platform_bad": "{platform}: {reason}",
        "doctor.platform_ok": "{platform}: secrets present (not shown).",
        "doctor.platform_none": (
            "no chat platform configured: set REELBOT_DISCORD_TOKEN, or REELBOT_LINE_CHANNEL_SECRET and "
            "REELBOT_LINE_CHANNEL_ACCESS_TOKEN (README: Run it for your server)."
        ),
        "doctor.https_not_needed": "media at {url} (public HTTPS is needed only for LINE).",
        "doctor.https_not_https": (
            "LINE fetches clips itself and needs HTTPS: REELBOT_MEDIA_BASE_URL is {url}. Put Caddy or a "
            "tunnel in front (README: HTTPS from home)."
        ),
        "doctor.https_private": (
            "REELBOT_MEDIA_BASE_URL {url} is not reachable from the internet (a local address); LINE "
            "must be able to fetch it."
        ),
        "doctor.https_ok": "media at {url} (HTTPS; check that LINE can reach it from outside).",
        "doctor.check_crashed": "this check failed unexpectedly ({error}); run with REELBOT_LOG_LEVEL=DEBUG.",
        "doctor.summary_ok": "Nothing required is missing. Next: `reelbot serve`.",
        "doctor.summary_missing": "{count} required thing(s) missing (✗ above).",
        "verify.yes": "yes",
        "verify.no": "no",
        "verify.c2pa_valid": "valid",
        "verify.c2pa_invalid": "INVALID",
        "verify.c2pa_missing": "missing",
        "verify.no_manifest": "— (no C2PA manifest)",
        "verify.untrusted": " — the signer is not on a public trust list (expected for your own certificate)",
        "verify.details": "AI-generated assertion in the credentials: {assertion}; moov before mdat: {moov}",
        "verify.problem": "problem: {problem}",
        "verify.verdict_ok": "✓ {path} is AI-generated by reelbot: labelled, with valid content credentials signed by {generator}{trust}.",
        "verify.verdict_label_only": (
            "! {path} is labelled AI-generated in its metadata only; it carries no signed content credentials (C2PA). "
            "To sign every clip, set REELBOT_PROVENANCE__CERT_FILE (PEM chain, leaf first) and "
            "REELBOT_PROVENANCE__KEY_FILE (its private key); docs/responsible.md shows how to make a test certificate."
        ),
        "verify.verdict_invalid": "✗ {path} has content credentials that do not verify: {problems}",
        "verify.verdict_foreign": "! {path} has valid content credentials ({generator}), but they do not say it was AI-generated by reelbot.",
        "verify.verdict_nothing": "✗ {path} has no AI-generated label and no content credentials (not made by reelbot, or its metadata was stripped).",
        "verify.signed_local": "signed: the clip carries C2PA content credentials (check with `reelbot verify`).",
        "verify.unsigned_local": (
            "not signed: only the AI-generated label in the metadata. Set REELBOT_PROVENANCE__CERT_FILE and "
            "REELBOT_PROVENANCE__KEY_FILE to add C2PA content credentials."
        ),
        "invite.url": "Open this link to add the bot to a server you manage:\n{url}",
        "invite.permissions": ("Permissions {permissions}: {names}. Scopes: bot, applications.commands."),
        "invite.no_client_id": (
            "No application id: pass --client-id (Developer Portal → your app → General Information), "
            "or set REELBOT_DISCORD_TOKEN."
        ),
        "demo.what": (
            "What you got: a {width}×{height} clip from the tiny preset. Its weights are random by "
            "design (it proves the path, not the picture), so it shows abstract colour fields."
        ),
        "demo.where": "Look at it: clip {clip} · contact sheet {sheet} · page {page}",
        "demo.where_no_sheet": "Look at it: clip {clip} · first frame {thumbnail} · page {page}",
        "demo.page_hint": "(the page needs the media server: run `reelbot serve` in another terminal)",
        "demo.next": "A real model on a GPU: `make install-cuda`, then `{command}`",
    },
    ZH_TW: {
        "cli.error": "錯誤：",
        "cli.job_id_invalid": "「{value}」不是工作編號：請用 `reelbot enqueue` 顯示的完整編號。",
        "cli.enqueue.ticket": "工作 {job}：{state}，排在第 {position} 位",
        "cli.enqueue.duplicate": "工作 {job}：{state}，排在第 {position} 位（這個鍵已經排過，沒有重複排入）",
        "cli.demo.queued": "已排入工作 {job}（第 {position} 位，Redis {where}）",
        "cli.demo.rendering": "工作節點正在生成影片…",
        "cli.serve.serving": "服務中：{parts}（按 Ctrl-C 停止）",
        "cli.generate.loading": "載入 {preset}",
        "cli.generate.denoising": "生成中",
        "cli.generate.encoding": "編碼中",
        "cli.generate.done": "完成 {path}（{width}×{height}，{frames} 格，{fps} fps，{kib} KiB，種子 {seed}，模型 {preset}），縮圖 {thumbnail}，用了 {seconds} 秒",
        "cli.demo.failed": "示範工作沒有完成：{reason}",
        "cli.demo.done": "完成，用了 {seconds} 秒：{width}×{height}，{frames} 格，{fps} fps，{kib} KiB，模型 {preset}，種子 {seed}",
        "cli.storyboard.shot_rendering": "第 {shot}/{count} 個鏡頭：生成中",
        "cli.storyboard.shot_cached": "第 {shot}/{count} 個鏡頭：沒有變，沿用",
        "cli.storyboard.done": "完成：{shots} 個鏡頭，草稿 {draft}（{width}×{height}，{seconds} 秒，{fps} fps，模型 {preset}），縮圖總覽 {sheet}",
        "doctor.torch_missing": "尚未安裝 torch：請執行 `make install`（CPU）或 `make install-cuda`（GPU）。",
        "doctor.gpu_none": (
            "torch {torch} 看不到 CUDA GPU（CUDA：{cuda}）：只能使用 tiny 模型（REELBOT_PRESET={preset}）。"
            "在有 GPU 的機器上請執行 `make install-cuda`，再用 `nvidia-smi` 確認。"
        ),
        "doctor.gpu_ok": "{name}，{gb} GB（{count} 張 GPU）· torch {torch}，CUDA {cuda}",
        "doctor.ffmpeg_missing": "找不到 ffmpeg（{error}）：`make install` 會安裝 imageio-ffmpeg 內附的執行檔。",
        "doctor.ffmpeg_ok": "ffmpeg {version}（{path}）",
        "doctor.redis_unreachable": "{where} 的 Redis 沒有回應：請啟動它（`make redis`）或設定 REELBOT_REDIS_URL。",
        "doctor.redis_sentinel": "{where} 是 Redis Sentinel：這裡不檢查持久化，請到主節點確認。",
        "doctor.redis_config_hidden": (
            "{where} 的 Redis {version} 有回應，但不開放 CONFIG：請確認它有持久化（appendonly yes）。"
        ),
        "doctor.redis_aof": "{where} 的 Redis {version}，appendonly yes：重新啟動後排隊中的工作不會遺失。",
        "doctor.redis_snapshots": (
            '{where} 的 Redis {version} 只有快照（save "{save}"）：當機時會遺失最後幾分鐘的佇列。'
            "請設定 `appendonly yes`（redis.conf 或 CONFIG SET appendonly yes）。"
        ),
        "doctor.redis_volatile": (
            '{where} 的 Redis {version} 重新啟動後什麼都不會保留（appendonly no、save ""）：'
            "請在 redis.conf 設定 `appendonly yes`（或執行 redis-server --appendonly yes）。"
        ),
        "doctor.database_url_invalid": (
            "REELBOT_DATABASE_URL 不是 reelbot 能使用的資料庫網址（sqlite:///… 或 postgresql+psycopg://…）。"
        ),
        "doctor.database_unreachable": "{where} 的資料庫沒有回應：請啟動它或修正 REELBOT_DATABASE_URL。",
        "doctor.database_ok": "{where} 的 {dialect}",
        "doctor.platform_off": "{platform}：尚未設定（沒有設定它的權杖或密鑰變數）。",
        "doctor.platform_bad": "{platform}：{reason}",
        "doctor.platform_ok": "{platform}：密鑰已設定（不會顯示內容）。",
        "doctor.platform_none": (
            "沒有設定任何聊天平台：請設定 REELBOT_DISCORD_TOKEN，或 REELBOT_LINE_CHANNEL_SECRET 與 "
            "REELBOT_LINE_CHANNEL_ACCESS_TOKEN（見 README 的 Run it for your server）。"
        ),
        "doctor.https_not_needed": "媒體網址 {url}（只有 LINE 需要公開的 HTTPS）。",
        "doctor.https_not_https": (
            "LINE 會自己下載影片，必須是 HTTPS：REELBOT_MEDIA_BASE_URL 目前是 {url}。"
            "請在前面加上 Caddy 或通道服務（見 README 的 HTTPS from home）。"
        ),
        "doctor.https_private": "REELBOT_MEDIA_BASE_URL {url} 是本機或內網位址，LINE 無法從網際網路連到它。",
        "doctor.https_ok": "媒體網址 {url}（HTTPS；請確認 LINE 能從外部連到它）。",
        "doctor.check_crashed": "這項檢查意外失敗（{error}）；請設定 REELBOT_LOG_LEVEL=DEBUG 再執行一次。",
        "doctor.summary_ok": "必要的項目都齊全了。下一步：`reelbot serve`。",
        "doctor.summary_missing": "缺少 {count} 項必要的設定（上面標示 ✗ 的項目）。",
        "verify.yes": "有",
        "verify.no": "沒有",
        "verify.c2pa_valid": "有效",
        "verify.c2pa_invalid": "無效",
        "verify.c2pa_missing": "沒有",
        "verify.no_manifest": "—（沒有 C2PA 憑證）",
        "verify.untrusted": "（簽署者不在公開的信任清單上，使用自己的憑證時屬正常）",
        "verify.details": "憑證中的 AI 生成聲明：{assertion}；moov 在 mdat 之前：{moov}",
        "verify.problem": "問題：{problem}",
        "verify.verdict_ok": "✓ {path} 是 reelbot 生成的 AI 影片：有標示，且有 {generator} 簽署的有效內容憑證{trust}。",
        "verify.verdict_label_only": (
            "! {path} 只在中繼資料裡標示為 AI 生成，沒有簽署的內容憑證（C2PA）。"
            "要為每支影片簽署，請設定 REELBOT_PROVENANCE__CERT_FILE（PEM 憑證鏈，葉憑證在前）與 "
            "REELBOT_PROVENANCE__KEY_FILE（它的私鑰）；docs/responsible.md 說明如何產生測試用憑證。"
        ),
        "verify.verdict_invalid": "✗ {path} 的內容憑證驗證失敗：{problems}",
        "verify.verdict_foreign": "! {path} 有有效的內容憑證（{generator}），但沒有聲明是 reelbot 生成的 AI 影片。",
        "verify.verdict_nothing": "✗ {path} 沒有 AI 生成標示，也沒有內容憑證（不是 reelbot 生成的，或中繼資料已被移除）。",
        "verify.signed_local": "已簽署：影片帶有 C2PA 內容憑證（可用 `reelbot verify` 檢查）。",
        "verify.unsigned_local": (
            "未簽署：只有中繼資料裡的 AI 生成標示。設定 REELBOT_PROVENANCE__CERT_FILE 與 "
            "REELBOT_PROVENANCE__KEY_FILE 即可加上 C2PA 內容憑證。"
        ),
        "invite.url": "打開這個連結，把機器人加入你管理的伺服器：\n{url}",
        "invite.permissions": "權限 {permissions}：{names}。範圍：bot、applications.commands。",
        "invite.no_client_id": (
            "沒有應用程式 ID：請加上 --client-id（Developer Portal → 你的應用程式 → General Information），"
            "或設定 REELBOT_DISCORD_TOKEN。"
        ),
        "demo.what": (
            "你得到的是 tiny 模型生成的 {width}×{height} 影片。它的權重刻意是隨機的"
            "（用來驗證整條流程，而不是畫面），所以畫面是抽象的色塊。"
        ),
        "demo.where": "去看看：影片 {clip} · 縮圖總覽 {sheet} · 網頁 {page}",
        "demo.where_no_sheet": "去看看：影片 {clip} · 第一格 {thumbnail} · 網頁 {page}",
        "demo.page_hint": "（網頁需要媒體伺服器：在另一個終端機執行 `reelbot serve`）",
        "demo.next": "在 GPU 上用真正的模型：先 `make install-cuda`，再執行 `{command}`",
    },
}
