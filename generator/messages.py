"""Message keys owned by the generator (en + zh-TW), registered at import time."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW, register

register(
    {
        EN: {
            "request.seconds_needs_extend": (
                "Preset {preset} makes at most {maximum} seconds in one pass (you asked for {value}). "
                "Make a shorter clip, then use Extend to continue it."
            ),
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
            "request.seconds_needs_extend": (
                "預設 {preset} 一次最多只能生成 {maximum} 秒（你要求 {value} 秒）。"
                "請先生成較短的影片，再用「延伸」接續。"
            ),
            "generator.load_failed": "無法載入影片模型 {preset}：{error}",
            "generator.gpu_required": "預設 {preset} 需要 GPU，但這個工作節點沒有 GPU。",
            "encode.failed": "影片編碼失敗：{error}",
            "encode.too_large": "重新編碼後影片仍有 {size_mb} MB，上傳上限是 {limit_mb} MB，請減少秒數。",
            "encode.no_frames": "模型沒有產生任何影格可以編碼。",
        },
    }
)
