"""The read side of galleries: whose clips a link opens and how a page is loaded.

Kept apart from :mod:`reelbot.app.gallery` (links, revocation, cards, trees) because these
are plain functions over the stores and the clip file — they run inside ``run_db`` or a
thread and hold no secret — and the web routes need :func:`parse_filter` without the link
machinery.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reelbot.domain.types import Platform, SpeedMode
from reelbot.storage import gallery as repo
from reelbot.storage import users as user_repo


@dataclass(frozen=True)
class Scope:
    """Whose gallery a link opens: one person (``user_id``) or one community."""

    kind: str  # "user" | "community"
    user_id: uuid.UUID | None = None
    platform: Platform | None = None
    community_id: str | None = None

    @property
    def key(self) -> str:
        if self.kind == "user":
            return f"user:{self.user_id}"
        return f"community:{self.platform}:{self.community_id}"


def read_c2pa(source: Path | bytes) -> tuple[bool, str | None]:
    """(signed, issuer) from the clip's C2PA manifest; (False, None) when absent or unreadable.
    ``source``: the file (local folder) or its bytes (an object store has no path)."""
    try:
        import c2pa
    except ImportError:  # the bot image may lack it: the page then says "not signed"
        return False, None
    try:
        stream = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
        with stream as fh, c2pa.Reader("video/mp4", fh) as reader:
            store = json.loads(reader.json())
    except Exception:  # c2pa raises its own errors for "no manifest"; any failure = not signed
        return False, None
    manifest = store.get("manifests", {}).get(store.get("active_manifest") or "", {})
    if not manifest or store.get("validation_state") == "Invalid":
        return False, None
    issuer = (manifest.get("signature_info") or {}).get("issuer")
    return True, str(issuer) if issuer else None


def load_page(
    *, session: Any, scope: Scope, flt: repo.ClipFilter, offset: int, limit: int
) -> tuple[repo.ClipPage, list[str], str]:
    """One page of a scope's clips, the presets it used (for the filter) and its title."""
    if scope.kind == "user":
        result = repo.user_clips(session=session, user_id=scope.user_id, flt=flt, offset=offset, limit=limit)
        presets = repo.presets_used(session=session, user_id=scope.user_id)
        user = user_repo.get_user(session=session, user_id=scope.user_id)
        return result, presets, (user.display_name if user else None) or ""
    assert scope.platform is not None and scope.community_id is not None
    result = repo.community_clips(
        session=session,
        platform=scope.platform,
        community_id=scope.community_id,
        flt=flt,
        offset=offset,
        limit=limit,
    )
    presets = repo.presets_used(session=session, platform=scope.platform, community_id=scope.community_id)
    return result, presets, scope.community_id


def get_job(*, session: Any, job_id: uuid.UUID) -> Any:
    """The job row, imported late so a page that never asks does not load the jobs module."""
    from reelbot.storage.jobs import get_job

    return get_job(session=session, job_id=job_id)


def parse_scope(text: str) -> Scope:
    """The inverse of :attr:`Scope.key` (a signed token carries the key)."""
    kind, _, rest = text.partition(":")
    if kind == "user":
        return Scope("user", user_id=uuid.UUID(rest))
    if kind == "community":
        platform, _, community_id = rest.partition(":")
        if not community_id:
            raise ValueError(text)
        return Scope("community", platform=Platform(platform), community_id=community_id)
    raise ValueError(text)


def parse_filter(
    preset: str | None, mode: str | None, since: str | None, until: str | None
) -> repo.ClipFilter:
    """Query-string filters → a :class:`ClipFilter`; unknown values are ignored, not errors
    (a hand-edited link still shows the gallery)."""
    from datetime import UTC, timedelta

    def day(text: str | None) -> datetime | None:
        try:
            return datetime.strptime(text or "", "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            return None

    end = day(until)
    try:
        speed = SpeedMode(mode) if mode else None
    except ValueError:
        speed = None
    return repo.ClipFilter(
        preset=(preset or None) and preset[:64],
        mode=speed,
        since=day(since),
        until=end + timedelta(days=1) if end else None,
    )
