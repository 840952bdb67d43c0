"""Atomic limits: GPU-second quotas and hourly rates, checked and reserved in one step.

Why a Redis Lua script and not a row lock: the service runs in several processes (every bot
replica, the CLI, ``serve``) over SQLite *or* PostgreSQL. SQLite has no ``SELECT … FOR
UPDATE`` and serialises whole-database writes, so a row lock would behave differently per
backend and turn 30 simultaneous submits into "database is locked" retries. A Lua script runs
alone inside Redis (the queue already relies on that for its pending cap), so "count, compare,
reserve" cannot interleave with another submit on any database. The database stays the record;
Redis holds what the database cannot know yet:

* **Quota windows** (user / community × daily / monthly): the database's figure (measured
  GPU-seconds, plus estimates of older jobs the ledger does not hold) is read and passed to the
  script, which adds the window's Redis counter — the estimates of the jobs it holds
  reservations for — and the new job's estimate. Reading the database and running the script
  happen under a short per-scope lock (:meth:`LimitLedger.locked`) that settling takes too, so
  a job finishing in between is never counted nowhere. Redis losing its data loses only
  reservations of in-flight jobs; an admin correcting ``Job.gpu_seconds`` is seen at once.
* **Hourly rates** (per person across all their chats, per community) are sorted sets of job
  ids scored by admission time: a sliding hour, the same for Discord and LINE.
* **A reservation** (one hash per job) records what the job took, so it can be given back
  exactly once: :meth:`LimitLedger.release` (refused, cancelled, failed before rendering) or
  :meth:`LimitLedger.settle` (finished: the database now holds the measured seconds, so the
  estimate leaves the counter).
  Both run as one script that deletes the hash, so two processes settling the same job apply
  it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from reelbot.app.safety.quotas import Window
from reelbot.domain.errors import LimitReached
from reelbot.domain.types import Origin
from reelbot.queue.keys import Keys, Lane

RATE_WINDOW_S = 3600
RESERVATION_TTL_S = 40 * 24 * 3600  # outlives the longest (monthly) window it charges

# KEYS: reservation hash, open-reservations set, quota counters…, rate sets…
# ARGV: job id, estimate, #quotas, #rates, now (s), rate window (s), lane, check_only, slots,
#       then per quota: limit (-1 = unlimited), hard cap, database figure, ttl; then per rate: limit
#       (-1 = unlimited: the job is still recorded, so a limit set later sees the past hour);
#       then the reservation's ttl, its scopes, and whether it takes its hourly slots ('1'/'0':
#       a task is checked against the rates but is no clip, so it takes none)
RESERVE = """
local job, est = ARGV[1], tonumber(ARGV[2])
local nq, nr = tonumber(ARGV[3]), tonumber(ARGV[4])
local now, window = tonumber(ARGV[5]), tonumber(ARGV[6])
local lane, check_only, slots = ARGV[7], ARGV[8] == '1', tonumber(ARGV[9])
if not check_only and redis.call('EXISTS', KEYS[1]) == 1 then
  return {'ok', redis.call('HGET', KEYS[1], 'lane') or lane}
end
local a = 10
local relaxed = false
for i = 1, nq do
  local key = KEYS[2 + i]
  local limit, hard, base = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 4
  local used = base + (tonumber(redis.call('GET', key)) or 0)
  if limit >= 0 then
    if used + est > hard + 1e-9 then return {'quota', tostring(i), tostring(used)} end
    if used + est > limit + 1e-9 then relaxed = true end
  end
end
for j = 1, nr do
  local key = KEYS[2 + nq + j]
  local limit = tonumber(ARGV[a])
  a = a + 1
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if limit >= 0 and count + slots > limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {'rate', tostring(j), tostring(count), oldest[2] or tostring(now)}
  end
end
if relaxed then lane = 'relaxed' end
if check_only then return {'ok', lane} end
local q = 10
for i = 1, nq do
  redis.call('INCRBYFLOAT', KEYS[2 + i], est)
  redis.call('EXPIRE', KEYS[2 + i], ARGV[q + 3])
  redis.call('HSET', KEYS[1], 'q:' .. KEYS[2 + i], est)
  q = q + 4
