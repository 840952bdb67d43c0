"""Texts of the LINE creator-control keywords (速度, 動態, 鏡頭, 循環, 轉場): the refusals of an
unknown value, each listing the accepted words in the reader's language.

Kept beside :mod:`reelbot.bots.line.syntax` (which raises them) and apart from ``texts.py`` so
the word lists and their refusals change together; tests check every value of the domain's
enums is named in both languages.
"""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    ZH_TW: {
        "line.speed_invalid": (
            "不支援的速度「{value}」。請選擇：速度:快（草稿，最快）、速度:平衡、速度:品質（最精緻）。"
        ),
        "line.motion_invalid": "不支援的動態「{value}」。請選擇：動態:低（輕柔）或 動態:高（動感）。",
        "line.camera_invalid": (
            "不支援的鏡頭「{value}」。請選擇：鏡頭:固定、鏡頭:左移、鏡頭:右移、鏡頭:推近、"
            "鏡頭:拉遠、鏡頭:環繞。"
        ),
        "line.loop_invalid": "看不懂循環「{value}」。請寫 循環:是 或 循環:否（或只寫「循環」）。",
        "line.transition_invalid": ("不支援的轉場「{value}」。請選擇：轉場:硬切 或 轉場:淡入淡出。"),
        "line.option_storyboard_only": "「{option}」只能用在分鏡的第一行（輸入「分鏡」看寫法）。",
    },
    EN: {
        "line.speed_invalid": (
            "Unknown speed {value}. Choose speed:draft (fastest), speed:balanced or speed:quality (finest)."
        ),
        "line.motion_invalid": "Unknown motion {value}. Choose motion:low (gentle) or motion:high (dynamic).",
        "line.camera_invalid": (
            "Unknown camera move {value}. Choose camera:static, camera:pan_left, camera:pan_right, "
            "camera:zoom_in, camera:zoom_out or camera:orbit."
        ),
        "line.loop_invalid": "I can't read loop {value}. Write loop:on or loop:off (or just /loop).",
        "line.transition_invalid": (
            "Unknown transition {value}. Choose transition:cut or transition:crossfade."
        ),
        "line.option_storyboard_only": (
            "{option} only works on the first line of a storyboard (send storyboard to see how)."
        ),
    },
}
