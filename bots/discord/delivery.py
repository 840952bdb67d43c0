"""The results side of the bot: job events from Redis → edited status messages and posted clips.

It reads the Discord events stream in its own consumer group (``discord``) under a stable
consumer name, so what a stopped bot missed is still pending for it when it comes back
(:class:`~reelbot.queue.events.EventStream` returns this consumer's pending entries first).

Per batch, events are grouped by job. Progress is lossy by design: only a job's newest state
matters, it goes through :class:`EditThrottle` (≥ ``progress_interval_s`` between edits of one
message, the last one always sent) and is acknowledged at once. A terminal event (done,
failed, cancelled) is acknowledged only after the clip or the reason was posted; before
posting, a Redis marker per job is checked and afterwards set, and the clip message carries
the job's nonce (Discord's ``enforce_nonce``), so a job is never posted twice — not after a
restart, not when a worker publishes ``done`` twice. What the clip message holds (caption,
file or link) is :mod:`~reelbot.bots.discord.clip_post`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING

import discord

from reelbot.bots.common.status import event_text
from reelbot.bots.discord.after_render import on_clip_outcome
from reelbot.bots.discord.clip_post import post_clip
from reelbot.bots.discord.finish_music import handle_music
from reelbot.bots.discord.jobs import status_header
from reelbot.domain.errors import NotFound
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.tasks import ASSEMBLE_DRAFT, FINISH, MUSIC
from reelbot.domain.types import Origin, Platform
from reelbot.ops import metrics

if TYPE_CHECKING:
    from reelbot.app.service import ClipView
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

TERMINAL = (EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED)
_HEADER_CACHE = 4096
RETRY_BASE_S = 0.5  # back-off after a failed round of the results loop, doubling ...
RETRY_MAX_S = 30.0  # ... up to this


class Delivery:
    """Consumes the events stream until :meth:`stop`."""

    def __init__(self, bot: ReelBot) -> None:
        from reelbot.bots.discord.boards import BoardDelivery
        from reelbot.bots.discord.eta import EtaRefresher
        from reelbot.bots.discord.finished import FinishDelivery
        from reelbot.bots.discord.throttle import EditThrottle

        self.bot = bot
        self.config = bot.config
        self.stream = bot.service.events(Platform.DISCORD)
        self.throttle = EditThrottle(self.config.progress_interval_s)
        self.eta = EtaRefresher(self, self.config.eta_refresh_s)  # waiting jobs' live ETA
        # Events published before this process started may follow an edit by the previous one.
        self._born, self._born_ms = time.monotonic(), int(time.time() * 1000)
        self.boards = BoardDelivery(self)
        self.finishes = FinishDelivery(self)
        self._headers: OrderedDict[uuid.UUID, str] = OrderedDict()
        # Jobs whose outcome this process posted: a late progress event never un-does "done".
        self._finished: OrderedDict[uuid.UUID, None] = OrderedDict()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.idle = asyncio.Event()  # set whenever a read came back empty (tests, shutdown)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="discord-delivery")
        self._task.add_done_callback(self._ended)
        self.eta.start()

    @property
    def alive(self) -> bool:
        """False once the results loop has ended while the bot was not stopping (readiness)."""
        return self._task is not None and (not self._task.done() or self._stopping.is_set())

    def _ended(self, task: asyncio.Task[None]) -> None:
        """A results loop that ends on its own means /video is accepted but nothing is posted:
        say so loudly (the readiness check reads :attr:`alive`)."""
        if self._stopping.is_set() or task.cancelled():
            return
        error = task.exception()
        log.critical(
            "the Discord results loop stopped; no clip will be posted until the bot restarts",
            exc_info=error,
        )

    async def stop(self) -> None:
        self._stopping.set()
        await self.eta.stop()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.throttle.aclose()

    async def run(self) -> None:
        group, consumer = self.config.events_group, self.config.consumer_name
        try:
            await self.stream.ensure_group(group)
        except Exception:  # Redis not up yet: a read finding no group creates it (NOGROUP)
            log.exception("creating consumer group %s failed; the first read retries", group)
        await self.bot.wait_until_ready()
        log.info("delivering Discord results as %s/%s", group, consumer)
        failures = 0
        while not self._stopping.is_set():
            try:
                ok = await self._round(group, consumer)
            except asyncio.CancelledError:
                raise
            except Exception:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # Cancelled mid-read: the Redis client may report it as a connection error.
                    raise asyncio.CancelledError from None
                log.exception("reading the events stream failed; retrying")
                ok = False
            failures = 0 if ok else failures + 1
            if failures:
                # Redis down or a job's handling broke: back off, never give up on the loop.
                await asyncio.sleep(min(RETRY_MAX_S, RETRY_BASE_S * 2 ** (failures - 1)))

    async def _round(self, group: str, consumer: str) -> bool:
        """Read one batch and handle it, job by job; False when some part of it failed."""
        batch = await self.stream.read(group, consumer, self.config.events_batch, self.config.events_block_ms)
        if not batch:
            self.idle.set()
            return True
        self.idle.clear()
        by_job: dict[uuid.UUID, list[tuple[str, JobEvent]]] = {}
        for entry_id, event in batch:
            by_job.setdefault(event.job_id, []).append((entry_id, event))
        jobs = list(by_job)
        results = await asyncio.gather(
            *(self._handle_job(items) for items in by_job.values()), return_exceptions=True
        )
        ok = True
        for job_id, result in zip(jobs, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):
                # Its entries stay pending (delivered after the next start); the others go on.
                log.error("handling events of job %s failed", job_id, exc_info=result)
                ok = False
        return ok

    async def _handle_job(self, items: list[tuple[str, JobEvent]]) -> None:
        ids = [entry_id for entry_id, _ in items]
        if any(_entry_ms(entry_id) < self._born_ms for entry_id in ids):
            message = self._status_message(items[-1][1].origin)
            if message is not None:
                self.throttle.assume_edited(str(message.id), self._born)
        terminal = next((event for _, event in items if event.kind in TERMINAL), None)
        if items[-1][1].task is not None:  # a worker task (draft assembly, finish), not a clip job
            await self._handle_task(items, ids, terminal is not None)
            return
        if await self._handle_board_job(items, ids, terminal is not None):
            return
        try:
            if terminal is not None:
                if not await self._finish(terminal):
                    return  # stays pending: delivered after the next start
                await on_clip_outcome(self.bot, terminal)  # /video's own soundtrack: finish it now
            else:
                await self._progress(items[-1][1])
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("handling events of job %s failed", items[-1][1].job_id)
            if terminal is not None:
                return
        await self.stream.ack(self.config.events_group, *ids)

    async def _handle_board_job(
        self, items: list[tuple[str, JobEvent]], ids: list[str], terminal: bool
    ) -> bool:
        """Events of a storyboard shot go to :class:`BoardDelivery`; True when they were handled."""
        from reelbot.app.storyboards import board_of_event

        event = items[-1][1]
        try:
            board_id = await board_of_event(self.bot.service, event.job_id, event.origin)
        except Exception:
            log.exception("looking up the storyboard of job %s failed", event.job_id)
            board_id = None
        if board_id is None:
            return False
        try:
            done = await self.boards.handle(items, board_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("storyboard %s: handling events of job %s failed", board_id, event.job_id)
            done = not terminal  # progress is lossy; an outcome stays pending for the next start
        if done:
            await self.stream.ack(self.config.events_group, *ids)
        return True

    async def _handle_task(self, items: list[tuple[str, JobEvent]], ids: list[str], terminal: bool) -> None:
        """Events of a worker task go to the part of the bot that asked for it."""
        kind = items[-1][1].task
        try:
            if kind == ASSEMBLE_DRAFT:
                done = await self.boards.handle_draft_task(items)
            elif kind == FINISH:
                done = await self.finishes.handle(items)
            elif kind == MUSIC:  # /finish … music: its track done → the finish is queued
                done = await handle_music(self.bot, items)
            else:
                done = True  # a kind this bot never asks for: nothing to show
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("handling events of %s task %s failed", kind, items[-1][1].job_id)
            done = not terminal  # progress is lossy; an outcome stays pending for the next start
        if done:
            await self.stream.ack(self.config.events_group, *ids)

    # -- progress -----------------------------------------------------------------------------

    async def _header(self, job_id: uuid.UUID, origin: Origin) -> str:
        header = self._headers.get(job_id)
        if header is None:
            try:
                job = await self.bot.service.job(job_id)
                prompt = job.request.prompt
            except NotFound:
                prompt = ""
            header = status_header(prompt, origin)
            self._headers[job_id] = header
            if len(self._headers) > _HEADER_CACHE:
                self._headers.popitem(last=False)
        return header

    def _status_message(self, origin: Origin) -> discord.PartialMessage | None:
        if not origin.channel_id or not origin.message_id:
            return None
        channel = self.bot.get_partial_messageable(
            int(origin.channel_id), guild_id=int(origin.guild_id) if origin.guild_id else None
        )
        return channel.get_partial_message(int(origin.message_id))

    async def _progress(self, event: JobEvent) -> None:
        if self._status_message(event.origin) is None or event.job_id in self._finished:
            return
        line = None
        if event.kind is EventKind.QUEUED:
            line = await self.eta.queued_line(event)  # live: the work ahead over the workers
        else:
            self.eta.forget(event.job_id)
        if line is None:
            line = event_text(event, event.origin.locale, seconds_per_job=self.config.seconds_per_job)
        await self.edit_status(event.job_id, event.origin, line)

    async def edit_status(self, job_id: uuid.UUID, origin: Origin, line: str) -> bool:
        """Show ``line`` under the header of a job's status message, through the throttle;
        False when it has no message or its outcome is posted already."""
        message = self._status_message(origin)
        if message is None or job_id in self._finished:
            return False
        text = f"{await self._header(job_id, origin)}\n{line}"

        async def edit() -> None:
            await message.edit(content=text, allowed_mentions=discord.AllowedMentions.none())

        self.throttle.update(str(message.id), edit)
        return True

    # -- outcomes -------------------------------------------------------------------------------

    async def _finish(self, event: JobEvent) -> bool:
        """Post the outcome once; True when it is posted (or can never be), False to retry later."""
        redis = self.bot.service.redis
        marker = self.bot.service.keys.bot_delivered(Platform.DISCORD.value, str(event.job_id))
        if await redis.exists(marker):
            log.info("job %s was already delivered; skipping the repeated %s", event.job_id, event.kind)
            return True
        for attempt in range(1, self.config.delivery_attempts + 1):
            if attempt > 1 and await redis.exists(marker):
                break  # the clip went out before the failure: never post it twice
            try:
                await self._post_outcome(event, marker)
                break
            except discord.Forbidden:
                log.warning(
                    "no access to channel %s any more; dropping job %s's result",
                    event.origin.channel_id,
                    event.job_id,
                )
                break
            except (discord.HTTPException, OSError, TimeoutError) as exc:
                if isinstance(exc, discord.HTTPException) and 400 <= exc.status < 500 and exc.status != 429:
                    log.warning("Discord refused job %s's result (%s); not retrying", event.job_id, exc)
                    break
                log.warning("posting job %s's result failed (try %d): %s", event.job_id, attempt, exc)
                if attempt == self.config.delivery_attempts:
                    return False
                await asyncio.sleep(min(10.0, 2.0**attempt))
        await redis.set(marker, "1", ex=self.config.delivered_ttl_s)
        metrics.observe_event_delivered("discord", event.kind.value)
        self._headers.pop(event.job_id, None)
        self.eta.forget(event.job_id)
        self._finished[event.job_id] = None
        if len(self._finished) > _HEADER_CACHE:
            self._finished.popitem(last=False)
        return True

    async def _post_outcome(self, event: JobEvent, marker: str) -> None:
        """Post the clip (then set ``marker`` at once) or the reason, and edit the status message.

        Once the clip is in the channel, the status edit is best-effort: its failure must never
        make a retry — in this process or after a restart — post the clip a second time.
        """
        origin, locale = event.origin, event.origin.locale
        status = self._status_message(origin)
        header = await self._header(event.job_id, origin)
        clip: ClipView | None = None
        if event.kind is EventKind.DONE and event.clip_id is not None:
            clip = await self.bot.service.clip(event.clip_id)
        posted = clip is not None and not clip.deleted and bool(origin.channel_id)
        if posted:
            assert clip is not None
            await post_clip(self.bot, event, clip, status)
            await self.bot.service.redis.set(marker, "1", ex=self.config.delivered_ttl_s)
            final = render("status.done", locale)
        else:
            final = event_text(event, locale)
        if status is not None:
            text = f"{header}\n{final}"

            async def edit() -> None:
                try:
                    await status.edit(content=text, allowed_mentions=discord.AllowedMentions.none())
                except discord.NotFound:
                    log.info("status message of job %s is gone", event.job_id)

            try:
                await self.throttle.final(str(status.id), edit)
            except (discord.HTTPException, OSError, TimeoutError) as exc:
                if not posted:
                    raise  # the edit is the outcome itself: retried
                log.warning("job %s: clip posted, but the status edit failed: %s", event.job_id, exc)
            finally:
                self.throttle.forget(str(status.id))


def _entry_ms(entry_id: str) -> int:
    """The wall-clock milliseconds a Redis stream entry id starts with (``<ms>-<seq>``)."""
    head = str(entry_id).split("-", 1)[0]
    return int(head) if head.isdigit() else 0
