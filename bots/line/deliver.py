"""Results back to LINE: read the durable ``line`` events stream and push finished clips.

Pending-first reads (EventStream) mean an event that arrived while the bot was down, or whose
push failed, is handled when the bot is back. An event is acknowledged only after its push was
accepted (or refused for good). The push carries an ``X-Line-Retry-Key`` derived from the job
and the event kind, so a push retried after a crash or a timeout is delivered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from reelbot.bots.common.status import failure_reason
from reelbot.bots.line import outgoing
from reelbot.bots.line.api import LineApi, PushFailed
from reelbot.bots.line.config import LineConfig
from reelbot.bots.line.handler import retry_key
from reelbot.bots.line.state import LineState
from reelbot.errors import NotFound
from reelbot.events import EventKind, JobEvent
from reelbot.messages import render

log = logging.getLogger(__name__)


class Deliverer:
    """Consumes the LINE events stream in its own consumer group."""

    def __init__(
        self,
        *,
        service: Any,
        api: LineApi,
        state: LineState,
        config: LineConfig,
        media_base_url: str,
        consumer: str = "line-1",
    ) -> None:
        self.service = service
        self.api = api
        self.state = state
        self.config = config
        self.media_base_url = media_base_url.rstrip("/")
        self.stream = service.events("line")
        self.consumer = consumer
        self.retry_delay_s = 2.0
        self._retry: list[tuple[str, JobEvent]] = []

    async def run(self, stop: asyncio.Event) -> None:
        await self.stream.ensure_group(self.config.events_group)
        while not stop.is_set():
            try:
                handled = await self.step()
            except Exception:
                log.exception("LINE delivery loop error")
                handled = False
            if not handled:
                # Nothing done (empty, or a transient failure left events pending): do not spin.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.retry_delay_s)

    async def step(self) -> bool:
        """Deliver what failed before (if any), else read a batch; True when all of it was acked.

        EventStream hands out this consumer's un-acked entries only on the first read after a
        start, so entries whose push failed transiently are kept here and retried first; if the
        process dies meanwhile, they are still pending in Redis and come back on the next start.
        """
        if self._retry:
            batch, self._retry = self._retry, []
        else:
            batch = await self.stream.read(
                self.config.events_group, self.consumer, count=10, block_ms=self.config.events_block_ms
            )
        if not batch:
            return False
        for entry_id, event in batch:
            if await self.deliver(event):
                await self.stream.ack(self.config.events_group, entry_id)
            else:
                self._retry.append((entry_id, event))
        return not self._retry

    async def deliver(self, event: JobEvent) -> bool:
        """Handle one event; False leaves it pending (a transient push failure) for a retry."""
        chat_id = event.origin.channel_id or event.origin.user_id
        locale = event.origin.locale
        if event.kind is EventKind.STARTED:
            if chat_id == event.origin.user_id:  # 1:1: show the animation while it renders
                await self.api.show_loading(chat_id)
            return True
        if event.kind is EventKind.DONE and event.clip_id is not None:
            messages = await self.clip_messages(event, locale)
        elif event.kind is EventKind.FAILED:
            reason = failure_reason(event.error_key, event.error_detail, str(event.job_id), locale)
            messages = [
                outgoing.text(render("line.failed", locale, job_id=event.job_id, reason=reason), self.config)
            ]
        elif event.kind is EventKind.CANCELLED:
            if await self.state.take_answered(event.job_id):
                return True  # the reply to 取消 / decline already told the user: save the push
            messages = [outgoing.text(render("line.cancelled", locale, job_id=event.job_id), self.config)]
        else:
            return True  # queued/progress: the reply already said it; pushes cost quota
        if messages is None:
            return True
        try:
            await self.api.push(
                chat_id, messages, retry_key=retry_key("result", event.job_id, event.kind.value)
            )
        except PushFailed as exc:
            if exc.transient:
                log.warning("push for job %s failed, will retry: %s", event.job_id, exc)
                return False
            log.error("push for job %s refused by LINE: %s", event.job_id, exc)
            return True
        await self.state.count_push()
        return True

    async def clip_messages(self, event: JobEvent, locale: str | None) -> list[Any] | None:
        assert event.clip_id is not None
        try:
            clip = await self.service.clip(event.clip_id)
        except NotFound:
            log.warning("clip %s of job %s is gone; nothing to push", event.clip_id, event.job_id)
            return None
        if clip.deleted or not clip.video_key:
            log.info("clip %s was deleted before delivery", clip.id)
            return None
        media = self.service.media
        preview_path = media.path(clip.thumbnail_key) if clip.thumbnail_key else None
        clip_media = outgoing.ClipMedia(
            video_url=media.signed_url(clip.video_key),
            preview_url=media.signed_url(clip.thumbnail_key) if clip.thumbnail_key else "",
            video_bytes=clip.size_bytes,
            preview_path=preview_path,
            duration_s=clip.duration_s,
        )
        page = f"{self.media_base_url}/c/{clip.id}"
        messages, problem = outgoing.result_messages(clip.id, clip_media, page, locale, self.config)
        if problem:
            log.warning("clip %s sent as a link: %s", clip.id, problem)
        return messages
