"""Texts of ``reelbot models``."""

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "models.pull_failed": "Could not download {repo}: {error}",
        "models.not_pullable": "Preset {preset} has no weights to download (it is built in).",
        "models.mismatch": (
            "{count} file(s) do not match the hub: {files}. Run the pull again to repair them."
        ),
        "models.pulled": "{preset}: {files} files, {size} verified against the hub.",
    },
    ZH_TW: {
        "models.pull_failed": "無法下載 {repo}：{error}",
        "models.not_pullable": "模型 {preset} 沒有需要下載的權重（內建）。",
        "models.mismatch": "有 {count} 個檔案與模型庫不符：{files}。請再執行一次下載來修復。",
        "models.pulled": "{preset}：{files} 個檔案，共 {size}，已與模型庫核對無誤。",
    },
}
