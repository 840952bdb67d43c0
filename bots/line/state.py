"""Short-lived LINE conversation state in Redis: seen webhook events, waiting photos, 改提示,
the track and caption waiting for 輸出成 Shorts, cached languages, push counts and hourly limits.

All of it expires on its own (TTL), so a crashed bot leaves nothing to clean up, and all of it
lives in Redis rather than in the process, so several bot replicas behind one webhook URL agree.
Key names are LINE's own (:class:`LineKeys`, below), inside the namespace the service gives
each platform (:meth:`ReelbotService.platform_key`); the bot never spells a prefix itself.
The hourly limits are not here: the service reserves them atomically for every platform.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Literal

import redis.asyncio as aioredis

from reelbot.bots.line.config import LineConfig
from reelbot.domain.types import ReferenceRole

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


@dataclass(frozen=True)
class PendingTrack:
    """The soundtrack the next 輸出成 Shorts uses, and its kind — ``upload`` (an audio message
    or file) or ``music`` (a done music task's track, :func:`~reelbot.domain.tasks.music_key`) —
    as :class:`~reelbot.app.finish.FinishOptions` names them; the finish checks the key against
    the kind.

    An upload waits *outside* the media store, staged on disk under its LINE ``message_id``
    (``filename`` and the ``name`` the person knows it by beside it): the finish stores it only
    when nothing refuses (bots/line/finish_extras.py), so a refused or never-used track leaves
    nothing behind. ``key`` is a music track's media key, or an upload's stored before tracks
    were staged (read so that tracks waiting across an upgrade still work)."""

    key: str = ""
    audio: Literal["upload", "music"] = "upload"
    message_id: str | None = None
    filename: str | None = None
    name: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_raw(cls, raw: str) -> PendingTrack:
        """A JSON record; a bare media key (written before tracks had a kind) is an upload."""
        if not raw.startswith("{"):
            return cls(raw)
        data = json.loads(raw)
        return cls(
            key=data.get("key") or "",
            audio="music" if data.get("audio") == "music" else "upload",
            message_id=data.get("message_id"),
            filename=data.get("filename"),
            name=data.get("name"),
        )


def month_tag(now: float | None = None) -> str:
    """``2026-11``: LINE's message quota resets monthly (UTC is close enough for counting)."""
    return datetime.fromtimestamp(now if now is not None else time.time(), tz=UTC).strftime("%Y-%m")


class LineKeys:
    """Every key name of the LINE bot, each with what it holds (all of it expires on its own)."""

    def __init__(self, key: Callable[..., str]) -> None:
        self.key = key  # the service's platform_key, bound to LINE

    def line_photos(self, chat_id: str, user_id: str) -> str:
        """List of photos a user sent in a chat, waiting (TTL) for the prompt they belong to."""
        return self.key("photos", chat_id, user_id)

    def line_role_mark(self, chat_id: str, user_id: str) -> str:
        """Role for the user's next photo in a chat (``結尾`` / ``/end`` …), with a TTL."""
        return self.key("mark", chat_id, user_id)

    def line_awaiting_prompt(self, chat_id: str, user_id: str) -> str:
        """Clip id whose 改提示 (remix) waits for this user's next text in this chat (TTL)."""
        return self.key("remix", chat_id, user_id)

    def line_track(self, chat_id: str, user_id: str) -> str:
        """The track (:class:`PendingTrack`: an audio message, or music made from a description)
        the user's next 輸出成 Shorts here uses (TTL)."""
        return self.key("track", chat_id, user_id)

    def line_caption(self, chat_id: str, user_id: str) -> str:
        """Caption (``字幕 <text>``) the user's next 輸出成 Shorts in this chat burns in (TTL)."""
        return self.key("caption", chat_id, user_id)

    def line_music_given(self, task_id: str) -> str:
        """Set (TTL) when a done music task's track was made someone's waiting track: a retried
        delivery of the same ``done`` event does not bring back a track a Finish already used."""
        return self.key("music-given", task_id)

    def line_locale(self, user_id: str) -> str:
        """Cached message locale of a LINE user (from the profile's language)."""
        return self.key("locale", user_id)

    def line_pushes(self, month: str) -> str:
        """Count of push messages sent in ``month`` (``YYYY-MM``), against LINE's monthly quota."""
        return self.key("pushes", month)

    def line_answered(self, job_id: str) -> str:
        """Set (TTL) when a chat reply already told the user a job was cancelled/declined: the
        delivery loop then skips the push for that job's ``cancelled`` event (pushes cost quota)."""
        return self.key("answered", job_id)


class LineState:
    """Typed access to the LINE bot's Redis state."""

    def __init__(self, redis: aioredis.Redis, key: Callable[..., str], config: LineConfig) -> None:
        self.redis = redis
        self.keys = LineKeys(key)
        self.config = config

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

    # -- what the next 輸出成 Shorts adds: an own track, a caption -------------------------------
    async def set_track(self, chat_id: str, user_id: str, track: PendingTrack) -> None:
        """The newest track wins (an audio message or composed music alike); its TTL restarts."""
        key = self.keys.line_track(chat_id, user_id)
        await self.redis.set(key, track.to_json(), ex=self.config.finish_extras_ttl_s)

    async def set_caption(self, chat_id: str, user_id: str, caption: str) -> None:
        key = self.keys.line_caption(chat_id, user_id)
        await self.redis.set(key, caption, ex=self.config.finish_extras_ttl_s)

    async def give_music(self, chat_id: str, user_id: str, task_id: uuid.UUID, track: PendingTrack) -> None:
        """A done music task's track waits as the person's track — once per task."""
        given = self.keys.line_music_given(str(task_id))
        if await self.redis.set(given, b"1", nx=True, ex=self.config.finish_extras_ttl_s):
            await self.set_track(chat_id, user_id, track)

    async def clear_track(self, chat_id: str, user_id: str) -> bool:
        """Forget the waiting track; True when there was one."""
        return bool(await self.redis.delete(self.keys.line_track(chat_id, user_id)))

    async def clear_caption(self, chat_id: str, user_id: str) -> bool:
        return bool(await self.redis.delete(self.keys.line_caption(chat_id, user_id)))

    async def finish_extras(self, chat_id: str, user_id: str) -> tuple[PendingTrack | None, str | None]:
        """The waiting (track, caption), each None when nothing waits."""
        raw = await self.redis.mget(
            self.keys.line_track(chat_id, user_id), self.keys.line_caption(chat_id, user_id)
        )
        track, caption = ((v.decode() if isinstance(v, bytes) else v) if v else None for v in raw)
        return (PendingTrack.from_raw(track) if track else None), caption

    async def clear_finish_extras(self, chat_id: str, user_id: str) -> None:
        """A Finish used them: the one after it has neither."""
        await self.redis.delete(
            self.keys.line_track(chat_id, user_id), self.keys.line_caption(chat_id, user_id)
        )

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
