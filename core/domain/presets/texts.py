"""Message keys of presets, speed modes and memory plans (en + zh-TW)."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "request.seconds_needs_extend": (
            "Preset {preset} makes at most {maximum} seconds in one pass (you asked for {value}). "
            "Make a shorter clip, then use Extend to continue it."
        ),
        "request.speed_unsupported": ("Preset {preset} has no {mode} mode. It offers: {choices}."),
        "storyboard.speed_unsupported": (
            "Shot {shot} asks for {mode} mode, but preset {preset} has none. It offers: {choices}."
        ),
        "request.preset_too_big": (
            "Preset {preset} does not fit this server's {card} GB GPU. Presets that fit: {choices}."
        ),
        "generator.card_too_small": (
            "Preset {preset} needs about {needed} GB of GPU memory even with offloading; this GPU has "
            "{card} GB. Presets that fit: {choices}."
        ),
        "generator.lora_missing": (
            "Draft mode of preset {preset} is not available on this server right now: its distilled "
            "weights are missing. Try quality or balanced; the server's log names the file."
        ),
        "generator.lora_mismatch": (
            "Draft mode of preset {preset} is not available on this server right now: its distilled "
            "weights do not fit the model. Try quality or balanced; the server's log has the details."
        ),
        "preset.licence.ltx2": (
            "Preset {preset} uses the LTX-2 Community License: free below its revenue threshold "
            "(US$10M a year); above it, commercial use needs a licence from Lightricks. See docs/presets.md."
        ),
    },
    ZH_TW: {
        "request.seconds_needs_extend": (
            "模型 {preset} 一次最多只能生成 {maximum} 秒（你要求 {value} 秒）。"
            "請先生成較短的影片，再用「延長」接續。"
        ),
        "request.speed_unsupported": "模型 {preset} 沒有 {mode} 模式，可選的模式有：{choices}。",
        "storyboard.speed_unsupported": (
            "第 {shot} 個鏡頭要用 {mode} 模式，但模型 {preset} 沒有這個模式，可選的模式有：{choices}。"
        ),
        "request.preset_too_big": (
            "模型 {preset} 放不進這台伺服器 {card} GB 的 GPU，放得下的模型有：{choices}。"
        ),
        "generator.card_too_small": (
            "模型 {preset} 即使分批載入也需要約 {needed} GB 的 GPU 記憶體，這張 GPU 只有 {card} GB。"
            "放得下的模型有：{choices}。"
        ),
        "generator.lora_missing": (
            "這台伺服器目前無法使用模型 {preset} 的草稿（快速）模式：缺少它的蒸餾權重。"
            "請改用品質或平衡模式；檔案位置已記在伺服器的紀錄裡。"
        ),
        "generator.lora_mismatch": (
            "這台伺服器目前無法使用模型 {preset} 的草稿（快速）模式：它的蒸餾權重和模型不相符。"
            "請改用品質或平衡模式；詳細原因已記在伺服器的紀錄裡。"
        ),
        "preset.licence.ltx2": (
            "模型 {preset} 採用 LTX-2 社群授權：年營收低於門檻（1,000 萬美元）可免費使用；"
            "超過門檻的商業使用須向 Lightricks 取得授權。詳見 docs/presets.md。"
        ),
    },
}

TEXTS = TEXTS
