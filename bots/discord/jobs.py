"""Starting a job from an interaction: the public status message first, then the service.

The status message is posted with the bot token into the channel (not through the
interaction token, which dies after 15 minutes), so the events reader can keep editing it for
as long as a job waits and renders. Its id goes into the job's :class:`Origin`, which is how a
bot process that never saw the interaction — after a restart — still knows what to edit. If the
service refuses the request, or it turns out to be a duplicate, the status message is removed
again: nothing half-written stays in the channel.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from reelbot.app.early_checks import check_requests
from reelbot.bots.common.status import shorten
from reelbot.bots.common.wait import ack_eta, cost_source
from reelbot.bots.discord.replies import locale_of, reply, user_text
from reelbot.domain.messages import render
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, short_id

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService, Ticket

log = logging.getLogger(__name__)

HEADER_PROMPT_CHARS = 200


def origin_for(interaction: discord.Interaction) -> Origin:
    """Where this interaction's answers go (the message id is added once the status exists)."""
    user = interaction.user
    return Origin(
        platform=Platform.DISCORD,
        user_id=str(user.id),
        channel_id=str(interaction.channel_id) if interaction.channel_id else None,
        guild_id=str(interaction.guild_id) if interaction.guild_id else None,
        display_name=shorten(user.display_name, 128),
        locale=locale_of(interaction),
    )


def author_ref(origin: Origin) -> str:
    """How a clip's author is named in the channel: a mention on Discord (no ping), else a name."""
    if origin.platform is Platform.DISCORD and origin.user_id.isdigit():
        return f"<@{origin.user_id}>"
    return user_text(origin.display_name, 128) or origin.user_id


def status_header(prompt: str, origin: Origin) -> str:
    return render(
        "status.header",
        origin.locale,
        prompt=user_text(prompt, HEADER_PROMPT_CHARS) or "…",
        author=author_ref(origin),
    )


def status_channel(interaction: discord.Interaction) -> discord.abc.Messageable:
    channel = interaction.channel
    if channel is None or not hasattr(channel, "send"):
        return interaction.client.get_partial_messageable(  # type: ignore[return-value]
            interaction.channel_id or 0, guild_id=interaction.guild_id
        )
    return channel  # type: ignore[return-value]


async def start_job(
    interaction: discord.Interaction,
    origin: Origin,
    prompt: str,
    submit: Callable[[Origin], Awaitable[Ticket]],
    *,
    reference: discord.Message | None = None,
    request: GenerationRequest | None = None,
    after: str | None = None,
    moderated: bool = False,
) -> Ticket:
    """Post the status message, submit with its id in the origin, tell the person (ephemeral).

    Before the status message: the prompt moderated, then the person's hourly rates and
    pending cap (:func:`~reelbot.app.early_checks.check_requests`), so a refused prompt gets
    moderation's answer even from someone over a limit — ``request``, or for a clip action
    (``request`` None) the ``prompt`` the message will show. ``moderated``: the caller's plan
    check (``check_clip_and_finish``) moderated ``request`` already.

    With ``request``, the acknowledgement also says what the clip costs and what is left;
    ``after`` is a line it adds about what follows the render (a finish for Shorts).
    """
    locale = origin.locale
    shown = request if request is not None else GenerationRequest(prompt=prompt, origin=origin)
    service = interaction.client.service  # type: ignore[attr-defined]
    await check_requests(service, origin, [shown], moderated=moderated)
    header = status_header(prompt, origin)
    status = await _post_status(interaction, f"{header}\n{render('status.preparing', locale)}", reference)
    origin = origin.model_copy(update={"message_id": str(status.id)})
    try:
        ticket = await submit(origin)
    except BaseException:
        await _delete_quietly(status)
        raise
    if ticket.duplicate:
        await _delete_quietly(status)
        await reply(interaction, render("submit.duplicate", locale, job_id=short_id(ticket.job_id)))
        return ticket
    log.info("job %s started from interaction %s", ticket.job_id, interaction.id)
    if ticket.state is JobState.AWAITING_CONSENT:
        # A face in a reference image: nothing is queued until the uploader answers.
        await _edit_quietly(status, f"{header}\n{render('discord.status_awaiting_consent', locale)}")
        text = with_notice(
            render("consent.required", locale, job_id=short_id(ticket.job_id)), ticket.notice_key, locale
        )
        await reply(interaction, text, view=consent_view("consent", "decline", ticket.job_id, locale))
        return ticket
    text = with_notice(
        render("submit.accepted", locale, job_id=short_id(ticket.job_id)), ticket.notice_key, locale
    )
    if after:
        text += f"\n{after}"
    if request is not None:
        text += await cost_line(service, request, origin)
    text += await eta_line(service, ticket.job_id, locale)
    await reply(interaction, text)
    return ticket


