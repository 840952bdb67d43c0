"""Events of ``finish`` tasks → the status message's progress, then the finished file, once.

The status message was posted by the click (``cogs/finish.py``); the worker's progress edits
it through the same :class:`EditThrottle`. On ``done`` the finished mp4 is posted replying to
it, with the reminder to declare "altered or synthetic content" on YouTube — as an
attachment when it fits the channel's upload cap, else as a signed media link (never a
failure). A Redis marker per task makes a restart or a repeated ``done`` post nothing twice.
"""

from __future__ import annotations

import asyncio
import io
import logging
import uuid
from typing import TYPE_CHECKING

import discord

from reelbot.app.finish import finished
from reelbot.bots.common.status import failure_reason, percent, progress_bar
from reelbot.bots.discord.components import cancel_view
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.types import Platform, short_id

if TYPE_CHECKING:
    from reelbot.bots.discord.delivery import Delivery

log = logging.getLogger(__name__)

MiB = 1024 * 1024
TERMINAL = (EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED)


class FinishDelivery:
    """Finish-aware handling of task events (owned by :class:`Delivery`)."""

    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery
        self.bot = delivery.bot

    async def handle(self, items: list[tuple[str, JobEvent]]) -> bool:
        """Show one task's events; True when they may be acknowledged."""
        terminal = next((event for _, event in items if event.kind in TERMINAL), None)
        if terminal is None:
            self._progress(items[-1][1])
            return True
        service = self.bot.service
        marker = service.keys.bot_delivered(Platform.DISCORD.value, f"task-{terminal.job_id}")
        if await service.redis.exists(marker):
            return True
        try:
            if terminal.kind is EventKind.DONE:
                await self._post(terminal)
            elif terminal.kind is EventKind.CANCELLED:  # its Cancel button (or /cancel) was used
                await self._edit_now(terminal, render("status.cancelled", terminal.origin.locale))
            else:
                reason = failure_reason(
                    terminal.error_key, terminal.error_detail, str(terminal.job_id), terminal.origin.locale
                )
                await self._edit_now(
                    terminal, render("finish.failed_status", terminal.origin.locale, reason=reason)
                )
        except discord.Forbidden:
            log.warning(
                "no access to channel %s; dropping task %s", terminal.origin.channel_id, terminal.job_id
            )
        except (discord.HTTPException, OSError, TimeoutError) as exc:
            log.warning("posting finish task %s failed: %s", terminal.job_id, exc)
            return False
        await service.redis.set(marker, "1", ex=self.bot.config.delivered_ttl_s)
        return True

    def _progress(self, event: JobEvent) -> None:
        message = self.delivery._status_message(event.origin)
        if message is None or event.kind is not EventKind.PROGRESS:
            return
        step, total = event.step or 0, event.total_steps or 0
        text = render(
            "finish.progress",
            event.origin.locale,
            bar=progress_bar(step, total),
            percent=percent(step, total),
        )

        view = cancel_view([], event.origin.locale, task_ids=(event.job_id,))

        async def edit() -> None:  # the Cancel button rides every progress edit: none loses it
            await message.edit(content=text, view=view, allowed_mentions=discord.AllowedMentions.none())

        self.delivery.throttle.update(str(message.id), edit)

    def offer_cancel(self, message: discord.Message, task_id: uuid.UUID, locale: str | None) -> None:
        """Put the task's Cancel button under its status message as soon as it is queued —
        through the message's edit throttle, so it never races the worker's progress edits."""
        view = cancel_view([], locale, task_ids=(task_id,))

        async def edit() -> None:
            await message.edit(view=view, allowed_mentions=discord.AllowedMentions.none())

        self.delivery.throttle.update(str(message.id), edit)

    async def _edit_now(self, event: JobEvent, text: str) -> None:
        message = self.delivery._status_message(event.origin)
        if message is None:
            return

        async def edit() -> None:  # an outcome: the Cancel button goes (view=None)
            try:
                await message.edit(content=text, view=None, allowed_mentions=discord.AllowedMentions.none())
            except discord.NotFound:
                log.info("status message of task %s is gone", event.job_id)

        try:
            await self.delivery.throttle.final(str(message.id), edit)
        finally:
            self.delivery.throttle.forget(str(message.id))

    async def _post(self, event: JobEvent) -> None:
        origin, locale = event.origin, event.origin.locale
        result = await finished(self.bot.service, event.job_id)
        if not origin.channel_id:
            return
        channel = self.bot.get_partial_messageable(
            int(origin.channel_id), guild_id=int(origin.guild_id) if origin.guild_id else None
        )
        status = self.delivery._status_message(origin)
        reference = status.to_reference(fail_if_not_exists=False) if status is not None else None
        text = result.done_text(locale)
        limit = await self.bot.upload_limit(origin.guild_id)
        media = self.bot.service.media
        kwargs = {
            "allowed_mentions": discord.AllowedMentions.none(),
            "reference": reference,
            "mention_author": False,
            "nonce": event.job_id.hex[:25],
        }
        name = f"reelbot-short-{short_id(result.task_id)}.mp4"
        sent = False
        if result.size_bytes <= limit:
            data = await asyncio.to_thread(media.read_bytes, result.video_key)
            try:
                await channel.send(text, file=discord.File(io.BytesIO(data), filename=name), **kwargs)  # type: ignore[arg-type]
                sent = True
            except discord.HTTPException as exc:
                if exc.status != 413 and exc.code != 40005:
                    raise
                log.info("Discord refused finished task %s's upload; sending a link", event.job_id)
        if not sent:
            link = render(
                "finish.too_big_link",
                locale,
                size_mb=f"{result.size_bytes / MiB:.1f}",
                limit_mb=f"{limit / MiB:.0f}",
            )
            url = media.signed_url(result.video_key)
            await channel.send(f"{text}\n{link}\n{url}", **kwargs)  # type: ignore[arg-type]
        try:  # the file is out: the status edit is best-effort, never a reason to post again
            await self._edit_now(event, render("finish.ready", locale))
        except (discord.HTTPException, OSError, TimeoutError) as exc:
            log.warning("task %s: file posted, but the status edit failed: %s", event.job_id, exc)
