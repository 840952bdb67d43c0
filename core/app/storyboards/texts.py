"""Texts of chat storyboards (owner checks, missing boards, failed shots)."""

from reelbot.domain.messages import EN, ZH_TW

TEXTS = {
    EN: {
        "storyboard.not_yours": "Only the person who started storyboard {board_id} can change it.",
        "storyboard.not_found": "Storyboard {board_id} no longer exists.",
        "storyboard.shot_failed": (
            "Shot {shot} of storyboard {board_id} did not render ({state}); re-roll that shot to "
            "finish the draft."
        ),
    },
    ZH_TW: {
        "storyboard.not_yours": "只有建立分鏡 {board_id} 的人可以修改它。",
        "storyboard.not_found": "分鏡 {board_id} 已不存在。",
        "storyboard.shot_failed": (
            "分鏡 {board_id} 的第 {shot} 個鏡頭沒有完成（{state}），請重新生成這個鏡頭來完成草稿。"
        ),
    },
}
