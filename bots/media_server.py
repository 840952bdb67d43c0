"""The media server: signed media URLs, the web pages (clip page, galleries, remix trees), /healthz.

LINE fetches ``originalContentUrl``/``previewImageUrl`` itself and streams video with Range
requests, so this must answer ranges correctly (``web.FileResponse`` does: 206, Content-Range,
416). It sits behind a TLS-terminating proxy in production — LINE accepts only HTTPS URLs.

Order of checks for ``GET /media/{key}?exp=&sig=``: the signature first (a wrong or expired one
is 403 before the file system is touched), then the key is mapped to a path by the media store
(which refuses ``..``, absolute paths and backslashes), then the resolved path must still lie
inside the media root (so a symlink planted in the folder cannot leak a file outside it).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from aiohttp import web

from reelbot.bots.common.status import kind_label
from reelbot.bots.object_media import RangedObjects, stream_object
from reelbot.bots.web import routes as web_routes
from reelbot.bots.web.pages import choose_locale, html_response
from reelbot.bots.web.routes import GALLERY_KEY, RateLimiter
from reelbot.domain.errors import NotFound
from reelbot.domain.messages import render

log = logging.getLogger(__name__)

CONTENT_TYPES: dict[str, str] = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


class SignedMedia(Protocol):
    """What the server needs from :class:`reelbot.storage.media.MediaStore`."""

    def path(self, key: str) -> Path: ...
    def verify(self, key: str, exp: int, sig: str) -> bool: ...
    def signed_url(self, key: str, ttl_s: int | None = None) -> str: ...


class ClipLike(Protocol):
    """The fields of :class:`reelbot.app.service.ClipView` the share page shows."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def video_key(self) -> str | None: ...
    @property
    def thumbnail_key(self) -> str | None: ...
    @property
    def deleted(self) -> bool: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def lineage(self) -> list[tuple[uuid.UUID, object]]: ...
    @property
    def request(self) -> object: ...


ClipLookup = Callable[[uuid.UUID], Awaitable[ClipLike]]

MEDIA_KEY = web.AppKey("reelbot_media", object)
CLIPS_KEY = web.AppKey("reelbot_clip_lookup", object)
NOINDEX_KEY = web.AppKey("reelbot_pages_noindex", bool)

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _media(request: web.Request) -> SignedMedia:
    return request.app[MEDIA_KEY]  # type: ignore[return-value]


def resolve_inside(root: Path, path: Path) -> Path | None:
    """``path`` with symlinks resolved, or None when that leaves ``root`` (or is no regular file)."""
    real_root = root.resolve()
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a symlink loop
        return None
    if not real.is_relative_to(real_root) or not real.is_file():
        return None
    return real