end
for j = 1, nr do
  if ARGV[a + 2] ~= '1' then break end
  local key = KEYS[2 + nq + j]
  redis.call('ZADD', key, now, job)
  redis.call('EXPIRE', key, 2 * window)
  redis.call('HSET', KEYS[1], 'r:' .. key, 1)
end
redis.call('HSET', KEYS[1], 'lane', lane, 'at', now, 'scopes', ARGV[a + 1], 'est', est)
redis.call('EXPIRE', KEYS[1], ARGV[a])
redis.call('SADD', KEYS[2], job)
return {'ok', lane}
"""

# KEYS: reservation hash, open-reservations set, then the keys the reservation charged
# ARGV: job id, drop rate slots ('1'/'0'). The estimate always leaves the counters: a settled
#       job's measured seconds are in the database from now on.
SETTLE = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[2], ARGV[1])
  return 0
end
for i = 3, #KEYS do
  local key = KEYS[i]
  local q = redis.call('HGET', KEYS[1], 'q:' .. key)
  if q and redis.call('EXISTS', key) == 1 then
    redis.call('INCRBYFLOAT', key, -tonumber(q))
  end
  if ARGV[2] == '1' and redis.call('HEXISTS', KEYS[1], 'r:' .. key) == 1 then
    redis.call('ZREM', key, ARGV[1])
  end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
"""


# KEYS: reservation hash; ARGV: the note key. Only an open reservation is tagged (a hash
#       written after its release would be a stray the sweep never sees).
TAG = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'note', ARGV[1])
return 1
"""


UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class RatePolicy:
    """Hourly limits of a platform (None = unlimited) and the message keys of its refusals
    (``{count}``, ``{limit}``, ``{minutes}``). A community's own settings replace the numbers."""

    per_person: int | None = None
    per_community: int | None = None
    person_key: str = "limits.rate_person"
    community_key: str = "limits.rate_community"


#: A platform's current hourly defaults (a callable: an adapter's config may change at run time).
RateProvider = Callable[[], RatePolicy]


@dataclass(frozen=True)
class Reservation:
    """What the ledger granted: the lane (relaxed past a fast quota) and why it moved."""

    lane: Lane
    estimate_s: float
    notice_key: str | None = None


def _fmt(seconds: float) -> str:
    return f"{seconds:,.0f}"


