"""Who an event is from and where to answer it, and the push retry keys derived from events.

Kept apart from the handler so that the modules that act on an event (commands, postbacks,
photo and soundtrack intake, boards, the delivery loop) share these small values without
importing the handler itself.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass
from typing import Any

from linebot.v3.webhooks import GroupSource, RoomSource

RETRY_NAMESPACE = uuid.UUID("0b4f4a52-5f0e-4b39-9d0c-6c8f0e6a1a11")  # stable: retry keys survive restarts

#: The job the event being handled has created (set right after the service accepted it), so
#: that a later failure in the same event says ``error.internal`` with the id, not "no job".
created_job: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "line_created_job", default=None
)


def retry_key(*parts: object) -> uuid.UUID:
    """A push retry key derived from what the push is about, so a retried push is not doubled."""
    return uuid.uuid5(RETRY_NAMESPACE, ":".join(str(p) for p in parts))


@dataclass(frozen=True)
class Chat:
    """Where an event happened: the chat to answer in and who spoke."""

    chat_id: str  # user id (1:1), group id or room id — also the push target
    user_id: str
    kind: str  # "user" | "group" | "room"

    @property
    def one_to_one(self) -> bool:
        return self.kind == "user"


def chat_of(event: Any) -> Chat | None:
    source = getattr(event, "source", None)
    user_id = getattr(source, "user_id", None)
    if source is None or not user_id:
        return None  # LINE omits the user in some group events (e.g. old clients): nothing to address
    if isinstance(source, GroupSource):
        return Chat(source.group_id, user_id, "group")
    if isinstance(source, RoomSource):
        return Chat(source.room_id, user_id, "room")
    return Chat(user_id, user_id, "user")
