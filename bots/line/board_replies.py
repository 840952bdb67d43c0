"""The quick replies of a LINE storyboard: the board's consent question, and under its draft
「輸出成 Shorts」 then "重拍第 N 鏡" per shot.

Kept apart from :mod:`reelbot.bots.line.boards` (submission and results) because they are
pure message building within LINE's limits (≤ 13 items, labels ≤ 20 characters). The answers
that are typed commands (同意 #board, 重拍 N #board) are message actions the syntax already
reads; Finish is a postback (``finish_draft:<board>``), like 輸出成 Shorts under a clip.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from linebot.v3.messaging import MessageAction, PostbackAction, QuickReply, QuickReplyItem

from reelbot.bots.common.status import shorten
from reelbot.bots.line import outgoing
from reelbot.domain.messages import render

if TYPE_CHECKING:
    from reelbot.app.storyboards import BoardStatus
    from reelbot.bots.line.config import LineConfig
    from reelbot.domain.types import Origin


def _message_items(pairs: list[tuple[str, str]], origin: Origin, config: LineConfig) -> list[QuickReplyItem]:
    """Quick replies that send a typed command as the person (trigger-prefixed in a group,
    where text needs one): no postback format of their own."""
    prefix = f"{config.triggers[0]} " if origin.guild_id else ""
    return [
        QuickReplyItem(
            action=MessageAction(label=shorten(label, config.quick_reply_label_max), text=prefix + text)
        )
        for label, text in pairs[: config.quick_reply_max_items]
    ]


def consent_quick_reply(board_id: uuid.UUID, origin: Origin, locale: str, config: LineConfig) -> QuickReply:
    """The two answers to a board's consent question: ``同意 #<board>`` / ``不同意 #<board>``."""
    short = str(board_id)[:8]
    yes = render("line.storyboard_consent_text", locale, board_id=short)
    no = render("line.storyboard_decline_text", locale, board_id=short)
    pairs = [(render("consent.confirm_label", locale), yes), (render("consent.decline_label", locale), no)]
    return QuickReply(items=_message_items(pairs, origin, config))


def _reroll_pairs(status: BoardStatus) -> list[tuple[str, str]]:
    locale, short = status.origin.locale, str(status.board_id)[:8]
    return [
        (
            render("line.storyboard_reroll_label", locale, shot=shot.number),
            render("line.storyboard_reroll_text", locale, shot=shot.number, board_id=short),
        )
        for shot in status.shots
    ]


def reroll_quick_reply(status: BoardStatus, config: LineConfig) -> QuickReply:
    """ "重拍第 N 鏡" per shot (LINE's first 13): message actions that send ``重拍 N #<board>`` as
    the person, so the typed command handles them."""
    return QuickReply(items=_message_items(_reroll_pairs(status), status.origin, config))


def draft_quick_reply(status: BoardStatus, config: LineConfig) -> QuickReply:
    """Under a draft: 「輸出成 Shorts」 (a ``finish_draft`` task with the person's waiting track
    and caption), then the re-rolls of as many shots as LINE's item limit leaves room for."""
    label = shorten(render("finish.button", status.origin.locale), config.quick_reply_label_max)
    data = outgoing.job_postback_data("finish_draft", status.board_id)
    finish = QuickReplyItem(action=PostbackAction(label=label, data=data, display_text=label))
    rerolls = _message_items(_reroll_pairs(status), status.origin, config)
    return QuickReply(items=[finish, *rerolls[: config.quick_reply_max_items - 1]])
