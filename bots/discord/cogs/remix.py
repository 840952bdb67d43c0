"""The buttons under a clip: every action of the registry (reelbot.app.actions).

A generating action without a prompt (Re-roll, Vary, Vary strong, Extend, and any action a
module registers later) is handled by one generic handler that asks the service to start it
by name; Remix (a modal), Info and Delete have their own. Handlers receive only the clip
id from the custom_id; the recipe comes from storage, so the buttons work on anyone's clip and
after any restart. Generating actions defer first, then ask the click guard for the
idempotency key — a double click yields one job. The Remix modal's submit is handled from the
raw interaction (custom_id ``reelbot:remixprompt:<clip>``), not from an in-memory modal object,
so a modal opened before a restart still works after it. The modal also offers the parent's
other speed modes (a select, "keep" by default). The buttons keep the parent's mode; the
select under the clip (``reelbot:modetake:<clip>``, options ``reroll.quality`` …) starts one of
them in another mode through the same path (:func:`on_mode_take`). A ``reelbot:`` custom_id that is not
one of ours (forged or from an older version) gets a clear ephemeral reply instead of silence.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from reelbot.bots.common.actions import ACTIONS, custom_id, is_ours, parse_custom_id
from reelbot.bots.common.controls import speed_label
from reelbot.bots.common.modes import mode_choices, parse_take
from reelbot.bots.common.report import report_line
from reelbot.bots.common.status import duration_text, kind_label, role_label
from reelbot.bots.discord import components
from reelbot.bots.discord.components import MODE_TAKE, Handler, button_handler, component_ids, handler_for
from reelbot.bots.discord.jobs import author_ref, origin_for, start_job
from reelbot.bots.discord.replies import guarded, locale_of, reply, user_text
from reelbot.domain.errors import NotFound
from reelbot.domain.messages import render
from reelbot.domain.presets import PRESETS, speed_refusal
from reelbot.domain.types import Origin, Platform, SpeedMode, short_id

if TYPE_CHECKING:
    from reelbot.app.service import ClipView
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

REMIX_MODAL = "remixprompt"
PROMPT_FIELD = "prompt"
SPEED_FIELD = "speed"
KEEP = "keep"  # the speed select's default: the parent's mode
MODAL_TITLE_MAX = 45
TEXT_INPUT_MAX = 4000


def _bot(interaction: discord.Interaction) -> ReelBot:
    return interaction.client  # type: ignore[return-value]


async def _live_clip(bot: ReelBot, clip_id: uuid.UUID) -> ClipView:
    clip = await bot.service.clip(clip_id)
    if clip.deleted:
        raise NotFound("clip.not_found")
    return clip


async def _remix(
    interaction: discord.Interaction,
    clip_id: uuid.UUID,
    action: str,
    *,
    prompt: str | None = None,
    speed: str | None = None,
    clip: ClipView | None = None,
) -> None:
    """Start a remix of ``clip_id``; the status message replies to the clicked clip message.
    ``speed``: the Remix form's select value (None or ``keep``: the parent's mode); ``clip``: the
    clip when the caller has read it already (the mode select)."""
    bot = _bot(interaction)
    clip = clip or await _live_clip(bot, clip_id)
    mode = _chosen_speed(clip, speed)
    origin = origin_for(interaction)
    # Another prompt or mode within the click window is another remix, not a double click.
    picked = (prompt or "") + (f"\0{mode.value}" if mode else "")
    extra = hashlib.sha256(picked.encode()).hexdigest()[:16] if picked else ""
    key = await bot.service.click_idempotency_key(
        platform=Platform.DISCORD.value,
        user_id=origin.user_id,
        action=action,
        target=str(clip_id),
        interaction_id=str(interaction.id),
        window_s=bot.config.click_window_s,
        extra=extra,
    )

    async def enqueue(with_status: Origin):  # type: ignore[no-untyped-def]
        return await bot.service.start_action(
            action, clip_id, with_status, idempotency_key=key, prompt=prompt, speed=mode
        )

    shown = prompt if prompt is not None else clip.request.prompt
    message = interaction.message if interaction.type is discord.InteractionType.component else None
    await start_job(interaction, origin, shown, enqueue, reference=message)


def generic_handler(action: str) -> Handler | None:
    """The handler of a generating registry action that needs no prompt (None otherwise)."""
    registered = ACTIONS.get(action)
    if registered is None or not registered.generates or registered.needs_prompt:
        return None

    async def on_action(interaction: discord.Interaction, clip_id: uuid.UUID) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await _remix(interaction, clip_id, action)

    return on_action


components.FALLBACK = generic_handler


async def on_mode_take(interaction: discord.Interaction, clip_id: uuid.UUID, values: list[str]) -> None:
    """A pick in the select under a clip: its action in the picked mode, as the button would start
    it (the same click window: a double pick is one job). A value that names no such pair, or a
    take in the clip's own mode (forged, or from an older version), is a stale button; a mode the
    clip's preset lacks is the service's refusal. The clip is read before the answer, as for the
    Remix form: one indexed read."""
    bot = _bot(interaction)
    clip = await _live_clip(bot, clip_id)
    taken = parse_take(values[0], "discord", clip, bot.service.settings) if len(values) == 1 else None
    if taken is None:
        log.info("refusing mode take %r from user %s", [v[:40] for v in values[:2]], interaction.user.id)
        await reply(interaction, render("button.invalid", locale_of(interaction)))
        return
    action, mode = taken
    await interaction.response.defer(ephemeral=True, thinking=True)
    await _remix(interaction, clip_id, action, speed=mode.value, clip=clip)


components.MODE_TAKE_HANDLER = on_mode_take


def _chosen_speed(clip: ClipView, value: str | None) -> SpeedMode | None:
    """The mode the form picked, None to keep the parent's. A mode the preset lacks (a forged
    submit) goes on to the service, which refuses it; a value that is no mode at all gets the
    same refusal here."""
    if value is None or value == KEEP:
        return None
    try:
        return SpeedMode(value)
    except ValueError:
        preset = PRESETS.get(clip.request.preset or "")
        offered = preset.modes if preset else ()
        raise speed_refusal(clip.request.preset or "-", user_text(value, 20), offered) from None


class ModalSelect(discord.ui.Select[Any]):
    """A string select for a modal, sent without ``disabled``: Discord's modal reference gives
    a select in a Label no such field (``true`` there is refused), but discord.py writes the
    flag (``false``) into every select it sends."""

    def to_component_dict(self) -> Any:
        payload = dict(super().to_component_dict())
        payload.pop("disabled", None)
        return payload


class RemixModal(discord.ui.Modal):
    """The edit-the-prompt form, with a speed select when the parent's preset offers another
    mode. Its submit is handled in :meth:`RemixCog.on_interaction`."""

    def __init__(
        self,
        clip_id: uuid.UUID,
        prompt: str,
        locale: str | None,
        kept: SpeedMode | None = None,
        others: list[SpeedMode] | None = None,
    ) -> None:
        super().__init__(
            title=render("discord.modal_title", locale)[:MODAL_TITLE_MAX],
            custom_id=custom_id(REMIX_MODAL, clip_id),
            timeout=600,
        )
        self.prompt: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=render("discord.modal_prompt", locale)[:45],
            style=discord.TextStyle.paragraph,
            default=prompt[:TEXT_INPUT_MAX],
            max_length=TEXT_INPUT_MAX,
            custom_id=PROMPT_FIELD,
            required=True,
        )
        self.add_item(self.prompt)
        if kept is not None and others:
            keep = render("discord.modal_speed_keep", locale, mode=speed_label(kept, locale))
            options = [discord.SelectOption(label=keep[:100], value=KEEP, default=True)]
            options += [discord.SelectOption(label=speed_label(m, locale), value=m.value) for m in others]
            select = ModalSelect(custom_id=SPEED_FIELD, options=options, required=False)
            self.add_item(discord.ui.Label(text=render("discord.modal_speed", locale)[:45], component=select))


@button_handler("remix")
async def on_remix(interaction: discord.Interaction, clip_id: uuid.UUID) -> None:
    # A modal must be the first answer (no defer before it); one indexed read stays far below 3 s.
    bot = _bot(interaction)
    clip = await _live_clip(bot, clip_id)
    kept, others = mode_choices(clip, bot.service.settings)
    modal = RemixModal(clip_id, clip.request.prompt, locale_of(interaction), kept, others)
    await interaction.response.send_modal(modal)


@button_handler("info")
async def on_info(interaction: discord.Interaction, clip_id: uuid.UUID) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    clip = await _live_clip(_bot(interaction), clip_id)
    await reply(interaction, info_text(clip, locale_of(interaction)))


def info_text(clip: ClipView, locale: str | None) -> str:
    """The full recipe, what its render ran (the stored report) and the lineage (root first),
    as the Info button shows it."""
    request = clip.request
    references = ", ".join(
        f"{role_label(ref.role, locale)} `{ref.sha256[:12]}`" for ref in request.references
    )
    text = render(
        "info.recipe",
        locale,
        prompt=user_text(request.prompt, 800),
        negative=user_text(request.negative_prompt, 200) or render("info.none", locale),
        preset=request.preset,
        seed=request.seed,
        aspect=request.aspect.value,
        seconds=duration_text(clip.duration_s),
        fps=clip.fps,
        width=clip.width,
        height=clip.height,
        frames=clip.num_frames,
        references=references or render("info.none", locale),
        author=author_ref(clip.author),
        created=discord.utils.format_dt(clip.created_at, "R"),
        clip_id=clip.id,  # in full on purpose: the one id a person copies (`reelbot extend CLIP_ID`)
    )
    if clip.report is not None:
        text += "\n" + report_line(clip.report, locale)
    lines = [render("info.lineage_header", locale)]
    for index, (ancestor, kind) in enumerate(clip.lineage, start=1):
        kind_text = kind_label(kind, locale)
        lines.append(
            render("info.lineage_line", locale, index=index, clip_id=short_id(ancestor), kind=kind_text)
        )
    return text + "\n" + "\n".join(lines)


@button_handler("delete")
async def on_delete(interaction: discord.Interaction, clip_id: uuid.UUID) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = _bot(interaction)
    origin = origin_for(interaction)
    moderator = bool(interaction.permissions.manage_messages)
    await bot.service.delete_clip(clip_id, by=origin, is_moderator=moderator)
    locale = locale_of(interaction)
    if interaction.message is not None:
        try:
            await interaction.message.edit(
                content=render("clip.deleted_notice", locale, who=author_ref(origin)),
                attachments=[],
                view=None,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            log.warning("could not blank the message of deleted clip %s", clip_id)
    await reply(interaction, render("delete.done", locale))


class RemixCog(commands.Cog):
    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        cid = str(data.get("custom_id", ""))
        if not is_ours(cid):
            return
        if interaction.type is discord.InteractionType.modal_submit:
            await self._modal_submit(interaction, cid, data)
        elif interaction.type is discord.InteractionType.component:
            parsed = parse_custom_id(cid)
            # Anything the dynamic item will not take gets an answer here instead of silence:
            # malformed ids, unknown actions, ids that are not on the clicked message.
            select = data.get("component_type") == discord.ComponentType.select.value
            known = parsed is not None and (
                handler_for(parsed[0]) is not None or (parsed[0] == MODE_TAKE and select)
            )
            if not known or cid not in component_ids(interaction.message):
                log.info("refusing unknown button %r from user %s", cid[:100], interaction.user.id)
                await reply(interaction, render("button.invalid", locale_of(interaction)))

    async def _modal_submit(self, interaction: discord.Interaction, cid: str, data: dict[str, Any]) -> None:
        parsed = parse_custom_id(cid)
        if parsed is None or parsed[0] != REMIX_MODAL:
            await reply(interaction, render("button.invalid", locale_of(interaction)))
            return
        prompt = _field(data, PROMPT_FIELD)
        picked = _values(data, SPEED_FIELD)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "remix modal"):
            speed = picked[0] if picked else None
            await _remix(interaction, parsed[1], "remix", prompt=prompt or "", speed=speed)


def _component(data: dict[str, Any], name: str, key: str) -> Any:
    """Field ``key`` of the component ``name`` in a modal submit payload (rows of components,
    or labels); None when absent."""
    stack = list(data.get("components", []))
    while stack:
        node = stack.pop()
        if node.get("custom_id") == name and key in node:
            return node[key]
        stack.extend(node.get("components", []))
        if "component" in node:
            stack.append(node["component"])
    return None


def _field(data: dict[str, Any], name: str) -> str | None:
    """A text input's value from a modal submit payload."""
    value = _component(data, name, "value")
    return None if value is None else str(value)


def _values(data: dict[str, Any], name: str) -> list[str]:
    """A select's chosen values from a modal submit payload (none when absent)."""
    values = _component(data, name, "values")
    return [str(value) for value in values] if isinstance(values, list) else []


from reelbot.bots.discord.cogs import finish as _finish  # noqa: E402,F401  (Finish's handlers)

assert all(handler_for(name) for name in ACTIONS), "every clip action needs a Discord handler"


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(RemixCog(bot))
    # The mode select's dynamic item, beside ReelButton (bot.setup_hook): persistent the same way.
    bot.add_dynamic_items(components.ModeTakeSelect)
