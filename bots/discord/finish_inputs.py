"""What ``/finish`` reads from the person: which clip or draft, and their own soundtrack.

Why a module of its own: both inputs are untrusted and each is checked before anything is
stored or queued. A target is a full id or a Discord message link; a link is resolved by
reading the linked message's own buttons (``reelbot:finish:<clip>`` under a clip,
``reelbot:sbfinish:<board>`` under a draft), so the id is the one the bot itself put there
and a link into another server is refused. A track is checked by name, by declared and real
size while downloading (:func:`~reelbot.bots.discord.attachments.download_bytes`), then by
:func:`reelbot.app.finish_tracks.check_track`, which probes the audio up front (the limits of
:mod:`reelbot.domain.audio_limits`) and stores nothing: ``/finish`` hands the checked track
to the finish, which stores it only once the quota lets the task be queued.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import discord

from reelbot.app.finish import FinishOptions
from reelbot.app.finish_plan import finish_plan
from reelbot.app.finish_tracks import CheckedTrack, check_track
from reelbot.bots.common.actions import parse_custom_id
from reelbot.bots.common.status import shorten
from reelbot.bots.discord.attachments import download_bytes
from reelbot.domain.audio_limits import audio_refusal
from reelbot.domain.errors import InvalidRequest

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService
    from reelbot.bots.discord.bot import ReelBot

#: What /finish takes (the formats the command's description names).
AUDIO_SUFFIXES = frozenset({".mp3", ".m4a", ".wav", ".ogg"})
CLIP, DRAFT = "finish", "sbfinish"  # the button actions whose ids a link is read for


async def queued_text(
    service: ReelbotService, action: str, target_id: uuid.UUID, options: FinishOptions, locale: str | None
) -> str:
    """The status line of a finish about to be queued: which clip or draft, at the size and
    frame rate the finish will have (:func:`~reelbot.app.finish_plan.finish_plan`, the rule the
    task itself is built by)."""
    draft = action != CLIP
    plan = await finish_plan(service, options, target_id if draft else None)
    return plan.queued_text(locale, target_id, draft=draft)


MESSAGE_LINK = re.compile(
    r"https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/channels/"
    r"(?P<guild>\d+|@me)/(?P<channel>\d+)/(?P<message>\d+)/?"
)


@dataclass(frozen=True)
class Target:
    """A clip (``action == CLIP``) or a storyboard's draft (``action == DRAFT``)."""

    action: str
    id: uuid.UUID


async def resolve_target(interaction: discord.Interaction, clip: str | None, board: str | None) -> Target:
    """Exactly one of ``clip`` / ``board``, as an id or a link to the message that shows it."""
    if (clip is None) == (board is None):
        raise InvalidRequest("discord.finish_target")
    text, action = (clip, CLIP) if clip is not None else (board, DRAFT)
    assert text is not None
    text = text.strip()
    try:
        return Target(action, uuid.UUID(text))
    except ValueError:
        pass
    link = MESSAGE_LINK.fullmatch(text)
    if link is None or link["guild"] != str(interaction.guild_id):
        raise InvalidRequest("discord.finish_ref_invalid", value=shorten(text, 80))
    target_id = await _id_on_message(interaction, int(link["channel"]), int(link["message"]), action)
    if target_id is None:
        raise InvalidRequest("discord.finish_ref_missing", value=shorten(text, 80))
    return Target(action, target_id)


async def _id_on_message(
    interaction: discord.Interaction, channel_id: int, message_id: int, action: str
) -> uuid.UUID | None:
    """The id in the linked message's ``action`` button, or None (gone, unreadable, not ours)."""
    channel = interaction.client.get_partial_messageable(channel_id, guild_id=interaction.guild_id)
    try:
        message = await channel.fetch_message(message_id)
    except discord.HTTPException:
        return None
    for row in message.components:
        for item in getattr(row, "children", ()):
            parsed = parse_custom_id(getattr(item, "custom_id", None) or "")
            if parsed is not None and parsed[0] == action:
                return parsed[1]
    return None


async def checked_track(bot: ReelBot, attachment: discord.Attachment) -> CheckedTrack:
    """Download and probe the attached track, storing nothing: ``finish_clip`` /
    ``finish_draft`` store it once the quota and everything else let the finish be queued."""
    data = await track_bytes(bot, attachment)
    return await asyncio.to_thread(check_track, bot.service, data, attachment.filename)


async def track_bytes(bot: ReelBot, attachment: discord.Attachment) -> bytes:
    """The attached track's bytes, refused by name and by declared and real size first."""
    name = attachment.filename[:80]
    if PurePosixPath(attachment.filename).suffix.lower() not in AUDIO_SUFFIXES:
        raise InvalidRequest("finish.audio_not_audio", name=name)
    limit = bot.settings.finish.max_audio_bytes

    def too_big(size: int) -> InvalidRequest:  # called only over the limit: a refusal, always
        refusal = audio_refusal(name, bot.settings.finish, size_bytes=size)
        assert refusal is not None
        return refusal

    return await download_bytes(
        attachment, session=bot.session, config=bot.config, max_bytes=limit, too_large=too_big
    )
