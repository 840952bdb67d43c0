"""Message keys of the creator-control features (extend, loop, storyboard), en + zh-TW."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "extend.mismatch": (
            "The new segment does not match the clip it continues ({what}: {parent} vs {child})."
        ),
        "storyboard.missing_file": "I can't find the storyboard file {path}.",
        "storyboard.unreadable": "The storyboard file {path} is not valid {format}: {error}",
        "storyboard.invalid": "Storyboard problem at {where}: {error}",
        "storyboard.no_shots": "The storyboard has no shots; add at least one.",
        "storyboard.too_many_shots": "The storyboard has {count} shots; the limit is {limit}.",
        "storyboard.shot_seconds": (
            "Shot {shot} lasts {value} seconds; each shot must last {minimum} to {maximum} seconds."
        ),
        "storyboard.too_long": "The storyboard adds up to {total} seconds; the limit is {limit} seconds.",
        "storyboard.shot_unknown": "There is no shot {shot}; the storyboard has shots 1 to {count}.",
        "storyboard.reference_missing": "Shot {shot}: the image {path} does not exist.",
    },
    ZH_TW: {
        "extend.mismatch": "新片段與原本的影片不一致（{what}：{parent} 與 {child}）。",
        "storyboard.missing_file": "找不到分鏡檔 {path}。",
        "storyboard.unreadable": "分鏡檔 {path} 不是有效的 {format}：{error}",
        "storyboard.invalid": "分鏡檔在 {where} 有問題：{error}",
        "storyboard.no_shots": "分鏡裡沒有任何鏡頭，請至少加入一個。",
        "storyboard.too_many_shots": "分鏡有 {count} 個鏡頭，上限是 {limit} 個。",
        "storyboard.shot_seconds": (
            "第 {shot} 個鏡頭長 {value} 秒，每個鏡頭必須介於 {minimum} 到 {maximum} 秒。"
        ),
        "storyboard.too_long": "分鏡總長 {total} 秒，上限是 {limit} 秒。",
        "storyboard.shot_unknown": "沒有第 {shot} 個鏡頭，這份分鏡只有第 1 到第 {count} 個鏡頭。",
        "storyboard.reference_missing": "第 {shot} 個鏡頭：找不到圖片 {path}。",
    },
}
