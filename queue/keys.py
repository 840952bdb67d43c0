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

#: Between the fields of a :meth:`Keys.mode_unavailable` mark (``<message key>|<host>|<files>``):
#: the workers write it, the service reads the first field.
MODE_MARK_SEPARATOR = "|"


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

    @property
    def workers_seen(self) -> str:
        """Sorted set worker (consumer) name → when it last claimed or heartbeat (Redis ms)."""
        return f"{self.prefix}:q:workers:seen"

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

    def platform(self, platform: str, *parts: str) -> str:
        """A key a platform adapter names itself (its names live in its own package, e.g.
        bots/line/state.py): ``<prefix>:bot:<platform>:<parts…>``."""
        return ":".join((self.prefix, "bot", platform, *parts))

    def limits(self, *parts: str) -> str:
        """The service's limit ledger (core/app/limits.py): quota counters, hourly-rate sets,
        one reservation hash per admitted job, the set of open reservations."""
        return ":".join((self.prefix, "limits", *parts))

    def track_lock(self, track_key: str) -> str:
        """Short lease (redis-py's lock) on one stored track's content key while a finish
        stores it, queues and, when refused, takes it back (core/app/finish.py)."""
        return f"{self.prefix}:track:lock:{track_key}"

    def track_claim(self, track_key: str) -> str:
        """Who may still take a stored track back: the token of the keep that wrote it,
        gone once another finish found the file (core/app/finish.py)."""
        return f"{self.prefix}:track:claim:{track_key}"

    def mode_unavailable(self, preset: str, mode: str) -> str:
        """String, with a TTL: the message key of why a worker could not load ``preset``'s
        ``mode`` (its draft LoRA), then what the worker adds after :data:`MODE_MARK_SEPARATOR`.
        Workers set and clear it (generator/worker/mode_marks.py); the service reads it before
        queueing (core/app/mode_availability.py)."""
        return f"{self.prefix}:modes:unavailable:{preset}:{mode}"

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
