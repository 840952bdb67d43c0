"""Posting a finished clip into its channel: the caption, the buttons and the file itself.

Split from :mod:`~reelbot.bots.discord.delivery` because it is the one part of delivery that
decides *what* lands in the channel — the caption, whether the mp4 fits the guild's upload
cap (re-encoded smaller through the ``clip_shrinker`` port when it does not), and the signed
link when it still does not fit or Discord refuses the upload — while delivery decides
*when* and *how often* (markers, retries, the status edit).
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING

import discord

from reelbot.bots.common.status import duration_text, kind_label, shorten
from reelbot.bots.discord.components import clip_view
from reelbot.bots.discord.jobs import author_ref
from reelbot.bots.discord.replies import user_text
from reelbot.domain.errors import NotFound
from reelbot.domain.events import JobEvent
from reelbot.domain.messages import render
from reelbot.ports import PORTS

if TYPE_CHECKING:
    from reelbot.app.service import ClipView
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

CAPTION_PROMPT_CHARS = 300
MiB = 1024 * 1024


async def clip_caption(bot: ReelBot, clip: ClipView) -> str:
    """The message text above a clip: prompt, seed, preset, size, author (and its parent's)."""
    request, locale = clip.request, clip.author.locale
    text = render(
        "clip.caption",
        locale,
        prompt=user_text(request.prompt, CAPTION_PROMPT_CHARS) or "…",
        seed=request.seed,
        preset=request.preset,
        seconds=duration_text(clip.duration_s),
        width=clip.width,
        height=clip.height,
        author=author_ref(clip.author),
    )
    if clip.parent_clip_id is not None:
        try:
            parent = await bot.service.clip(clip.parent_clip_id)
            parent_author = author_ref(parent.author)
        except NotFound:
            parent_author = "?"
        text += "\n" + render(
            "clip.caption_parent",
            locale,
            kind=kind_label(clip.remix_kind, locale),
            parent_author=parent_author,
        )
    return text


async def post_clip(
    bot: ReelBot, event: JobEvent, clip: ClipView, status: discord.PartialMessage | None
) -> None:
    """Send the clip replying to its status message, as a file when it fits, else as a link.

    The message carries the job's nonce (Discord's ``enforce_nonce``) so a retried send after
    a lost answer never shows the clip twice.
    """
    origin = event.origin
    assert origin.channel_id is not None
    channel = bot.get_partial_messageable(
        int(origin.channel_id), guild_id=int(origin.guild_id) if origin.guild_id else None
    )
    caption = await clip_caption(bot, clip)
    view = clip_view(clip.id, clip.author.locale, clip, bot.service.settings)
    limit = await bot.upload_limit(origin.guild_id)
    data = await video_within(bot, clip, limit)
    reference = status.to_reference(fail_if_not_exists=False) if status is not None else None
    nonce = event.job_id.hex[:25]
    kwargs = {
        "view": view,
        "allowed_mentions": discord.AllowedMentions.none(),
        "reference": reference,
        "mention_author": False,
        "nonce": nonce,
    }
    try:
        if data is not None:
            file = discord.File(
                io.BytesIO(data),
                filename=f"reelbot-{str(clip.id)[:8]}.mp4",
                description=shorten(clip.request.prompt, 1000),
            )
            try:
                await channel.send(caption, file=file, **kwargs)  # type: ignore[arg-type]
                return
            except discord.HTTPException as exc:
                if exc.status != 413 and exc.code != 40005:
                    raise
                log.info("Discord refused job %s's %d-byte upload; sending a link", event.job_id, len(data))
        link = render(
            "clip.too_large_link",
            clip.author.locale,
            size_mb=f"{clip.size_bytes / MiB:.1f}",
            limit_mb=f"{limit / MiB:.0f}",
            url=bot.service.media.signed_url(clip.video_key or ""),
        )
        await channel.send(f"{caption}\n{link}", **kwargs)  # type: ignore[arg-type]
    finally:
        view.stop()  # the buttons are dynamic items: nothing to keep in memory per message


async def video_within(bot: ReelBot, clip: ClipView, limit: int) -> bytes | None:
    """The clip's bytes if they fit ``limit`` (re-encoded smaller when needed), else None."""
    if not clip.video_key:
        return None
    media = bot.service.media
    data: bytes = await asyncio.to_thread(media.read_bytes, clip.video_key)
    if len(data) <= limit:
        return data
    try:
        shrink = PORTS.require_clip_shrinker()
        smaller = await asyncio.to_thread(shrink, data, limit, bot.settings.encode)
    except Exception as exc:
        log.info("re-encoding clip %s under %d bytes failed (%s); sending a link", clip.id, limit, exc)
        return None
    return smaller if len(smaller) <= limit else None
