"""Short-lived LINE conversation state in Redis: seen webhook events, waiting photos, 改提示,
cached languages, push counts and hourly limits.

All of it expires on its own (TTL), so a crashed bot leaves nothing to clean up, and all of it
lives in Redis rather than in the process, so several bot replicas behind one webhook URL agree.
Key names come from :class:`reelbot.queue.keys.Keys` like every other key.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis

from reelbot.bots.line.config import LineConfig
from reelbot.domain.types import ReferenceRole
from reelbot.queue.keys import Keys

PUSH_COUNT_TTL_S = 40 * 24 * 3600  # a month's counter outlives its month a little, then goes
ANSWERED_TTL_S = 3600  # a cancelled event arrives within moments; an hour is plenty


@dataclass(frozen=True)
class PendingPhoto:
    """A photo waiting for its prompt: the LINE message id, its role, and where its bytes are."""

    message_id: str
    role: ReferenceRole
    # Written by bots before photo staging (bots/line/staging.py); read so that photos waiting
    # across an upgrade still work. New photos leave it None.
    media_key: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | bytes) -> PendingPhoto:
        data = json.loads(raw)
        return cls(
            message_id=data["message_id"], role=ReferenceRole(data["role"]), media_key=data.get("media_key")
        )


def month_tag(now: float | None = None) -> str:
    """``2026-11``: LINE's message quota resets monthly (UTC is close enough for counting)."""
    return datetime.fromtimestamp(now if now is not None else time.time(), tz=UTC).strftime("%Y-%m")


class LineState:
    """Typed access to the LINE bot's Redis state."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, config: LineConfig) -> None:
        self.redis = redis
        self.keys = keys
        self.config = config

    # -- webhook redeliveries ---------------------------------------------------------------
    async def claim_event(self, webhook_event_id: str) -> bool:
        """True the first time an event id is seen (SET NX with TTL); False for a redelivery."""
        key = self.keys.line_event(webhook_event_id)
        return bool(await self.redis.set(key, b"1", nx=True, ex=self.config.dedupe_ttl_s))

    # -- photos waiting for a prompt -----------------------------------------------------------
    async def photos(self, chat_id: str, user_id: str) -> list[PendingPhoto]:
        raw = await self.redis.lrange(self.keys.line_photos(chat_id, user_id), 0, -1)
        return [PendingPhoto.from_json(item) for item in raw]

    async def set_photos(self, chat_id: str, user_id: str, photos: list[PendingPhoto]) -> None:
        """Replace the waiting photos (TTL restarts: the newest photo counts)."""
        key = self.keys.line_photos(chat_id, user_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if photos:
                pipe.rpush(key, *(p.to_json() for p in photos))
                pipe.expire(key, self.config.photo_ttl_s)
            await pipe.execute()

    async def clear_photos(self, chat_id: str, user_id: str) -> None:
        await self.redis.delete(self.keys.line_photos(chat_id, user_id))

    async def mark_next_role(self, chat_id: str, user_id: str, role: ReferenceRole) -> None:
        await self.redis.set(
            self.keys.line_role_mark(chat_id, user_id), role.value, ex=self.config.role_mark_ttl_s
        )

    async def pop_next_role(self, chat_id: str, user_id: str) -> ReferenceRole | None:
        raw = await self.redis.getdel(self.keys.line_role_mark(chat_id, user_id))
        return ReferenceRole(raw.decode() if isinstance(raw, bytes) else raw) if raw else None

    # -- 改提示: the next text is the new prompt --------------------------------------------------
    async def await_prompt(self, chat_id: str, user_id: str, clip_id: uuid.UUID) -> None:
        key = self.keys.line_awaiting_prompt(chat_id, user_id)
        await self.redis.set(key, str(clip_id), ex=self.config.pending_prompt_ttl_s)

    async def pop_awaited(self, chat_id: str, user_id: str) -> uuid.UUID | None:
        raw = await self.redis.getdel(self.keys.line_awaiting_prompt(chat_id, user_id))
        if not raw:
            return None
        try:
            return uuid.UUID(raw.decode() if isinstance(raw, bytes) else raw)
        except ValueError:
            return None

    async def is_awaiting(self, chat_id: str, user_id: str) -> bool:
        return bool(await self.redis.exists(self.keys.line_awaiting_prompt(chat_id, user_id)))

    # -- languages ---------------------------------------------------------------------------
    async def cached_locale(self, user_id: str) -> str | None:
        raw = await self.redis.get(self.keys.line_locale(user_id))
        return (raw.decode() if isinstance(raw, bytes) else raw) if raw else None

    async def cache_locale(self, user_id: str, locale: str) -> None:
        await self.redis.set(self.keys.line_locale(user_id), locale, ex=self.config.locale_cache_ttl_s)

    # -- push quota ----------------------------------------------------------------------------
    async def count_push(self) -> int:
        """Count one push in this month's counter; returns the new total."""
        key = self.keys.line_pushes(month_tag())
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, PUSH_COUNT_TTL_S)
            total, _ = await pipe.execute()
        return int(total)

    async def pushes_this_month(self) -> int:
        raw = await self.redis.get(self.keys.line_pushes(month_tag()))
        return int(raw or 0)

    # -- cancellations already told in chat -------------------------------------------------------
    async def mark_answered(self, job_id: uuid.UUID) -> None:
        """The chat reply tells the user the job is cancelled: the delivery loop needs no push."""
        await self.redis.set(self.keys.line_answered(str(job_id)), b"1", ex=ANSWERED_TTL_S)

    async def unmark_answered(self, job_id: uuid.UUID) -> None:
        await self.redis.delete(self.keys.line_answered(str(job_id)))

    async def take_answered(self, job_id: uuid.UUID) -> bool:
        """True (once) when a reply already told the user; the delivery loop then skips the push."""
        return bool(await self.redis.getdel(self.keys.line_answered(str(job_id))))

    # -- hourly limits -------------------------------------------------------------------------
    def _rate_key(self, scope: str, scope_id: str) -> str:
        return self.keys.line_rate(scope, scope_id, int(time.time() // 3600))

    async def used_this_hour(self, scope: str, scope_id: str) -> int:
        return int(await self.redis.get(self._rate_key(scope, scope_id)) or 0)

    async def count_job(self, scope: str, scope_id: str) -> int:
        key = self._rate_key(scope, scope_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 2 * 3600)
            total, _ = await pipe.execute()
        return int(total)