async def _post_status(
    interaction: discord.Interaction, text: str, reference: discord.Message | None
) -> discord.Message:
    """The public status message, as a reply to ``reference`` (a remixed clip) when given."""
    channel = status_channel(interaction)
    mentions = discord.AllowedMentions.none()
    if reference is None:
        return await channel.send(text, allowed_mentions=mentions)
    return await channel.send(
        text,
        allowed_mentions=mentions,
        mention_author=False,
        reference=reference.to_reference(fail_if_not_exists=False),
    )


async def cost_line(service: ReelbotService, request: GenerationRequest, origin: Origin) -> str:
    """``\n`` + the clip's estimated GPU-seconds (refit from measured renders, and what it
    rests on) and the person's remaining daily quota.

    Informational, after the job is queued: if the estimate cannot be made the reply goes out
    without it (logged), rather than telling the person that a queued job failed.
    """
    locale = origin.locale
    try:
        estimate = await service.estimates.estimate(request)
        needed = estimate.seconds
        usages = await service.usage(origin)
    except Exception as exc:  # the job is queued already; the cost line is a courtesy
        log.warning("no cost estimate for the ack (%s)", type(exc).__name__)
        return ""
    mine = next((u for u in usages if u.scope == "user" and u.period == "daily"), None)
    source = " " + cost_source(estimate, locale)
    if mine is None or mine.remaining is None:
        return "\n" + render("submit.cost_unlimited", locale, needed=f"{needed:,.0f}") + source
    period = render("quota.period.daily", locale)
    return (
        "\n"
        + render(
            "submit.cost", locale, needed=f"{needed:,.0f}", remaining=f"{mine.remaining:,.0f}", period=period
        )
        + source
    )


async def eta_line(service: ReelbotService, job_id: uuid.UUID, locale: str | None) -> str:
    """``\n`` + when the job is expected to be ready (empty while no worker serves the queue;
    a courtesy like the cost line: a failed estimate leaves it out)."""
    try:
        wait = await service.waits.wait_for(job_id)
    except Exception as exc:
        log.warning("no wait estimate for the ack (%s)", type(exc).__name__)
        return ""
    return ack_eta(wait, locale)


def with_notice(text: str, notice_key: str | None, locale: str | None) -> str:
    """``text`` plus the service's notice for this submission (e.g. moved to the relaxed lane)."""
    return f"{text}\n{render(notice_key, locale)}" if notice_key else text


def consent_view(confirm: str, decline: str, target: uuid.UUID, locale: str | None) -> discord.ui.View:
    """The two persistent consent buttons (``reelbot:<confirm>:<id>`` / ``reelbot:<decline>:<id>``)."""
    from reelbot.bots.discord.components import ReelButton

    view = discord.ui.View(timeout=None)
    view.add_item(
        ReelButton(
            confirm, target, label=render("consent.confirm_label", locale), style=discord.ButtonStyle.success
        )
    )
    view.add_item(
        ReelButton(
            decline,
            target,
            label=render("consent.decline_label", locale),
            style=discord.ButtonStyle.secondary,
        )
    )
    return view


async def _edit_quietly(message: discord.Message, text: str) -> None:
    try:
        await message.edit(content=text, allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException:
        log.warning("could not edit status message %s", message.id)


async def _delete_quietly(message: discord.Message) -> None:
    try:
        await message.delete()
    except discord.HTTPException:
        log.warning("could not remove status message %s", message.id)
