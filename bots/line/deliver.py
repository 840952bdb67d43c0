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
import time
from dataclasses import dataclass
from typing import Any

from linebot.v3.messaging import VideoMessage

from reelbot.app.finish import finished
from reelbot.bots.common.actions import clip_actions
from reelbot.bots.common.modes import mode_takes
from reelbot.bots.common.status import failure_reason
from reelbot.bots.line import boards, music, outgoing
from reelbot.bots.line.api import LineApi, PushFailed
from reelbot.bots.line.chat import retry_key
from reelbot.bots.line.config import LineConfig
from reelbot.bots.line.state import LineState
from reelbot.domain.errors import NotFound
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.tasks import FINISH, MUSIC

log = logging.getLogger(__name__)


@dataclass
class Retry:
    """An entry whose push failed transiently: tried again at ``due`` (monotonic seconds)."""

    event: JobEvent
    attempts: int
    due: float


class Deliverer:
    """Consumes the LINE events stream in its own consumer group.

    Each entry that could not be delivered (a transient push failure, or an error of our own:
    DB, Redis) waits in ``retries`` with its own attempt count and exponential backoff, while
    new entries keep being read — one stuck result never blocks the others. After
    ``push_max_attempts`` it is given up (logged, acked). Every ``events_reclaim_s`` entries that
    ANY consumer of the group left un-acked for ``events_stale_ms`` (a replaced pod) are taken over.
    """

    def __init__(
        self,
        *,
        service: Any,
        api: LineApi,
        state: LineState,
        config: LineConfig,
        media_base_url: str,
        consumer: str | None = None,
    ) -> None:
        self.service = service
        self.api = api
        self.state = state
        self.config = config
        self.media_base_url = media_base_url.rstrip("/")
        self.stream = service.events("line")
        self.consumer = consumer or config.events_consumer
        self.retry_delay_s = 2.0  # idle wait of the loop when nothing was done
        self.retries: dict[str, Retry] = {}
        self._next_reclaim = 0.0
        self.monthly_limit_hit = False  # operators: LINE's monthly push limit was reached
        self.last_batch = 0  # entries handled by the last step (the loop sleeps only after none)

    async def run(self, stop: asyncio.Event) -> None:
        await self.stream.ensure_group(self.config.events_group)
        while not stop.is_set():
            try:
                handled = await self.step() or self.last_batch > 0
            except Exception:
                log.exception("LINE delivery loop error")
                handled = False
            if not handled:
                # Nothing done (empty, or only retries waiting for their time): do not spin.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._idle_s())

    def _idle_s(self) -> float:
        if not self.retries:
            return self.retry_delay_s
        soonest = min(r.due for r in self.retries.values()) - time.monotonic()
        return max(0.05, min(self.retry_delay_s, soonest))

    async def step(self) -> bool:
        """Retry what is due, take over stale entries now and then, read new ones; True when
        everything handled in this step was acked and no retry is waiting.

        EventStream hands out this consumer's un-acked entries only on the first read after a
        start, so entries whose push failed are kept here; if the process dies meanwhile, they
        are still pending in Redis and come back on the next start (or to another consumer).
        """
        now = time.monotonic()
        batch: list[tuple[str, JobEvent]] = [
            (entry_id, r.event) for entry_id, r in self.retries.items() if r.due <= now
        ]
        if now >= self._next_reclaim:
            self._next_reclaim = now + self.config.events_reclaim_s
            claimed = await self.stream.claim_stale(
                self.config.events_group, self.consumer, count=10, min_idle_ms=self.config.events_stale_ms
            )
            batch += [(eid, ev) for eid, ev in claimed if eid not in self.retries]
        batch += await self.stream.read(
            self.config.events_group, self.consumer, count=10, block_ms=self._block_ms(bool(batch))
        )
        for entry_id, event in dict(batch).items():  # a reclaimed entry may also be a leftover
            await self._handle(entry_id, event)
        self.last_batch = len(batch)
        return bool(batch) and not self.retries

    def _block_ms(self, have_work: bool) -> int:
        """Wait for new entries only when there is nothing else to do, and never past a retry's time."""
        if have_work:
            return 1
        if not self.retries:
            return self.config.events_block_ms
        soonest = min(r.due for r in self.retries.values()) - time.monotonic()
        return max(1, min(self.config.events_block_ms, int(soonest * 1000)))

    async def _handle(self, entry_id: str, event: JobEvent) -> None:
        """Deliver one entry; ack it, or schedule its next try (capped), never lose it."""
        try:
            done = await self.deliver(event)
        except Exception:
            log.exception("delivering event %s (job %s) failed; will retry", entry_id, event.job_id)
            done = False
        if done:
            self.retries.pop(entry_id, None)
            await self.stream.ack(self.config.events_group, entry_id)
            return
        previous = self.retries.get(entry_id)
        attempts = (previous.attempts if previous else 0) + 1
        if attempts >= self.config.push_max_attempts:
            log.error("giving up on event %s (job %s) after %d tries", entry_id, event.job_id, attempts)
            self.retries.pop(entry_id, None)
            await self.stream.ack(self.config.events_group, entry_id)
            return
        delay = min(self.config.push_retry_max_s, self.config.push_retry_base_s * 2 ** (attempts - 1))
        self.retries[entry_id] = Retry(event, attempts, time.monotonic() + delay)

    async def deliver(self, event: JobEvent) -> bool:
        """Handle one event; False leaves it pending (a transient push failure) for a retry."""
        chat_id = event.origin.channel_id or event.origin.user_id
        locale = event.origin.locale
        if event.kind is EventKind.STARTED:
            if chat_id == event.origin.user_id:  # 1:1: show the animation while it renders
                await self.api.show_loading(chat_id)
            return True
        key = retry_key("result", event.job_id, event.kind.value)
        board_id = await boards.board_of(self, event)
        if event.task == FINISH:  # Finish for Shorts: a worker task this chat asked for
            messages = await self.task_messages(event, locale)
        elif event.task == MUSIC and event.kind in (EventKind.DONE, EventKind.FAILED):
            messages = await music.music_messages(self, event, locale)  # 音樂 <描述>: the track waits
        elif board_id is not None:  # a storyboard's shot: its board answers (bots/line/boards.py)
            board = await boards.board_messages(self, event, board_id)
            if board is None:
                return True
            messages, key = board[0], retry_key(board[1])
        elif event.kind is EventKind.DONE and event.clip_id is not None:
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
            sent = await self.api.push(chat_id, messages, retry_key=key)
        except PushFailed as exc:
            if exc.monthly_limit:
                # Lasts until next month: retrying would only block newer results. Operators
                # must raise the plan (or wait); REELBOT_LINE_PUSH_QUOTA_MONTHLY stops new jobs.
                self.monthly_limit_hit = True
                log.critical(
                    "LINE monthly push limit reached: result of job %s NOT delivered; "
                    "raise the LINE plan or set REELBOT_LINE_PUSH_QUOTA_MONTHLY",
                    event.job_id,
                )
                return True
            if exc.transient:
                log.warning("push for job %s failed, will retry: %s", event.job_id, exc)
                return False
            log.error("push for job %s refused by LINE: %s", event.job_id, exc)
            return True
        if sent:
            await self.state.count_push()  # a 409 (accepted before) sent nothing new
        return True

    async def task_messages(self, event: JobEvent, locale: str | None) -> list[Any] | None:
        """A finished Short: the text with the YouTube reminder, then the video (a signed link
        when LINE would refuse it as video); a failed one: why. Progress pushes nothing."""
        if event.kind is EventKind.FAILED:
            reason = failure_reason(event.error_key, event.error_detail, str(event.job_id), locale)
            return [outgoing.text(render("finish.failed_status", locale, reason=reason), self.config)]
        if event.kind is not EventKind.DONE:
            return None
        result = await finished(self.service, event.job_id)
        media = self.service.media
        thumb = None
        if result.clip_id is not None:
            with contextlib.suppress(NotFound):
                thumb = (await self.service.clip(result.clip_id)).thumbnail_key
        clip_media = outgoing.ClipMedia(
            video_url=media.signed_url(result.video_key),
            preview_url=media.signed_url(thumb) if thumb else "",
            video_bytes=result.size_bytes,
            preview_path=media.path(thumb) if thumb else None,
            duration_s=result.duration_s,
        )
        text = result.done_text(locale)
        problem = await asyncio.to_thread(outgoing.video_problem, clip_media, self.config)
        if problem is None:
            video = VideoMessage(
                original_content_url=clip_media.video_url, preview_image_url=clip_media.preview_url
            )
            return [outgoing.text(text, self.config), video]
        log.info("finished task %s sent as a link: %s", event.job_id, problem)
        return [outgoing.text(f"{text}\n{clip_media.video_url}", self.config)]

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
        # Reads and measures the preview file: a thread, not the event loop.
        actions = clip_actions("line", clip, self.service.settings)  # Render in quality: faster modes only
        other_modes = bool(mode_takes(clip, self.service.settings, "line"))  # 換個速度
        messages, problem = await asyncio.to_thread(
            outgoing.result_messages, clip.id, clip_media, page, locale, self.config, actions, other_modes
        )
        if problem:
            log.warning("clip %s sent as a link: %s", clip.id, problem)
        return messages
