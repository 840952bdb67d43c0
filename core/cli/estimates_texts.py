"""What ``reelbot estimates`` prints (the refit table's header and notes), in en and zh-TW."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "estimates.header": "preset  mode  samples  median s/clip  scale  source",
        "estimates.source.measured": "measured",
        "estimates.source.profile": "profile",
        "estimates.note": (
            "median of the newest {last_n} finished jobs per preset and mode (measured ÷ profile "
            "scales the profile); below {min_samples} samples the profile alone is used"
        ),
    },
    ZH_TW: {
        "estimates.header": "模型  模式  樣本數  每支影片中位數（秒）  倍率  來源",
        "estimates.source.measured": "實測",
        "estimates.source.profile": "模型估算",
        "estimates.note": (
            "每個模型與模式取最近 {last_n} 次完成的工作之中位數（實測 ÷ 模型估算，作為估算的倍率）；"
            "樣本少於 {min_samples} 次時只用模型估算"
        ),
    },
}
