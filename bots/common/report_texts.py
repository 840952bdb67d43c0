"""How a clip's render report reads in Info, in en and zh-TW."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "report.line": (
            "Render: {mode} · {steps} steps · {passes} transformer passes ({skipped} answered by the "
            "cache) · attention {backend} · {plan} · {gpu_s} GPU-seconds{extra}"
        ),
        "report.peak": " · peak GPU memory {mb} MB",
        "report.lora": " · distilled weights {lora}",
    },
    ZH_TW: {
        "report.line": (
            "生成：{mode}・{steps} 步・Transformer 運算 {passes} 次（其中 {skipped} 次由快取回答）・"
            "注意力 {backend}・{plan}・GPU {gpu_s} 秒{extra}"
        ),
        "report.peak": "・GPU 記憶體峰值 {mb} MB",
        "report.lora": "・蒸餾權重 {lora}",
    },
}
