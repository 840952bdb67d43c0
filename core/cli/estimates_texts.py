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
        "estimates.task_header": "task  unit  samples  median s/unit  fixed s  s/unit  scale  source",
        "estimates.unit.output_s": "s of finished video",
        "estimates.unit.track_s": "s of track",
        "estimates.task_note": (
            "tasks are charged fixed s + s/unit × units (the profile × scale); the scale is the "
            "median of measured ÷ profile over the newest {last_n} done tasks of the kind, the "
            "profile alone below {min_samples}"
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
        "estimates.task_header": (
            "工作  單位  樣本數  每單位中位數（秒）  固定（秒）  每單位（秒）  倍率  來源"
        ),
        "estimates.unit.output_s": "輸出影片秒數",
        "estimates.unit.track_s": "音樂秒數",
        "estimates.task_note": (
            "工作的費用＝固定秒數＋每單位秒數×單位數（模型估算×倍率）；倍率取該類工作最近 {last_n} 次完成的"
            "實測 ÷ 模型估算之中位數，樣本少於 {min_samples} 次時只用模型估算"
        ),
    },
}
