"""The jobs queue: Redis Streams with one consumer group of workers, two lanes.

Life of a job (see docs/queue.md):

* :meth:`JobQueue.enqueue` adds ``{job, user}`` to the lane's stream, guarded by an
  idempotency key and a per-user cap, atomically (Lua).
* :meth:`JobQueue.claim` hands messages to a worker: first messages a dead worker left
  pending longer than ``reclaim_idle_ms`` (XAUTOCLAIM), then new ones from ``fast``, and
  from ``relaxed`` only when ``fast`` has none. A message delivered more than
  ``max_deliveries`` times is not handed out again: it goes to the dead-letter stream and
  comes back in :attr:`ClaimResult.dead` so the worker marks the job failed and tells the user.
* While rendering, the worker calls :meth:`JobQueue.heartbeat` so the message stays its own,
  polls :meth:`JobQueue.is_cancelled`, and records errors with :meth:`JobQueue.record_error`.
* Only after the result is stored does it call :meth:`JobQueue.ack` (XACK + XDEL + index
  clean-up in one MULTI). A worker that dies before that leaves the message pending; another
  worker reclaims it.

No business rules live here: job ids are opaque, users are opaque ``user_key`` strings.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from reelbot.queue import scripts
from reelbot.queue.errors import PendingCapReached
from reelbot.queue.keys import LANES, Keys, Lane
from reelbot.queue.settings import QueueSettings

log = logging.getLogger(__name__)

#: How long a cancel flag lives: longer than any render.
CANCEL_FLAG_TTL_S = 24 * 3600
#: Jobs per enqueue script call: bounds how long one call keeps Redis busy (~1 ms).
ENQUEUE_CHUNK = 200
#: Deliveries per ack script call.
ACK_CHUNK = 1000
#: Recorded errors are truncated to this many characters (they travel into dead letters).
MAX_ERROR_CHARS = 2000
#: A consumer stamps itself alive at most this often (claims can come many times a second).
SEEN_EVERY_S = 1.0
#: Names silent this long leave the workers-seen set (it never grows with old workers).
SEEN_KEEP_MS = 24 * 3600 * 1000


def _s(value: Any) -> str:
    """Text from a reply that may be bytes (decode_responses=False) or str."""
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class EnqueueItem:
    """One job for :meth:`JobQueue.enqueue_many`."""

    job_id: uuid.UUID
    idempotency_key: str
    user_key: str
    lane: str = Lane.FAST


@dataclass(frozen=True)
class EnqueueResult:
    """``duplicate``: the idempotency key (or job id) was seen before; ``job_id`` is the first job's.

    ``message_id`` is None for a duplicate whose job already left the queue (finished).
    """

    job_id: uuid.UUID
    message_id: str | None
    duplicate: bool


@dataclass(frozen=True)
class Delivery:
    """A message handed to one worker. ``attempt`` is Redis's delivery count (1 = first)."""

    message_id: str
    job_id: uuid.UUID
    lane: Lane
    attempt: int
    user_key: str


@dataclass(frozen=True)
class DeadLetter:
    """A job taken out of circulation, with the last error recorded for it."""

    entry_id: str  # id in the dead-letter stream
    job_id: uuid.UUID
    lane: Lane
    attempt: int
    error: str
    message_id: str  # its id in the jobs stream
    user_key: str


@dataclass(frozen=True)
class Standing:
    """Where one waiting job stands (:meth:`JobQueue.standing`), for a wait estimate.

    ``ahead`` are the jobs a worker will take before it, in serving order (all of an earlier
    lane's, then its own lane's); ``in_flight`` the jobs workers hold now. Both lists stop at
    the ``limit`` asked for; ``ahead_count`` is always the full count.
    """

    lane: Lane
    lane_position: int  # 1-based among the undelivered messages of its own lane
    position: int  # 1-based across lanes in serving order (what :meth:`JobQueue.position` says)
    ahead: list[uuid.UUID]
    in_flight: list[uuid.UUID]

    @property
    def ahead_count(self) -> int:
        return self.position - 1