async def serve_media(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    media = _media(request)
    try:
        exp = int(request.query.get("exp", ""))
    except ValueError:
        raise web.HTTPForbidden(text="missing or malformed signature") from None
    sig = request.query.get("sig", "")
    if not sig or not media.verify(key, exp, sig):
        raise web.HTTPForbidden(text="invalid or expired signature")
    if isinstance(media, RangedObjects):  # an S3 bucket: stream the ranges from it
        content_type = CONTENT_TYPES.get(Path(key).suffix.lower(), "application/octet-stream")
        cache = f"private, max-age={max(0, exp - int(time.time()))}"
        headers = {**SECURITY_HEADERS, "Content-Type": content_type, "Cache-Control": cache}
        return await stream_object(request, media, key, headers)
    try:
        candidate = media.path(key)
    except ValueError:
        raise web.HTTPNotFound() from None
    root = getattr(media, "root", None)
    real = resolve_inside(Path(root), candidate) if root is not None else None
    if real is None:
        raise web.HTTPNotFound()
    max_age = max(0, exp - int(time.time()))
    headers = {
        **SECURITY_HEADERS,
        "Content-Type": CONTENT_TYPES.get(real.suffix.lower(), "application/octet-stream"),
        "Cache-Control": f"private, max-age={max_age}",
    }
    return web.FileResponse(real, headers=headers)


async def _not_a_clip(request: web.Request, key: str, status: int) -> web.Response:
    locale = choose_locale(request)
    context = {"title": render("web.clip.title", locale), "message": render(key, locale)}
    return html_response(request, "message.html", context, status=status)


def _remix_hint(locale: str) -> str:
    """The hint names the buttons exactly as they read in this language."""
    return render(
        "web.clip.remix_hint",
        locale,
        vary=render("action.vary", locale),
        extend=render("action.extend", locale),
        remix=render("action.remix", locale),
    )


async def clip_page(request: web.Request) -> web.Response:
    """``/c/<id>``: the clip at its own aspect, its recipe, provenance and lineage. No script."""
    try:
        clip_id = uuid.UUID(request.match_info["clip_id"])
    except ValueError:
        return await _not_a_clip(request, "web.clip.not_found", 404)
    lookup: ClipLookup | None = request.app.get(CLIPS_KEY)  # type: ignore[assignment]
    if lookup is None:
        raise web.HTTPNotFound()
    try:
        clip = await lookup(clip_id)
    except NotFound:
        return await _not_a_clip(request, "web.clip.not_found", 404)
    if clip.deleted or not clip.video_key:
        return await _not_a_clip(request, "web.clip.deleted", 410)
    locale = choose_locale(request)
    media = _media(request)
    video_url = media.signed_url(clip.video_key)
    poster_url = media.signed_url(clip.thumbnail_key) if clip.thumbnail_key else ""
    recipe = clip.request
    prompt = str(getattr(recipe, "prompt", ""))
    speed = getattr(recipe, "speed", None)
    extras = await _extras(request, clip)
    base = str(getattr(media, "base_url", "")).rstrip("/")
    context = {
        "title": render("web.clip.title", locale),
        "clip": clip,
        "video_url": video_url,
        "poster_url": poster_url,
        "prompt": prompt,
        "og_title": prompt[:100],
        "negative": str(getattr(recipe, "negative_prompt", "") or ""),
        "seed": getattr(recipe, "seed", None),
        "preset": getattr(recipe, "preset", None),
        "mode": getattr(speed, "value", speed),
        "seconds": round(float(getattr(clip, "duration_s", 0) or 0), 1),
        "references": [
            (render(f"web.role.{role}", locale), url) for role, url in getattr(extras, "references", [])
        ],
        "c2pa_signed": getattr(extras, "c2pa_signed", False),
        "c2pa_signer": getattr(extras, "c2pa_signer", None),
        "discord_url": getattr(extras, "discord_url", None),
        "lineage": [(ancestor, kind_label(kind, locale)) for ancestor, kind in clip.lineage],  # type: ignore[arg-type]
        "remix_hint": _remix_hint(locale),
        "page_url": f"{base}/c/{clip.id}",
        "embed_url": f"{base}/c/{clip.id}?embed=1",
        "lang": locale,
    }
    if request.query.get("embed") == "1":
        return html_response(request, "embed.html", context, embeddable=True)
    return html_response(request, "clip.html", context)


async def _extras(request: web.Request, clip: ClipLike) -> object | None:
    """References and C2PA status from the gallery, when one is mounted (it reads storage)."""
    gallery = request.app.get(GALLERY_KEY)
    job_id = getattr(clip, "job_id", None)
    if gallery is None or job_id is None:
        return None
    return await gallery.extras(clip.id, job_id, clip.video_key)  # type: ignore[attr-defined]


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def add_media_routes(
    app: web.Application,
    media: SignedMedia,
    clips: ClipLookup | None = None,
    *,
    gallery: object | None = None,
    noindex: bool = True,
    limiter: RateLimiter | None = None,
) -> None:
    """Mount ``/media/{key}``, ``/c/{clip_id}``, the galleries, static files and ``/healthz``.

    ``gallery``: a :class:`reelbot.app.gallery.Gallery`. When it is not given but ``clips`` is
    the service's own ``clip`` method (how the LINE app and ``reelbot media`` call this), one
    is made over that service, so every media server serves the galleries too.
    ``noindex`` (default): pages ask search engines not to index them.
    """
    app[MEDIA_KEY] = media
    app[CLIPS_KEY] = clips
    app[NOINDEX_KEY] = noindex
    app.router.add_get("/media/{key:.+}", serve_media)
    app.router.add_get("/c/{clip_id}", clip_page)
    if gallery is None:
        gallery = _gallery_over(clips)
    web_routes.mount(app, gallery, limiter if limiter is not None else RateLimiter())
    web_routes.mount_static(app)
    taken = {resource.canonical for resource in app.router.resources()}
    if "/healthz" not in taken:  # core/health may already serve it on this app
        app.router.add_get("/healthz", healthz)


def _gallery_over(clips: object) -> object | None:
    service = getattr(clips, "__self__", None)
    if service is None or not all(hasattr(service, name) for name in ("run_db", "media", "settings")):
        return None
    from reelbot.app.gallery import Gallery

    return Gallery(service)


def create_media_app(
    media: SignedMedia,
    clips: ClipLookup | None = None,
    *,
    gallery: object | None = None,
    noindex: bool = True,
    limiter: RateLimiter | None = None,
) -> web.Application:
    """A stand-alone media server (``reelbot serve`` mounts it)."""
    app = web.Application()
    add_media_routes(app, media, clips, gallery=gallery, noindex=noindex, limiter=limiter)
    return app
