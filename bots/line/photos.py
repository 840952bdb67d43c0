"""Photo intake: a LINE image (or, 1:1, a file) becomes a waiting reference for the next prompt.

LINE photos carry no caption, so a photo waits (per chat and person, TTL) with the role the
person marked (``結尾`` …) or the next free one: first frame, then end frame. In a 1:1 chat it
is downloaded and checked at once (the person hears right away that it is too big or not an
image) and staged on disk (bots/line/staging.py); in a group it is only remembered, and
downloaded when a prompt uses it. The service stores it as an asset only then.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linebot.v3.webhooks import MessageEvent

from reelbot.bots.line.chat import Chat
from reelbot.bots.line.state import PendingPhoto
from reelbot.domain.errors import LimitReached, ReelbotError
from reelbot.domain.images import inspect_image
from reelbot.domain.messages import render
from reelbot.domain.types import ReferenceRole

if TYPE_CHECKING:
    from reelbot.bots.line.handler import LineHandler

log = logging.getLogger(__name__)

SINGLE_ROLES = (ReferenceRole.FIRST_FRAME, ReferenceRole.LAST_FRAME)


def _read_if_file(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


async def photo_bytes(h: LineHandler, photo: PendingPhoto) -> bytes:
    """The bytes of a waiting photo: staged when it arrived (1:1), else downloaded now
    (group photos; a photo another replica staged; one the sweep removed)."""
    staged = await asyncio.to_thread(h.staging.get, photo.message_id)
    if staged is not None:
        return staged
    if photo.media_key is not None:  # waiting since before staging existed (an upgrade)
        path = h.service.media.path(photo.media_key)
        data = await asyncio.to_thread(_read_if_file, path)
        if data is not None:
            return data
    return await download(h, photo.message_id)


async def download(h: LineHandler, message_id: str) -> bytes:
    """Fetch (capped) and validate with the service's image checks; nothing is stored here.

    The service stores a photo as an asset only when a prompt uses it (see staging.py).
    """
    data = await h.api.fetch_content(message_id, max_bytes=h.config.max_image_bytes)
    # A full decode (bomb and truncation checks): seconds of CPU for a big photo, so it runs
    # in a thread, not on the event loop that answers every other chat's webhooks.
    await asyncio.to_thread(inspect_image, data, h.service.settings.limits)
    return data


async def stage(h: LineHandler, message_id: str, data: bytes) -> None:
    """Keep a checked photo until its prompt; a failure here (disk full, odd id) only means
    it is downloaded again when the prompt comes, so it is logged, not shown."""
    try:
        await asyncio.to_thread(h.staging.put, message_id, data)
    except (OSError, ValueError) as exc:
        log.warning("photo %s not staged (%s); it will be downloaded again", message_id, exc)


async def discard_staged(h: LineHandler, photos: list[PendingPhoto]) -> None:
    await asyncio.to_thread(h.staging.discard, [p.message_id for p in photos])


async def on_photo(h: LineHandler, event: MessageEvent, chat: Chat, content: Any) -> None:
    if getattr(getattr(content, "content_provider", None), "type", "line") != "line":
        return  # an external URL: nothing to download through LINE
    async with h.person_lock(chat):
        await _on_photo(h, event, chat, content)


async def _on_photo(h: LineHandler, event: MessageEvent, chat: Chat, content: Any) -> None:
    locale = await h.locale_for(chat)
    photos = await h.state.photos(chat.chat_id, chat.user_id)
    marked = await h.state.pop_next_role(chat.chat_id, chat.user_id)
    taken = {p.role for p in photos}
    role = marked or next((r for r in SINGLE_ROLES if r not in taken), None)
    try:
        if role is None or (role not in taken and len(photos) >= h.config.max_pending_photos):
            raise LimitReached("line.too_many_photos", limit=h.config.max_pending_photos)
        if chat.one_to_one:  # 1:1: check it now and say so; groups: only when it is used
            data = await download(h, content.id)
            await stage(h, content.id, data)
    except ReelbotError as exc:
        if chat.one_to_one:
            await h.answer(event, chat, exc.render(locale))
        return
    if role in SINGLE_ROLES:
        replaced = [p for p in photos if p.role is role]  # the newest first/end frame wins
        photos = [p for p in photos if p.role is not role]
        await discard_staged(h, replaced)
    photos.append(PendingPhoto(message_id=content.id, role=role))
    await h.state.set_photos(chat.chat_id, chat.user_id, photos)
    await asyncio.to_thread(h.staging.touch, [p.message_id for p in photos])
    await asyncio.to_thread(h.staging.maybe_sweep)
    if chat.one_to_one:
        label = render(f"line.role.{role.value}", locale)
        minutes = max(1, h.config.photo_ttl_s // 60)
        await h.answer(event, chat, render("line.photo_received", locale, role=label, minutes=minutes))
