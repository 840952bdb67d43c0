"""Galleries: a person's clips, a community's clips, a clip's remix tree, signed gallery links.

Why a class beside the service (not in it): the pages are read-only views over what the
service already stores, and they need one more secret-bearing thing — gallery links. A link
is ``{media_base_url}/g/<token>``; the token carries the scope (one person, or one community),
an expiry and a *generation*, signed with a key derived from the media signing key. Revoking
bumps the scope's stored generation, so every link issued before stops working at once,
without a list of issued links. A tampered, expired or revoked token is refused with one
message key each (:class:`Forbidden`), checked before anything else is read.

Privacy rules the pages rely on (tested in tests/web):

- a person's gallery shows only that person's live clips;
- a community's gallery exists only while its admins have switched it on, and never shows a
  deleted clip or a clip whose owner left the community;
- a remix tree shows every clip of the family as a node, but a node's poster, prompt and link
  only when the clip is live and was posted in a community (or is by the viewed clip's
  author); other nodes are drawn as "private" / "deleted" so the shape stays true.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from reelbot.app.gallery_boards import BoardCard, boards_on_page
from reelbot.app.gallery_queries import (
    Scope,
    get_job,
    load_page,
    parse_scope,
    read_c2pa,
)
from reelbot.domain.errors import Forbidden, NotFound
from reelbot.domain.types import GenerationRequest, Platform, RemixKind
from reelbot.storage import gallery as repo
from reelbot.storage import users as user_repo

log = logging.getLogger(__name__)

DEFAULT_LINK_TTL_S = 7 * 24 * 3600
MAX_LINK_TTL_S = 30 * 24 * 3600
PAGE_SIZE = 24
C2PA_CACHE_SIZE = 2048


@dataclass(frozen=True)
class Card:
    """One clip as a gallery card (or a tree node) shows it; URLs are signed media URLs."""

    id: uuid.UUID
    prompt: str
    seed: int
    preset: str
    mode: str | None
    seconds: float
    width: int
    height: int
    created_at: datetime
    video_url: str | None
    poster_url: str | None
    author: str
    remix_kind: RemixKind | None
    discord_url: str | None
    shot_of: tuple[str, int] | None = None  # (storyboard title, shot number)


@dataclass(frozen=True)
class GalleryPage:
    scope: Scope
    cards: list[Card]
    total: int
    page: int
    pages: int
    presets: list[str]
    title: str  # the person's display name, or the community id
    boards: list[BoardCard] = field(default_factory=list)  # storyboards among this page's clips


@dataclass(frozen=True)
class TreeNode:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    kind: RemixKind | None
    depth: int
    state: str  # "shown" | "private" | "deleted"
    card: Card | None  # only when shown
    current: bool = False


@dataclass(frozen=True)
class ClipExtras:
    """What the clip page adds to the service's ClipView: reference thumbnails, C2PA."""

    references: list[tuple[str, str]] = field(default_factory=list)  # (role, signed url)
    c2pa_signed: bool = False
    c2pa_signer: str | None = None
    discord_url: str | None = None


def discord_message_url(job: Any) -> str | None:
    """The Discord message a clip was delivered in, when the job remembers it."""
    if str(job.platform) != Platform.DISCORD.value or not job.channel_id or not job.message_id:
        return None
    return f"https://discord.com/channels/{job.guild_id or '@me'}/{job.channel_id}/{job.message_id}"


