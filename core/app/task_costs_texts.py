"""Message keys of :mod:`reelbot.app.task_costs`: a video and the Short asked for with it
would go over a quota (en and zh-TW). The ``quota.short_*`` parts are filled in as
:class:`~reelbot.domain.messages.Term` fields, so each reader gets them in their language."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

_EN_TAIL = " — {over} over. {who} resets at {resets}. Nothing was queued.{hint}"

TEXTS = {
    EN: {
        "quota.exceeded_short_user_daily": (
            "{lead} need about {needed} GPU-seconds ({work_s} for {work}, {tasks_s} {tasks}), but you "
            "have {remaining} left today (limit {limit})" + _EN_TAIL.replace("{who}", "Your quota")
        ),
        "quota.exceeded_short_user_monthly": (
            "{lead} need about {needed} GPU-seconds ({work_s} for {work}, {tasks_s} {tasks}), but you "
            "have {remaining} left this month (limit {limit})" + _EN_TAIL.replace("{who}", "Your quota")
        ),
        "quota.exceeded_short_community_daily": (
            "{lead} need about {needed} GPU-seconds ({work_s} for {work}, {tasks_s} {tasks}), but this "
            "server or group has {remaining} left today (limit {limit})"
            + _EN_TAIL.replace("{who}", "The quota")
        ),
        "quota.exceeded_short_community_monthly": (
            "{lead} need about {needed} GPU-seconds ({work_s} for {work}, {tasks_s} {tasks}), but this "
            "server or group has {remaining} left this month (limit {limit})"
            + _EN_TAIL.replace("{who}", "The quota")
        ),
        "quota.short_lead_clip": "This video and the Short you asked for",
        "quota.short_lead_board": "This storyboard and the Short you asked for",
        "quota.short_work_clip": "the video",
        "quota.short_work_board": "its shots",
        "quota.short_tasks_finish": "to finish it as a Short",
        "quota.short_tasks_music": "to compose its music and finish it as a Short",
        "quota.short_hint_clip_fits": " Without audio, music and caption, the video alone fits.",
        "quota.short_hint_clip_over": " The video alone would not fit either.",
        "quota.short_hint_board_fits": " Without audio, music and caption, the storyboard alone fits.",
        "quota.short_hint_board_over": " The storyboard alone would not fit either.",
    },
    ZH_TW: {
        "quota.exceeded_short_user_daily": (
            "{lead}大約需要 {needed} GPU 秒（{work}約 {work_s}，{tasks}約 {tasks_s}），但你今天只剩 "
            "{remaining}（上限 {limit}），超出 {over}。額度將於 {resets} 重置，沒有排入任何工作。{hint}"
        ),
        "quota.exceeded_short_user_monthly": (
            "{lead}大約需要 {needed} GPU 秒（{work}約 {work_s}，{tasks}約 {tasks_s}），但你本月只剩 "
            "{remaining}（上限 {limit}），超出 {over}。額度將於 {resets} 重置，沒有排入任何工作。{hint}"
        ),
        "quota.exceeded_short_community_daily": (
            "{lead}大約需要 {needed} GPU 秒（{work}約 {work_s}，{tasks}約 {tasks_s}），但這個伺服器或"
            "群組今天只剩 {remaining}（上限 {limit}），超出 {over}。額度將於 {resets} 重置，"
            "沒有排入任何工作。{hint}"
        ),
        "quota.exceeded_short_community_monthly": (
            "{lead}大約需要 {needed} GPU 秒（{work}約 {work_s}，{tasks}約 {tasks_s}），但這個伺服器或"
            "群組本月只剩 {remaining}（上限 {limit}），超出 {over}。額度將於 {resets} 重置，"
            "沒有排入任何工作。{hint}"
        ),
        "quota.short_lead_clip": "這支影片加上你要的 Shorts ",
        "quota.short_lead_board": "這個分鏡腳本加上你要的 Shorts ",
        "quota.short_work_clip": "影片",
        "quota.short_work_board": "各個鏡頭",
        "quota.short_tasks_finish": "輸出成 Shorts ",
        "quota.short_tasks_music": "生成音樂並輸出成 Shorts ",
        "quota.short_hint_clip_fits": "不加音訊、音樂和字幕的話，只做影片的額度還夠。",
        "quota.short_hint_clip_over": "只做影片的額度也不夠。",
        "quota.short_hint_board_fits": "不加音訊、音樂和字幕的話，只做分鏡草稿的額度還夠。",
        "quota.short_hint_board_over": "只做分鏡草稿的額度也不夠。",
    },
}
