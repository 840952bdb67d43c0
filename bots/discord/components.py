"""Persistent buttons: one :class:`discord.ui.DynamicItem` parses every ``reelbot:<action>:<id>``.

Registered once with ``bot.add_dynamic_items`` in ``setup_hook``, so a click works in any
process, including one started after the message was sent — no view needs to be remembered.
The handlers live in the cogs and register themselves by name with :func:`button_handler`
(a dict filled by a decorator), so adding a button is a registry entry plus one handler.
The "another mode" select under a clip (``reelbot:modetake:<clip>``, :class:`ModeTakeSelect`)
is persistent the same way: a second dynamic item, its one handler set by cogs/remix.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from reelbot.bots.common.actions import CUSTOM_ID_PATTERN, PREFIX, Style, clip_actions, custom_id
from reelbot.bots.common.modes import mode_takes
from reelbot.bots.discord.replies import guarded
from reelbot.domain.messages import render

if TYPE_CHECKING:
    from reelbot.app.views import ClipView
    from reelbot.domain.settings import Settings

Handler = Callable[[discord.Interaction, uuid.UUID], Awaitable[None]]
#: A pick in a select: the interaction, the clip id from the custom_id, the chosen values.
SelectHandler = Callable[[discord.Interaction, uuid.UUID, list[str]], Awaitable[None]]

#: action name → coroutine handling a click on it (filled by the cogs' decorators).
HANDLERS: dict[str, Handler] = {}

#: Handlers of registry actions no cog decorated (set by cogs/remix.py: one generic handler).
FALLBACK: Callable[[str], Handler | None] | None = None


def handler_for(action: str) -> Handler | None:
    """The handler of a click on ``action``: a decorated one, else the generic one, else None."""
    handler = HANDLERS.get(action)
    if handler is None and FALLBACK is not None:
        handler = FALLBACK(action)
    return handler


_STYLES = {
    Style.PRIMARY: discord.ButtonStyle.primary,
    Style.SECONDARY: discord.ButtonStyle.secondary,
    Style.DANGER: discord.ButtonStyle.danger,
}

BUTTONS_PER_ROW = 5
ROWS = 5
SELECT_OPTIONS_MAX = 25

#: The name in the custom_id of the select that starts an action in another mode. It is no
#: button: :func:`handler_for` has no handler for it, so :class:`ReelButton` leaves it alone.
MODE_TAKE = "modetake"

#: Handler of a pick in the "another mode" select (set by cogs/remix.py), None until loaded.
MODE_TAKE_HANDLER: SelectHandler | None = None


def button_handler(action: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the handler of ``reelbot:<action>:<id>`` clicks."""

    def decorate(fn: Handler) -> Handler:
        existing = HANDLERS.get(action)
        # discord.py re-executes an extension module for each bot it is loaded into: same
        # function again is fine, a different one for the same action is a bug.
        if existing is not None and existing.__qualname__ != fn.__qualname__:
            raise ValueError(f"button handler {action!r} registered twice")
        HANDLERS[action] = fn
        return fn

    return decorate


class ReelButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CUSTOM_ID_PATTERN):
    """Any reelbot button; the action and target id travel in the custom_id only."""

    def __init__(
        self,
        action: str,
        target: uuid.UUID,
        *,
        label: str | None = None,
        emoji: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, emoji=emoji, style=style, custom_id=custom_id(action, target), row=row
            )
        )
        self.action = action
        self.target = target

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReelButton:
        label = getattr(item, "label", None)
        style = getattr(item, "style", discord.ButtonStyle.secondary)
        return cls(match["action"], uuid.UUID(match["id"]), label=label, style=style)

    async def callback(self, interaction: discord.Interaction) -> None:
        handler = handler_for(self.action)
        if handler is None:
            return  # RemixCog.on_interaction answers ids no handler takes: one answer, not two
        async with guarded(interaction, f"button {self.action}"):
            await handler(interaction, self.target)


class ModeTakeSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=rf"{PREFIX}:{MODE_TAKE}:(?P<id>[0-9a-f-]{{36}})",
):
    """The select under a clip whose options start an action in another speed mode; the clip id
    travels in the custom_id, the pick in the option's value (``reroll.quality``)."""

    def __init__(
        self,
        target: uuid.UUID,
        *,
        options: list[discord.SelectOption] | None = None,
        placeholder: str | None = None,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=custom_id(MODE_TAKE, target),
                options=options or [],
                placeholder=placeholder,
                row=row,
            )
        )
        self.target = target

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ModeTakeSelect:
        # A malformed id raises here (discord.py logs it); RemixCog.on_interaction answers it.
        target = uuid.UUID(match["id"])
        options, placeholder = getattr(item, "options", None), getattr(item, "placeholder", None)
        return cls(target, options=options, placeholder=placeholder)

    async def callback(self, interaction: discord.Interaction) -> None:
        if MODE_TAKE_HANDLER is None:
            return  # the remix extension is not loaded: nothing here to start
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        values = data.get("values")
        picked = [str(value) for value in values] if isinstance(values, list) else []
        async with guarded(interaction, f"select {MODE_TAKE}"):
            await MODE_TAKE_HANDLER(interaction, self.target, picked)


def clip_view(
    clip_id: uuid.UUID,
    locale: str | None,
    clip: ClipView | None = None,
    settings: Settings | None = None,
) -> discord.ui.View:
    """The buttons under a finished clip, from the action registry: generating actions first
    (rows of five), then the others (info, delete) on the next row. Given the ``clip`` and the
    settings, only the actions shown for it (Render in quality: under faster-mode clips), and
    below them one select of the same actions in the clip preset's other speed modes (none when
    the preset offers one mode): the buttons keep the clip's mode, the select is one pick away."""
    view = discord.ui.View(timeout=None)
    actions = clip_actions("discord", clip, settings)
    generating = [a for a in actions if a.generates]
    others = [a for a in actions if not a.generates]
    first_other_row = -(-len(generating) // BUTTONS_PER_ROW)
    rows = [i // BUTTONS_PER_ROW for i in range(len(generating))]
    rows += [first_other_row + i // BUTTONS_PER_ROW for i in range(len(others))]
    for action, row in zip(generating + others, rows, strict=True):
        assert row < 5, "at most 25 clip actions fit under a Discord message"
        view.add_item(
            ReelButton(
                action.name,
                clip_id,
                label=render(action.label_key, locale),
                emoji=action.emoji,
                style=_STYLES[action.style],
                row=row,
            )
        )
    takes = mode_takes(clip, settings, "discord") if clip is not None and settings is not None else []
    if takes:
        row = (rows[-1] + 1) if rows else 0
        assert row < ROWS, "no row left under the clip for the mode select"
        options = [
            discord.SelectOption(label=take.label(locale)[:100], value=take.value)
            for take in takes[:SELECT_OPTIONS_MAX]
        ]
        placeholder = render("discord.mode_take_placeholder", locale)[:150]
        view.add_item(ModeTakeSelect(clip_id, options=options, placeholder=placeholder, row=row))
    return view


#: The button that cancels a worker task (music, finish), beside ``cancel`` for clip jobs: the
#: task's own action, so a click never has to guess which table its id is in.
CANCEL_TASK = "canceltask"


def cancel_view(
    job_ids: list[uuid.UUID], locale: str | None, task_ids: tuple[uuid.UUID, ...] = ()
) -> discord.ui.View:
    """One cancel button per job, then one per task (at most 25: Discord's 5 rows × 5)."""
    view = discord.ui.View(timeout=None)
    targets = [("cancel", job_id) for job_id in job_ids] + [(CANCEL_TASK, task_id) for task_id in task_ids]
    for index, (action, job_id) in enumerate(targets[:25]):
        view.add_item(
            ReelButton(
                action,
                job_id,
                label=f"{render('action.cancel', locale)} {str(job_id)[:8]}",
                emoji="✖️",
                style=discord.ButtonStyle.danger,
                row=index // BUTTONS_PER_ROW,
            )
        )
    return view


def component_ids(message: discord.Message | None) -> set[str]:
    """Every custom_id on ``message``'s components (nested rows included)."""
    found: set[str] = set()
    if message is None:
        return found

    def walk(components: Any) -> None:
        for component in components:
            cid = getattr(component, "custom_id", None)
            if cid:
                found.add(cid)
            walk(getattr(component, "children", []) or [])

    walk(message.components)
    return found
