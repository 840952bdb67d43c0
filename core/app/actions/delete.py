"""Delete: remove the clip's media (its author or a moderator; the audit row stays)."""

from __future__ import annotations

from reelbot.app.actions import ClipAction, Style, register_action

ACTION = register_action(
    ClipAction(
        name="delete",
        emoji="🗑️",
        texts={"en": "Delete", "zh-TW": "刪除"},
        author_or_moderator=True,
        style=Style.DANGER,
        surfaces=frozenset({"discord", "cli"}),
    )
)