@dataclass(frozen=True)
class ClaimResult:
    """What :meth:`JobQueue.claim` returns.

    ``deliveries`` are the jobs to run now. ``dead`` are jobs that just exceeded
    ``max_deliveries``: they are already in the dead-letter stream and acknowledged; the
    worker must mark each job failed (``error`` says why) and tell its user.
    """

    deliveries: list[Delivery]
    dead: list[DeadLetter]

    def __bool__(self) -> bool:
        return bool(self.deliveries or self.dead)


class JobQueue:
    """The jobs queue of one deployment (one key prefix). Safe to share between tasks."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: QueueSettings) -> None:
        self.redis = redis
        self.keys = keys
        self.settings = settings
        self.group = keys.workers_group
        self._streams = {lane: keys.jobs(lane) for lane in LANES}
        self._lane_numbers: dict[str, int] = {lane.value: i + 1 for i, lane in enumerate(LANES)}
        self._enqueue = redis.register_script(scripts.ENQUEUE)
        self._claim = redis.register_script(scripts.CLAIM)
        self._ack = redis.register_script(scripts.ACK)
        self._dead_letter = redis.register_script(scripts.DEAD_LETTER)
        self._touch = redis.register_script(scripts.TOUCH)
        self._position = redis.register_script(scripts.POSITION)
        self._standing = redis.register_script(scripts.STANDING)
        self._seen = redis.register_script(scripts.SEEN)
        self._live = redis.register_script(scripts.LIVE)
        # When each consumer of this process was last stamped in the workers-seen set.
        self._stamped: dict[str, float] = {}
        self._cancel = redis.register_script(scripts.CANCEL)
        # XAUTOCLAIM cursors per lane: scanning resumes where it stopped, so a long pending
        # list full of busy (heartbeating) messages cannot hide a stale one at its end.
        self._cursors: dict[Lane, str] = dict.fromkeys(LANES, "0-0")
        self._last_reclaim = float("-inf")
        #: How often a claim found the streams or the group gone (Redis lost its data) and
        #: recreated them: a worker then re-enqueues queued jobs from the database at once.
        self.groups_recreated = 0
        # Reclaim scans cost a little on every claim; a dead worker's job only needs to be
        # noticed within a fraction of the idle timeout.
        self._reclaim_every_s = min(self.settings.reclaim_idle_ms / 4, 1000) / 1000

    # -- set-up -------------------------------------------------------------------------

    async def ensure_groups(self) -> None:
        """Create each lane's stream and the workers group (idempotent)."""
        for lane in LANES:
            try:
                await self.redis.xgroup_create(self.keys.jobs(lane), self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    # -- producing ------------------------------------------------------------------------

    async def enqueue(
        self,
        job_id: uuid.UUID,
        *,
        idempotency_key: str,
        user_key: str,
        max_pending: int,
        lane: str = Lane.FAST,
    ) -> EnqueueResult:
        """Queue a job once per idempotency key.

        Raises :class:`~reelbot.queue.errors.PendingCapReached` when the user already has
        ``max_pending`` jobs queued or running; nothing is written then.
        """
        (result,) = await self.enqueue_many(
            [EnqueueItem(job_id, idempotency_key, user_key, lane)], max_pending=max_pending
        )
        if isinstance(result, PendingCapReached):
            raise result
        return result

    async def enqueue_many(
        self, items: Iterable[EnqueueItem], *, max_pending: int
    ) -> list[EnqueueResult | PendingCapReached]:
        """Queue many jobs in one round trip (each one idempotent and capped on its own).

        A refused item yields its ``PendingCapReached`` in place of a result; the others are queued.
        Large batches go as several script calls in one pipeline, so Redis never runs one
        script for long.
        """
        batch = list(items)
        if not batch:
            return []
        head = [self.keys.index, *self._streams.values()]
        head_args = [self.settings.idempotency_ttl_s, max_pending, len(LANES), *LANES]
        calls: list[tuple[list[str], list[Any]]] = []
        for start in range(0, len(batch), ENQUEUE_CHUNK):
            keys: list[str] = list(head)
            args: list[Any] = list(head_args)
            for item in batch[start : start + ENQUEUE_CHUNK]:
                if not item.idempotency_key:
                    raise ValueError("idempotency_key must not be empty")
                keys += [self.keys.idempotency(item.idempotency_key), self.keys.user_pending(item.user_key)]
                args.append(f"{self._lane_no(item.lane)} {item.job_id} {item.user_key}")
            calls.append((keys, args))
        if len(calls) == 1:
            replies = [await self._enqueue(keys=calls[0][0], args=calls[0][1])]
        else:
            pipe = self.redis.pipeline(transaction=False)
            for keys, args in calls:
                await self._enqueue(keys=keys, args=args, client=pipe)
            replies = await pipe.execute()
        flat = [reply for chunk in replies for reply in chunk]
        return [
            self._enqueue_result(item.job_id, reply, max_pending)
            for item, reply in zip(batch, flat, strict=True)
        ]

    def _lane_no(self, lane: str) -> int:
        try:
            return self._lane_numbers[lane]
        except KeyError:
            raise ValueError(f"lane must be one of {[str(x) for x in LANES]} (got {lane!r})") from None

    async def lookup(self, idempotency_key: str) -> uuid.UUID | None:
        """The job first enqueued under ``idempotency_key``, if it is still remembered."""
        raw = await self.redis.get(self.keys.idempotency(idempotency_key))
        return None if raw is None else uuid.UUID(_s(raw))

    @staticmethod
    def _enqueue_result(job_id: uuid.UUID, reply: Any, max_pending: int) -> EnqueueResult | PendingCapReached:
        text = _s(reply)
        if text.startswith("C "):
            return PendingCapReached(count=int(text[2:]), limit=max_pending)
        if text.startswith("D "):
            parts = text.split(" ", 4)  # D first-job [lane message-id user]
            return EnqueueResult(uuid.UUID(parts[1]), parts[3] if len(parts) > 3 else None, duplicate=True)
        return EnqueueResult(job_id, text, duplicate=False)

    # -- consuming --------------------------------------------------------------------------

    async def claim(self, consumer: str, *, count: int = 1, block_ms: int | None = None) -> ClaimResult:
        """Up to ``count`` jobs for ``consumer``: reclaimed ones first, then fast, then relaxed.

        With ``block_ms`` and nothing available, waits that long for a new message on either
        lane (the blocking read may then return up to ``count`` per lane).
        """
        if count < 1:
            raise ValueError(f"count must be at least 1 (got {count})")
        await self.mark_seen(consumer)
        try:
            result = await self._claim_once(consumer, count)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_groups()  # the streams were deleted under us: recreate, go on
            self.groups_recreated += 1
            result = await self._claim_once(consumer, count)
        if result or not block_ms:
            return result
        return await self._claim_blocking(consumer, count, block_ms)

    async def _claim_once(self, consumer: str, count: int) -> ClaimResult:
        now = time.monotonic()
        reclaim = now - self._last_reclaim >= self._reclaim_every_s
        if reclaim:
            self._last_reclaim = now
        reply = await self._claim(
            keys=[self.keys.jobs(lane) for lane in LANES],
            args=[
                self.group,
                consumer,
                count,
                self.settings.reclaim_idle_ms,
                "1" if reclaim else "0",
                *(self._cursors[lane] for lane in LANES),
            ],
        )
        for i, lane in enumerate(LANES):
            self._cursors[lane] = _s(reply[i])
        deliveries = []
        for raw in reply[len(LANES)]:
            lane_no, tries, message_id, job, user = _s(raw).split(" ", 4)
            deliveries.append(Delivery(message_id, uuid.UUID(job), LANES[int(lane_no) - 1], int(tries), user))
        return await self._split_dead(deliveries)

    async def _claim_blocking(self, consumer: str, count: int, block_ms: int) -> ClaimResult:
        streams: dict[Any, Any] = {self.keys.jobs(lane): ">" for lane in LANES}
        try:
            reply = await self.redis.xreadgroup(self.group, consumer, streams, count=count, block=block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_groups()
            self.groups_recreated += 1
            return ClaimResult([], [])
        by_stream = {self.keys.jobs(lane): lane for lane in LANES}
        deliveries: list[Delivery] = []
        for stream, entries in _stream_items(reply):
            lane = by_stream[stream]
            for message_id, fields in entries:
                deliveries.append(self._fresh_delivery(lane, message_id, fields))
        deliveries.sort(key=lambda d: LANES.index(d.lane))
        return ClaimResult(deliveries, [])

    @staticmethod
    def _fresh_delivery(lane: Lane, message_id: Any, fields: dict[Any, Any]) -> Delivery:
        decoded = {_s(k): _s(v) for k, v in fields.items()}
        return Delivery(_s(message_id), uuid.UUID(decoded["job"]), lane, 1, decoded.get("user", ""))

    async def _split_dead(self, deliveries: list[Delivery]) -> ClaimResult:
        limit = self.settings.max_deliveries
        live = [d for d in deliveries if d.attempt <= limit]
        over = [d for d in deliveries if d.attempt > limit]
        dead = await self._dead_letter_many(over, error="") if over else []
        for letter in dead:
            log.warning(
                "job %s dead-lettered after %d deliveries: %s", letter.job_id, letter.attempt, letter.error
            )
        return ClaimResult(live, dead)

    # -- while running ------------------------------------------------------------------------

    async def heartbeat(self, consumer: str, delivery: Delivery) -> bool:
        """Reset the message's idle time so a long render is not reclaimed.

        Returns False when the message is no longer this consumer's (another worker
        reclaimed it after this one stalled, or it was acknowledged): stop working on it.
        """
        await self.mark_seen(consumer)
        return await self._touch_message(consumer, delivery, "beat")

    async def release(self, consumer: str, delivery: Delivery, *, count_attempt: bool = False) -> bool:
        """Hand a claimed message back (graceful shutdown): the next claim may take it at once.

        With ``count_attempt=False`` the hand-back does not use up one of its deliveries.
        """
        return await self._touch_message(consumer, delivery, "release", count_attempt=count_attempt)

    async def _touch_message(
        self, consumer: str, delivery: Delivery, mode: str, *, count_attempt: bool = False
    ) -> bool:
        retry_count = delivery.attempt if count_attempt else max(delivery.attempt - 1, 0)
        owned = await self._touch(
            keys=[self.keys.jobs(delivery.lane)],
            args=[
                self.group,
                consumer,
                delivery.message_id,
                mode,
                self.settings.reclaim_idle_ms,
                retry_count,
            ],
        )
        if mode == "release" and owned:
            self._last_reclaim = float("-inf")  # let our own next claim pick it up
        return bool(owned)

    async def record_error(self, delivery: Delivery, error: str) -> None:
        """Remember the latest error of a job; it goes into the dead letter if it ends there."""
        await self.redis.hset(self.keys.errors, str(delivery.job_id), error[:MAX_ERROR_CHARS])

    async def is_cancelled(self, job_id: uuid.UUID) -> bool:
        """Whether someone asked to cancel this job (a running worker polls this)."""
        return bool(await self.redis.exists(self.keys.cancel(str(job_id))))

    # -- finishing ----------------------------------------------------------------------------

    async def ack(self, *deliveries: Delivery) -> int:
        """Acknowledge finished jobs (after their result is stored): XACK, XDEL and removal
        from the index and the user's pending set, atomically, in one round trip (Lua).

        Returns how many were still pending (0 for one that was already acknowledged).
        """
        if not deliveries:
            return 0
        acked = 0
        # Chunks keep each script short and within Lua's unpack() limit (~8000 values).
        for start in range(0, len(deliveries), ACK_CHUNK):
            keys = [self.keys.index, self.keys.errors, *self._streams.values()]
            args: list[Any] = [self.group, len(LANES)]
            for d in deliveries[start : start + ACK_CHUNK]:
                keys.append(self.keys.user_pending(d.user_key))
                args.append(f"{self._lane_no(d.lane)} {d.message_id} {d.job_id}")
            acked += int(await self._ack(keys=keys, args=args))
        return acked

    async def dead_letter(self, delivery: Delivery, error: str) -> DeadLetter:
        """Give up on a job now (an error retrying cannot fix); it leaves the queue."""
        (letter,) = await self._dead_letter_many([delivery], error=error[:MAX_ERROR_CHARS] or "failed")
        return letter

    async def _dead_letter_many(self, deliveries: Sequence[Delivery], *, error: str) -> list[DeadLetter]:
        pipe = self.redis.pipeline(transaction=False)
        now_ms = int(time.time() * 1000)
        for d in deliveries:
            await self._dead_letter(
                keys=[
                    self.keys.jobs(d.lane),
                    self.keys.dead(d.lane),
                    self.keys.index,
                    self.keys.errors,
                    self.keys.user_pending(d.user_key),
                ],
                args=[self.group, d.message_id, str(d.job_id), d.user_key, d.lane, d.attempt, error, now_ms],
                client=pipe,
            )
        replies = await pipe.execute()
        return [
            DeadLetter(_s(entry), d.job_id, d.lane, d.attempt, _s(err), d.message_id, d.user_key)
            for d, (entry, err) in zip(deliveries, replies, strict=True)
        ]

    async def dead_letters(self, count: int = 100) -> list[DeadLetter]:
        """The newest ``count`` dead letters of all lanes, newest first (for operators)."""
        letters: list[DeadLetter] = []
        for lane in LANES:
            entries: list[Any] = await self.redis.xrevrange(self.keys.dead(lane), count=count) or []
            for entry_id, fields in entries:
                f = {_s(k): _s(v) for k, v in (fields or {}).items()}
                letters.append(
                    DeadLetter(
                        entry_id=_s(entry_id),
                        job_id=uuid.UUID(f["job"]),
                        lane=Lane(f.get("lane", lane)),
                        attempt=int(f.get("attempt", 0)),
                        error=f.get("error", ""),
                        message_id=f.get("message", ""),
                        user_key=f.get("user", ""),
                    )
                )
        letters.sort(key=lambda letter: _id_tuple(letter.entry_id), reverse=True)
        return letters[:count]

    # -- looking at the queue -----------------------------------------------------------------

    async def position(self, job_id: uuid.UUID) -> int | None:
        """1-based place among jobs not yet handed to a worker (all of fast before relaxed).

        None once a worker has it, or when the job is not queued at all.
        """
        reply = await self._position(
            keys=[self.keys.index, *(self.keys.jobs(lane) for lane in LANES)],
            args=[str(job_id), self.group, *(lane.value for lane in LANES)],
        )
        return None if reply is None else int(reply)

    async def standing(self, job_id: uuid.UUID, *, limit: int = 500) -> Standing | None:
        """The job's lane and places, the jobs ahead of it and those being worked on (one
        atomic read); None once a worker has it, or when it is not queued at all.

        ``limit`` bounds each id list (and the work Redis does): a caller extrapolates beyond.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1 (got {limit})")
        reply = await self._standing(
            keys=[self.keys.index, *(self.keys.jobs(lane) for lane in LANES)],
            args=[str(job_id), self.group, limit, *(lane.value for lane in LANES)],
        )
        if not reply:
            return None
        lane, lane_position, position, count = _s(reply[0]), int(reply[1]), int(reply[2]), int(reply[3])
        ids = [uuid.UUID(_s(raw)) for raw in reply[4:]]
        return Standing(Lane(lane), lane_position, position, ids[:count], ids[count:])

    async def mark_seen(self, consumer: str) -> None:
        """Stamp ``consumer`` as alive (every claim and heartbeat does; at most about once a
        second per consumer, so a busy claim loop costs no extra round trip each time).

        A stamp of its own because Redis 7.0 registers a consumer in the group only once it
        is handed a message: a worker waiting on an empty queue is invisible to XINFO.
        """
        now = time.monotonic()
        if now - self._stamped.get(consumer, float("-inf")) < SEEN_EVERY_S:
            return
        self._stamped[consumer] = now
        await self._seen(keys=[self.keys.workers_seen], args=[consumer, SEEN_KEEP_MS])

    async def forget_consumer(self, consumer: str) -> None:
        """A worker that stops cleanly takes its stamp away: it no longer counts as serving."""
        self._stamped.pop(consumer, None)
        await self.redis.zrem(self.keys.workers_seen, consumer)

    async def live_consumers(self, *, within_ms: int | None = None) -> int:
        """How many workers claimed or heartbeat within ``within_ms`` (default: the reclaim
        idle time, after which a silent worker's job is taken over: it counts as dead).

        A stopped worker still counts until that time has passed.
        """
        window = self.settings.reclaim_idle_ms if within_ms is None else within_ms
        return int(await self._live(keys=[self.keys.workers_seen], args=[max(0, window)]))

    async def cancel(self, job_id: uuid.UUID) -> bool:
        """Cancel a job: True if it was still waiting and is now gone from the queue.

        Either way a cancel flag is set, so a worker that already has the job sees
        :meth:`is_cancelled` and stops (False is returned then, or for an unknown job).
        """
        job = str(job_id)
        flag = self.keys.cancel(job)
        for _ in range(5):
            where = await self.redis.hget(self.keys.index, job)
            if where is None:
                await self.redis.set(flag, "1", ex=CANCEL_FLAG_TTL_S)
                return False
            lane, _message_id, user_key = _s(where).split(" ", 2)
            outcome = await self._cancel(
                keys=[
                    self.keys.index,
                    flag,
                    self.keys.jobs(lane),
                    self.keys.user_pending(user_key),
                    self.keys.errors,
                ],
                args=[job, _s(where), self.group, CANCEL_FLAG_TTL_S],
            )
            if int(outcome) >= 0:
                return int(outcome) == 1
        return False  # the index kept changing under us: the job is moving, the flag is set

    async def depth(self) -> dict[str, dict[str, int]]:
        """Per lane: ``waiting`` (not yet delivered), ``pending`` (claimed, not acked), ``dead``.

        For metrics: ``{"fast": {"waiting": 3, "pending": 1, "dead": 0}, "relaxed": {...}}``.
        """
        pipe = self.redis.pipeline(transaction=False)
        for lane in LANES:
            pipe.xlen(self.keys.jobs(lane))
            pipe.xpending(self.keys.jobs(lane), self.group)
            pipe.xlen(self.keys.dead(lane))
        replies = await pipe.execute(raise_on_error=False)
        out: dict[str, dict[str, int]] = {}
        for i, lane in enumerate(LANES):
            length, pending_info, dead = replies[3 * i : 3 * i + 3]
            length = length if isinstance(length, int) else 0
            pending = pending_info["pending"] if isinstance(pending_info, dict) else 0
            out[lane.value] = {
                "waiting": max(length - pending, 0),
                "pending": pending,
                "dead": dead if isinstance(dead, int) else 0,
            }
        return out


def _id_tuple(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _stream_items(reply: Any) -> list[tuple[str, list[tuple[Any, dict[Any, Any]]]]]:
    """XREADGROUP's reply as (stream name, entries)."""
    if not reply:
        return []
    pairs = reply.items() if isinstance(reply, dict) else reply
    out: list[tuple[str, list[tuple[Any, dict[Any, Any]]]]] = []
    for stream, entries in pairs:
        out.append((_s(stream), [(mid, fields or {}) for mid, fields in entries]))
    return out
