"""Message keys owned by the generator (en + zh-TW), registered at import time."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "generator.load_failed": "The video model {preset} could not be loaded: {error}",
        "generator.gpu_required": "Preset {preset} needs a GPU, and this worker has none.",
        "encode.failed": "The video could not be encoded: {error}",
        "encode.too_large": (
            "The video is still {size_mb} MB after re-encoding; the upload limit is {limit_mb} MB. "
            "Try fewer seconds."
        ),
        "encode.no_frames": "The model returned no frames to encode.",
    },
    ZH_TW: {
        "generator.load_failed": "無法載入影片模型 {preset}：{error}",
        "generator.gpu_required": "模型 {preset} 需要 GPU，但這個工作節點沒有 GPU。",
        "encode.failed": "影片編碼失敗：{error}",
        "encode.too_large": "重新編碼後影片仍有 {size_mb} MB，上傳上限是 {limit_mb} MB，請減少秒數。",
        "encode.no_frames": "模型沒有產生任何影格可以編碼。",
    },
}
