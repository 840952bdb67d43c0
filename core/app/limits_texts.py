"""Message keys of the service's limits and intake, in English and Traditional Chinese."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "limits.rate_person": (
            "You made {count} clips in the last hour (limit {limit}). Try again in about {minutes} min."
        ),
        "limits.rate_community": (
            "This server or group made {count} clips in the last hour (limit {limit}). Try again in "
            "about {minutes} min."
        ),
        "media.storage_unavailable": (
            "I couldn't save your images right now (the media storage is full or unavailable). "
            "Nothing was queued; please try again in a few minutes."
        ),
        "request.reference_unknown": (
            "Reference image {sha256} is not stored here. Send the image itself instead of its hash."
        ),
        "request.idempotency_key_invalid": (
            "The request id must be 1–{limit} printable characters (got {length})."
        ),
        "request.field_invalid": "The field {field} contains characters that can't be stored.",
        "action.unknown": "There is no clip action called {action}.",
    },
    ZH_TW: {
        "limits.rate_person": (
            "你在過去一小時已經生成 {count} 支影片（上限 {limit} 支），請約 {minutes} 分鐘後再試。"
        ),
        "limits.rate_community": (
            "這個伺服器或群組在過去一小時已經生成 {count} 支影片（上限 {limit} 支），"
            "請約 {minutes} 分鐘後再試。"
        ),
        "media.storage_unavailable": (
            "目前無法儲存你的圖片（媒體空間已滿或暫時無法使用），沒有排入任何影片，請過幾分鐘再試。"
        ),
        "request.reference_unknown": "這裡沒有參考圖片 {sha256}，請直接傳送圖片本身，而不是它的雜湊值。",
        "request.idempotency_key_invalid": (
            "請求編號必須是 1 到 {limit} 個可列印字元（目前是 {length} 個）。"
        ),
        "request.field_invalid": "欄位 {field} 含有無法儲存的字元。",
        "action.unknown": "沒有名為 {action} 的影片動作。",
    },
}
