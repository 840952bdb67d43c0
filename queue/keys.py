"""Every Redis key, stream and consumer-group name reelbot uses, in one place.

The Redis Streams transport. (No ``__init__.py`` in queue/: see pyproject.toml.)

All names start with the configured ``redis_prefix`` so that several deployments (and
several test runs) share one Redis without seeing each other. Nothing else in the code base
may spell a key name: build a :class:`Keys` and ask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Lane(StrEnum):
    """A jobs stream. Workers drain ``fast`` first; ``relaxed`` runs only when fast is empty."""

    FAST = "fast"
    RELAXED = "relaxed"


#: Lanes in the order workers serve them.
LANES: tuple[Lane, ...] = (Lane.FAST, Lane.RELAXED)

#: Consumer group every worker joins on each jobs stream.
WORKERS_GROUP = "workers"

#: Default consumer group of a platform's bot process on its events stream.
BOTS_GROUP = "bots"


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix (``Settings.redis_prefix``)."""

    prefix: str

    @property
    def workers_group(self) -> str:
        return WORKERS_GROUP

    @property
    def bots_group(self) -> str:
        return BOTS_GROUP

    def jobs(self, lane: str) -> str:
        """The jobs stream of ``lane``; entries are ``{job: <uuid>, user: <user key>}``."""
        return f"{self.prefix}:q:jobs:{Lane(lane).value}"

    def dead(self, lane: str) -> str:
        """Dead-letter stream of ``lane``: jobs delivered too often, with their last error."""
        return f"{self.prefix}:q:dead:{Lane(lane).value}"

    def idempotency(self, key: str) -> str:
        """String holding the job id first enqueued under this idempotency key (with a TTL)."""
        return f"{self.prefix}:q:idem:{key}"

    def user_pending(self, user_key: str) -> str:
        """Set of job ids a user has queued or running (the per-user cap counts it)."""
        return f"{self.prefix}:q:user:{user_key}"

    @property
    def index(self) -> str:
        """Hash job id → ``lane message-id user-key`` for every job still in a jobs stream."""
        return f"{self.prefix}:q:index"

    def cancel(self, job_id: str) -> str:
        """Flag a running worker polls; set by cancel, expires on its own."""
        return f"{self.prefix}:q:cancel:{job_id}"

    @property
    def errors(self) -> str:
        """Hash job id → last error a worker recorded (copied into the dead letter)."""
        return f"{self.prefix}:q:errors"

    def events(self, platform: str) -> str:
        """Durable events stream read by the bot process of ``platform``."""
        return f"{self.prefix}:events:{platform}"

    def events_hint(self, platform: str) -> str:
        """Pub/sub channel for lossy progress hints (never the only carrier of anything)."""
        return f"{self.prefix}:events-hint:{platform}"

    def bot_delivered(self, platform: str, job_id: str) -> str:
        """Set once a bot posted a finished job's result: never a second post after a restart."""
        return f"{self.prefix}:bot:{platform}:delivered:{job_id}"

    def bot_click(self, platform: str, fingerprint: str) -> str:
        """Idempotency key of a recent click (user+action+target): the same click again = one job."""
        return f"{self.prefix}:bot:{platform}:click:{fingerprint}"

    # -- storyboards (core/app/storyboards.py) ------------------------------------------------------

    def storyboard(self, board_id: str) -> str:
        """String (JSON) holding one chat storyboard: its shots, their current jobs, its draft."""
        return f"{self.prefix}:storyboard:{board_id}"

    def storyboard_of_job(self, job_id: str) -> str:
        """String ``<board id>:<shot number>`` for every job a storyboard started (re-rolls too)."""
        return f"{self.prefix}:storyboard:job:{job_id}"

    def storyboard_of_message(self, platform: str, message_id: str) -> str:
        """String ``<board id>`` for a board's status message (set before its shots are queued)."""
        return f"{self.prefix}:storyboard:msg:{platform}:{message_id}"

    def storyboard_lock(self, board_id: str) -> str:
        """Short lock (SET NX PX) around read-modify-write of a storyboard's state."""
        return f"{self.prefix}:storyboard:lock:{board_id}"

    # -- LINE bot conversation state (bots/line/state.py); all of it expires on its own ------

    def line_event(self, webhook_event_id: str) -> str:
        """Set NX with a TTL when a webhook event is handled: LINE's redelivery is then skipped."""
        return f"{self.prefix}:line:event:{webhook_event_id}"

    def line_photos(self, chat_id: str, user_id: str) -> str:
        """List of photos a user sent in a chat, waiting (TTL) for the prompt they belong to."""
        return f"{self.prefix}:line:photos:{chat_id}:{user_id}"

    def line_role_mark(self, chat_id: str, user_id: str) -> str:
        """Role for the user's next photo in a chat (``結尾`` / ``/end`` …), with a TTL."""
        return f"{self.prefix}:line:mark:{chat_id}:{user_id}"

    def line_awaiting_prompt(self, chat_id: str, user_id: str) -> str:
        """Clip id whose 改提示 (remix) waits for this user's next text in this chat (TTL)."""
        return f"{self.prefix}:line:remix:{chat_id}:{user_id}"

    def line_locale(self, user_id: str) -> str:
        """Cached message locale of a LINE user (from the profile's language)."""
        return f"{self.prefix}:line:locale:{user_id}"

    def line_pushes(self, month: str) -> str:
        """Count of push messages sent in ``month`` (``YYYY-MM``), against LINE's monthly quota."""
        return f"{self.prefix}:line:pushes:{month}"

    def line_rate(self, scope: str, scope_id: str, hour: int) -> str:
        """Jobs started in one clock hour by a user or a group (``scope`` = user | group)."""
        return f"{self.prefix}:line:rate:{scope}:{scope_id}:{hour}"

    def line_answered(self, job_id: str) -> str:
        """Set (TTL) when a chat reply already told the user a job was cancelled/declined: the
        delivery loop then skips the push for that job's ``cancelled`` event (pushes cost quota)."""
        return f"{self.prefix}:line:answered:{job_id}"
