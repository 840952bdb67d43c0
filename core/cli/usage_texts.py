# ruff: noqa: E501 - catalogue texts read best unbroken
"""What the command line says when it is typed wrong (core/cli/usage.py), in en and zh-TW."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "cli.usage.help": "Try `{command} --help`.",
        "cli.usage.missing": "`{command}` needs {name}.",
        "cli.usage.no_such_option": "`{command}` has no option {name}.",
        "cli.usage.no_such_option_near": "`{command}` has no option {name} (did you mean {near}?).",
        "cli.usage.needs_value": "{name} needs a value after it.",
        "cli.usage.takes_no_value": "{name} is a switch: it takes no value.",
        "cli.usage.one_of": "{name} takes one of: {choices}.",
        "cli.usage.range": "{name} takes a number from {low} to {high}.",
        "cli.usage.at_least": "{name} takes a number of at least {bound}.",
        "cli.usage.at_most": "{name} takes a number of at most {bound}.",
        "cli.usage.number": "{name} takes a number.",
        "cli.usage.invalid": "{name}: {reason}",
        "cli.usage.command": "`{command}` takes one of its commands: {names}.",
        "cli.usage.extra": '`{command}` got more words than it takes: put a prompt or caption of several words in quotes ("a red paper boat").',
        "cli.usage.other": "{reason}",
        "cli.role_without_image": "each --role needs an --image before it.",
        "cli.image_missing": "no such image file: {path}",
    },
    ZH_TW: {
        "cli.usage.help": "輸入 `{command} --help` 看用法。",
        "cli.usage.missing": "`{command}` 少了 {name}。",
        "cli.usage.no_such_option": "`{command}` 沒有 {name} 這個選項。",
        "cli.usage.no_such_option_near": "`{command}` 沒有 {name} 這個選項（是要用 {near} 嗎？）。",
        "cli.usage.needs_value": "{name} 後面要接一個值。",
        "cli.usage.takes_no_value": "{name} 是開關，後面不接值。",
        "cli.usage.one_of": "{name} 只能是：{choices}。",
        "cli.usage.range": "{name} 要是 {low} 到 {high} 之間的數字。",
        "cli.usage.at_least": "{name} 要是 {bound} 以上的數字。",
        "cli.usage.at_most": "{name} 要是 {bound} 以下的數字。",
        "cli.usage.number": "{name} 要是數字。",
        "cli.usage.invalid": "{name} 的值不對：{reason}",
        "cli.usage.command": "`{command}` 後面要接一個指令：{names}。",
        "cli.usage.extra": '`{command}` 收到多餘的字：有空格的提示詞或字幕，請整段用引號括起來（"一艘紅色紙船"）。',
        "cli.usage.other": "指令用法不對：{reason}",
        "cli.role_without_image": "每個 --role 前面都要先有一個 --image。",
        "cli.image_missing": "找不到圖片檔：{path}",
    },
}