class Gallery:
    """The galleries' queries and links, over a :class:`~reelbot.app.service.ReelbotService`."""

    def __init__(self, service: Any, *, per_page: int = PAGE_SIZE) -> None:
        self.service = service
        self.per_page = per_page
        self.media = service.media
        secret = service.settings.media_signing_key
        self._key = hmac.new(secret, b"reelbot gallery links v1", hashlib.sha256).digest()
        self._c2pa: dict[str, tuple[bool, str | None]] = {}

    # -- links ------------------------------------------------------------------------------

    def _sign(self, body: bytes) -> str:
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()[:40]

    async def _token(self, scope: Scope, ttl_s: int, now: float | None) -> str:
        generation = await self.service.run_db(repo.link_generation, scope=scope.key)
        exp = int((time.time() if now is None else now) + max(1, min(ttl_s, MAX_LINK_TTL_S)))
        payload = {"s": scope.key, "g": generation, "e": exp}
        body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=")
        return f"{body.decode()}.{self._sign(body)}"

    def url(self, token: str) -> str:
        return f"{str(self.media.base_url).rstrip('/')}/g/{token}"  # the media server's origin

    async def link_for_user(
        self,
        platform: Platform,
        platform_user_id: str,
        *,
        ttl_s: int = DEFAULT_LINK_TTL_S,
        now: float | None = None,
    ) -> str:
        """The private link to one person's gallery (the bot sends it ephemerally / 1:1)."""
        user = await self.service.run_db(
            user_repo.get_or_create_user, platform=platform, platform_user_id=platform_user_id
        )
        return self.url(await self._token(Scope("user", user_id=user.id), ttl_s, now))

    async def link_for_community(
        self,
        platform: Platform,
        community_id: str,
        *,
        ttl_s: int = DEFAULT_LINK_TTL_S,
        now: float | None = None,
    ) -> str:
        """A community's gallery link; refused while its gallery is switched off."""
        if not await self.community_enabled(platform, community_id):
            raise Forbidden("gallery.community_off")
        scope = Scope("community", platform=platform, community_id=community_id)
        return self.url(await self._token(scope, ttl_s, now))

    async def revoke(self, scope: Scope) -> None:
        await self.service.run_db(repo.bump_link_generation, scope=scope.key)

    async def revoke_user(self, platform: Platform, platform_user_id: str) -> None:
        user = await self.service.run_db(
            user_repo.find_user, platform=platform, platform_user_id=platform_user_id
        )
        if user is not None:
            await self.revoke(Scope("user", user_id=user.id))

    async def open(self, token: str, *, now: float | None = None) -> Scope:
        """The scope of a valid token; :class:`Forbidden` for a tampered, expired or revoked one."""
        body, _, sig = token.partition(".")
        if not body or not hmac.compare_digest(self._sign(body.encode()), sig):
            raise Forbidden("gallery.link_invalid")
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            scope = parse_scope(str(payload["s"]))
            exp, generation = int(payload["e"]), int(payload["g"])
        except (ValueError, KeyError, TypeError):
            raise Forbidden("gallery.link_invalid") from None
        if exp < (time.time() if now is None else now):
            raise Forbidden("gallery.link_expired")
        if scope.kind == "community":
            assert scope.platform is not None and scope.community_id is not None
            if not await self.community_enabled(scope.platform, scope.community_id):
                raise Forbidden("gallery.community_off")
        if generation != await self.service.run_db(repo.link_generation, scope=scope.key):
            raise Forbidden("gallery.link_revoked")
        return scope

    # -- community switch and membership ------------------------------------------------------

    async def community_enabled(self, platform: Platform, community_id: str) -> bool:
        return bool(
            await self.service.run_db(repo.gallery_enabled, platform=platform, community_id=community_id)
        )

    async def set_community_gallery(
        self, platform: Platform, community_id: str, *, enabled: bool, by: str
    ) -> None:
        """``/admin gallery on|off`` (Discord) or the group's switch (LINE). Off revokes links."""
        await self.service.run_db(
            repo.set_gallery_enabled, platform=platform, community_id=community_id, enabled=enabled, by=by
        )
        if not enabled:
            await self.revoke(Scope("community", platform=platform, community_id=community_id))

    async def member_left(self, platform: Platform, community_id: str, platform_user_id: str) -> None:
        await self.service.run_db(
            repo.record_departure,
            platform=platform,
            community_id=community_id,
            platform_user_id=platform_user_id,
        )

    async def member_joined(self, platform: Platform, community_id: str, platform_user_id: str) -> None:
        await self.service.run_db(
            repo.record_return,
            platform=platform,
            community_id=community_id,
            platform_user_id=platform_user_id,
        )

    # -- pages ----------------------------------------------------------------------------------

    async def page(
        self, scope: Scope, flt: repo.ClipFilter, page: int = 1, *, per_page: int | None = None
    ) -> GalleryPage:
        per_page = per_page or self.per_page
        page = max(1, page)
        offset = (page - 1) * per_page
        # One transaction (one thread hop) for the page, its count, the preset list and the title.
        result, presets, title = await self.service.run_db(
            load_page, scope=scope, flt=flt, offset=offset, limit=per_page
        )
        cards = [self._card(row.clip, row.job, row.owner) for row in result.rows]
        pages = max(1, -(-result.total // per_page))
        boards: list[BoardCard] = []
        if scope.kind == "user" and result.rows:
            owner = result.rows[0].owner
            job_ids = [row.job.id for row in result.rows]
            owner_key = f"{owner.platform}:{owner.platform_user_id}"
            labels, boards = await boards_on_page(self.service, job_ids, owner_key)
            cards = [
                replace(card, shot_of=labels.get(job_id)) for card, job_id in zip(cards, job_ids, strict=True)
            ]
        return GalleryPage(scope, cards, result.total, page, pages, presets, title, boards)

    def _card(self, clip: Any, job: Any, owner: Any) -> Card:
        request = GenerationRequest.model_validate_json(job.request_json)
        sign = self.media.signed_url
        return Card(
            id=clip.id,
            prompt=request.prompt,
            seed=job.seed,
            preset=job.preset,
            mode=request.speed.value if request.speed else None,
            seconds=clip.duration_s,
            width=clip.width,
            height=clip.height,
            created_at=clip.created_at,
            video_url=sign(clip.video_key) if clip.video_key else None,
            poster_url=sign(clip.thumbnail_key) if clip.thumbnail_key else None,
            author=owner.display_name or request.origin.display_name or "",
            remix_kind=RemixKind(clip.remix_kind) if clip.remix_kind else None,
            discord_url=discord_message_url(job),
        )

    async def tree(self, clip_id: uuid.UUID) -> list[TreeNode]:
        """The clip's whole family (ancestors, descendants, siblings), root first."""
        nodes = await self.service.run_db(repo.family, clip_id=clip_id)
        if not nodes:
            raise NotFound("clip.not_found")
        viewed = next(node for node in nodes if node.clip.id == clip_id)
        out: list[TreeNode] = []
        for node in nodes:
            clip, job = node.clip, node.job
            if clip.deleted:
                state = "deleted"
            elif job.guild_id or clip.user_id == viewed.clip.user_id:
                state = "shown"
            else:
                state = "private"
            out.append(
                TreeNode(
                    id=clip.id,
                    parent_id=clip.parent_clip_id,
                    kind=RemixKind(clip.remix_kind) if clip.remix_kind else None,
                    depth=clip.depth,
                    state=state,
                    card=self._card(clip, job, node.owner) if state == "shown" else None,
                    current=clip.id == clip_id,
                )
            )
        return out

    async def extras(self, clip_id: uuid.UUID, job_id: uuid.UUID, video_key: str | None) -> ClipExtras:
        refs = await self.service.run_db(repo.reference_assets, job_id=job_id)
        job = await self.service.run_db(get_job, job_id=job_id)
        signed, issuer = await self._c2pa_status(video_key)
        return ClipExtras(
            references=[(role, self.media.signed_url(asset.storage_key)) for role, asset in refs],
            c2pa_signed=signed,
            c2pa_signer=issuer,
            discord_url=discord_message_url(job) if job else None,
        )

    async def _c2pa_status(self, video_key: str | None) -> tuple[bool, str | None]:
        """Read once per clip file (the manifest never changes), cached in memory."""
        if not video_key:
            return False, None
        if video_key not in self._c2pa:
            import asyncio

            def load() -> tuple[bool, str | None]:
                if hasattr(self.media, "path"):
                    return read_c2pa(self.media.path(video_key))
                return read_c2pa(self.media.read_bytes(video_key))

            try:
                status = await asyncio.to_thread(load)
            except (OSError, ValueError):  # a missing file says "not signed", it is no error page
                status = (False, None)
            if len(self._c2pa) >= C2PA_CACHE_SIZE:
                self._c2pa.pop(next(iter(self._c2pa)))
            self._c2pa[video_key] = status
        return self._c2pa[video_key]
