"""Reference images from Discord attachments: checked before, during and after download.

Order, cheapest first, so a hostile upload costs nothing: the URL must point at Discord's CDN
(never fetch an arbitrary host — that would be a server-side request forgery hole); the
attachment's declared ``size`` must be within the limit (a 30 MB file is refused without a
byte read); the download stops as soon as it passes the limit (the declared size could lie);
then :func:`reelbot.domain.images.inspect_image` checks format, pixel count (decompression bombs) and
decodes the image fully — the same check the service runs again before storing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp
import discord

from reelbot.bots.discord.config import DiscordConfig
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.images import MiB, inspect_image
from reelbot.domain.settings import Limits

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024


def check_host(url: str, config: DiscordConfig) -> None:
    """Refuse any URL that is not Discord's attachment CDN (scheme and exact host)."""
    parts = urlsplit(url)
    schemes = ("https", "http") if config.allow_http_cdn else ("https",)
    if parts.scheme not in schemes or (parts.hostname or "") not in config.cdn_hosts:
        raise InvalidRequest("discord.attachment_host")


def too_large(size: int, limits: Limits) -> InvalidRequest:
    return InvalidRequest(
        "image.too_large_bytes",
        size_mb=f"{size / MiB:.1f}",
        limit_mb=f"{limits.max_reference_bytes / MiB:.0f}",
    )


async def download_image(
    attachment: discord.Attachment,
    *,
    session: aiohttp.ClientSession,
    config: DiscordConfig,
    limits: Limits,
) -> bytes:
    """The attachment's bytes, or :class:`InvalidRequest` saying what is wrong with it."""
    data = await download_bytes(
        attachment,
        session=session,
        config=config,
        max_bytes=limits.max_reference_bytes,
        too_large=lambda size: too_large(size, limits),
    )
    # A full decode (size, frames, EXIF) takes long enough to stall every other interaction.
    await asyncio.to_thread(inspect_image, data, limits)
    return data


async def download_bytes(
    attachment: discord.Attachment,
    *,
    session: aiohttp.ClientSession,
    config: DiscordConfig,
    max_bytes: int,
    too_large: Callable[[int], InvalidRequest],
) -> bytes:
    """Any attachment's bytes from Discord's CDN: host, declared size and the download capped."""
    check_host(attachment.url, config)
    if attachment.size > max_bytes:
        raise too_large(attachment.size)
    data = bytearray()
    try:
        timeout = aiohttp.ClientTimeout(total=config.download_timeout_s)
        async with session.get(attachment.url, timeout=timeout, allow_redirects=False) as response:
            if response.status != 200:
                raise InvalidRequest("discord.attachment_download", filename=attachment.filename)
            async for chunk in response.content.iter_chunked(_CHUNK):
                data.extend(chunk)
                if len(data) > max_bytes:
                    raise too_large(max(len(data), attachment.size))
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("download of attachment %s failed: %s", attachment.id, type(exc).__name__)
        raise InvalidRequest("discord.attachment_download", filename=attachment.filename) from None
    return bytes(data)


def first_image(message: discord.Message) -> discord.Attachment | None:
    """The first attachment of ``message`` that says it is an image (for "Animate this image")."""
    for attachment in message.attachments:
        content_type = (attachment.content_type or "").split(";")[0].strip().lower()
        if content_type.startswith("image/") or attachment.filename.lower().endswith(
            (".png", ".jpg", ".jpeg", ".webp")
        ):
            return attachment
    return None