class LimitLedger:
    """The Redis side of every limit; one per service."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, *, relaxed_multiplier: float) -> None:
        self.redis = redis
        self.keys = keys
        self.relaxed_multiplier = relaxed_multiplier
        self._reserve = redis.register_script(RESERVE)
        self._settle = redis.register_script(SETTLE)
        self._unlock = redis.register_script(UNLOCK)
        self._tag = redis.register_script(TAG)
        self.rate_providers: dict[str, RateProvider] = {}

    # -- names -----------------------------------------------------------------------------

    def _reservation(self, job_id: uuid.UUID | str) -> str:
        return self.keys.limits("res", str(job_id))

    @property
    def _open(self) -> str:
        return self.keys.limits("open")

    def _quota_key(self, origin: Origin, window: Window) -> str:
        who = origin.user_key if window.scope == "user" else f"{origin.platform.value}:{origin.guild_id}"
        return self.keys.limits("gpu", window.scope, window.period, str(int(window.start.timestamp())), who)

    def _rate_keys(self, origin: Origin, policy: RatePolicy) -> list[tuple[str, int, str, str]]:
        """(key, limit (-1 = unlimited), message key, scope) of each hourly rate of ``origin``.

        Unlimited rates are recorded too: an admin who sets a limit at 14:30 expects the clips
        made since 13:30 to count, as they did when the bot counted database rows."""
        person = self.keys.limits("rate", "person", origin.user_key)
        out = [(person, _or_unlimited(policy.per_person), policy.person_key, "person")]
        if origin.guild_id:
            community = self.keys.limits("rate", "community", f"{origin.platform.value}:{origin.guild_id}")
            out.append((community, _or_unlimited(policy.per_community), policy.community_key, "community"))
        return out

    # -- policies --------------------------------------------------------------------------

    def register_platform(self, platform: str, provider: RateProvider) -> None:
        """A platform adapter says what its hourly defaults are (LINE: from its config)."""
        self.rate_providers[str(platform)] = provider

    def rate_policy(
        self, platform: str, *, per_person: int | None = None, per_community: int | None = None
    ) -> RatePolicy:
        """The platform's defaults, with a community's own numbers where it set them."""
        provider = self.rate_providers.get(str(platform))
        base = provider() if provider is not None else RatePolicy()
        return RatePolicy(
            per_person=per_person if per_person is not None else base.per_person,
            per_community=per_community if per_community is not None else base.per_community,
            person_key=base.person_key,
            community_key=base.community_key,
        )

    # -- reserve / check ---------------------------------------------------------------------

    async def reserve(
        self,
        job_id: uuid.UUID,
        origin: Origin,
        *,
        estimate_s: float,
        windows: Sequence[Window],
        rates: RatePolicy,
        requested: Lane = Lane.FAST,
        check_only: bool = False,
        slots: int = 1,
        take_rate_slots: bool = True,
        now: float | None = None,
    ) -> Reservation:
        """Check every limit and, unless ``check_only``, take the job's share of each, as one
        atomic step; refuse with ``LimitReached`` (nothing taken) when one is full.

        ``windows`` come from the database (:func:`~reelbot.app.safety.quotas.quota_windows`);
        their ``charged`` must leave out the jobs this ledger holds (``open_reservations``) and
        be read under :meth:`locked` for ``origin``. ``slots``: how many
        clips the check is for (a storyboard's shots; reserving is always one job).
        ``take_rate_slots=False`` (a task: finish, music): the hourly rates are checked but the
        reservation takes no clip slot of them; its quota share is taken all the same.
        """
        now = time.time() if now is None else now
        quotas = [w for w in windows if w.limit is not None]
        rate_keys = self._rate_keys(origin, rates)
        keys = [self._reservation(job_id), self._open]
        keys += [self._quota_key(origin, w) for w in quotas] + [key for key, *_ in rate_keys]
        # fmt: off
        args: list[str | float | int] = [
            str(job_id), estimate_s, len(quotas), len(rate_keys), now, RATE_WINDOW_S,
            requested.value, int(check_only), slots,
        ]
        # fmt: on
        for w in quotas:
            assert w.limit is not None
            ttl = max(60, int(w.resets_at.timestamp() - now) + 24 * 3600)
            args += [w.limit, w.limit * self.relaxed_multiplier, repr(w.charged), ttl]  # the DB's figure
        args += [limit for _, limit, _, _ in rate_keys]
        args += [RESERVATION_TTL_S, "\x1f".join(self.scopes(origin)), int(take_rate_slots)]
        reply = [_text(part) for part in await self._reserve(keys=keys, args=args)]
        if reply[0] == "quota":
            window = quotas[int(reply[1]) - 1]
            used, hard = float(reply[2]), (window.limit or 0.0) * self.relaxed_multiplier
            raise LimitReached(
                f"quota.exceeded_{window.scope}_{window.period}",
                needed=_fmt(estimate_s),
                remaining=_fmt(max(0.0, hard - used)),
                limit=_fmt(hard),
                resets=window.resets_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
        if reply[0] == "rate":
            _, limit, message, _ = rate_keys[int(reply[1]) - 1]
            oldest = float(reply[3])
            minutes = max(1, math.ceil((oldest + RATE_WINDOW_S - now) / 60))
            raise LimitReached(message, count=int(reply[2]), limit=limit, minutes=minutes)
        lane = Lane(reply[1])
        notice = "quota.relaxed_notice" if lane is Lane.RELAXED and requested is Lane.FAST else None
        return Reservation(lane=lane, estimate_s=estimate_s, notice_key=notice)

    # -- give back ----------------------------------------------------------------------------

    async def release(self, job_id: uuid.UUID) -> bool:
        """Give a job's whole reservation back (refused, cancelled, failed before rendering)."""
        return await self._finish(job_id, drop_rates=True)

    async def settle(self, job_id: uuid.UUID, *, keep_rate: bool = True) -> bool:
        """A finished job: its measured seconds are stored, so its estimate leaves the
        counters (its hourly slot stays used unless ``keep_rate`` is False)."""
        return await self._finish(job_id, drop_rates=not keep_rate)

    async def _finish(self, job_id: uuid.UUID, *, drop_rates: bool) -> bool:
        name = self._reservation(job_id)
        fields = [_text(f) for f in await self.redis.hkeys(name)]  # type: ignore[misc]
        charged = sorted({f[2:] for f in fields if f[:2] in ("q:", "r:")})
        scopes = await self.redis.hget(name, "scopes")  # type: ignore[misc]
        async with self.locked(_text(scopes).split("\x1f") if scopes else []):
            args: list[str | int] = [str(job_id), int(drop_rates)]
            return bool(await self._settle(keys=[name, self._open, *charged], args=args))

    # -- the per-scope lock ----------------------------------------------------------------------

    def scopes(self, origin: Origin) -> list[str]:
        """The quota scopes a request from ``origin`` is counted in (person, community)."""
        out = [f"user:{origin.user_key}"]
        if origin.guild_id:
            out.append(f"community:{origin.platform.value}:{origin.guild_id}")
        return out

    @contextlib.asynccontextmanager
    async def locked(self, scopes: Sequence[str], *, ttl_ms: int = 15_000) -> AsyncIterator[None]:
        """Hold the locks of ``scopes`` (taken in sorted order: no deadlock) while the database
        figure is read and the script runs, or while a job is settled. A holder that dies frees
        them after ``ttl_ms``."""
        token = uuid.uuid4().hex
        names = [self.keys.limits("lock", scope) for scope in sorted(set(scopes))]
        taken: list[str] = []
        try:
            for name in names:
                delay = 0.002
                while not await self.redis.set(name, token, nx=True, px=ttl_ms):
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 0.05)
                taken.append(name)
            yield
        finally:
            for name in reversed(taken):
                await self._unlock(keys=[name], args=[token])

    async def open_reservations(self) -> dict[uuid.UUID, float]:
        """Job id → admission time (epoch s) of every reservation not yet given back."""
        members = [_text(m) for m in await self.redis.smembers(self._open)]  # type: ignore[misc]
        out: dict[uuid.UUID, float] = {}
        for member in members:
            at = await self.redis.hget(self._reservation(member), "at")  # type: ignore[misc]
            out[uuid.UUID(member)] = float(_text(at)) if at is not None else 0.0
        return out

    async def held(self, job_id: uuid.UUID) -> Reservation | None:
        """The open reservation of ``job_id`` (its lane and estimate), None when there is none."""
        lane, est = await self.redis.hmget(self._reservation(job_id), ["lane", "est"])  # type: ignore[misc]
        if lane is None:
            return None
        return Reservation(lane=Lane(_text(lane)), estimate_s=float(_text(est)) if est is not None else 0.0)

    async def tag(self, job_id: uuid.UUID, note: str) -> bool:
        """Tie an open reservation with no row yet (a hold for a task still to be queued) to
        the Redis key of the note it waits with: the settle sweep keeps it while that key
        exists and releases it once it is gone. False: there was nothing open to tag."""
        return bool(await self._tag(keys=[self._reservation(job_id)], args=[note]))

    async def tag_of(self, job_id: uuid.UUID) -> str | None:
        """The note key :meth:`tag` tied ``job_id``'s reservation to (None: untagged or none)."""
        raw = await self.redis.hget(self._reservation(job_id), "note")  # type: ignore[misc]
        return None if raw is None else _text(raw)

    async def held_in(self, origin: Origin, window: Window, job_ids: Sequence[uuid.UUID]) -> float:
        """What the open reservations of ``job_ids`` took of ``origin``'s ``window``."""
        field = "q:" + self._quota_key(origin, window)
        async with self.redis.pipeline(transaction=False) as pipe:  # one round trip for them all
            for job_id in job_ids:
                pipe.hget(self._reservation(job_id), field)
            shares = await pipe.execute()
        return sum(float(_text(raw)) for raw in shares if raw is not None)

    async def counter(self, origin: Origin, window: Window) -> float | None:
        """The estimates a quota window's Redis counter holds (None: none reserved yet)."""
        raw = await self.redis.get(self._quota_key(origin, window))
        return None if raw is None else float(_text(raw))


def _or_unlimited(limit: int | None) -> int:
    return -1 if limit is None else limit


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
