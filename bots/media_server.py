"""The media server: signed clip/thumbnail URLs, a small share page per clip, ``/healthz``.

LINE fetches ``originalContentUrl``/``previewImageUrl`` itself and streams video with Range
requests, so this must answer ranges correctly (``web.FileResponse`` does: 206, Content-Range,
416). It sits behind a TLS-terminating proxy in production — LINE accepts only HTTPS URLs.

Order of checks for ``GET /media/{key}?exp=&sig=``: the signature first (a wrong or expired one
is 403 before the file system is touched), then the key is mapped to a path by the media store
(which refuses ``..``, absolute paths and backslashes), then the resolved path must still lie
inside the media root (so a symlink planted in the folder cannot leak a file outside it).
"""

from __future__ import annotations

import html
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from aiohttp import web

from reelbot.bots.common.status import kind_label
from reelbot.bots.line import texts as _texts  # noqa: F401 - registers the page texts
from reelbot.bots.object_media import RangedObjects, stream_object
from reelbot.domain.errors import NotFound
from reelbot.domain.messages import EN, ZH_TW, render

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


def _page_locale(request: web.Request) -> str:
    """zh-TW when the browser prefers Chinese, English otherwise."""
    accept = request.headers.get("Accept-Language", "")
    first = accept.split(",")[0].strip().lower()
    return ZH_TW if first.startswith("zh") else EN


def _page(title: str, body: str, locale: str, head_extra: str = "") -> str:
    return (
        f'<!doctype html><html lang="{html.escape(locale)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>{head_extra}"
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem}"
        "video{width:100%;max-height:80vh;background:#000}li{word-break:break-all}</style>"
        f"</head><body>{body}</body></html>"
    )


def _html_response(text: str, status: int = 200) -> web.Response:
    headers = {
        **SECURITY_HEADERS,
        # No scripts at all; media and styles from this origin (inline style above).
        "Content-Security-Policy": (
            "default-src 'none'; media-src 'self'; img-src 'self'; style-src 'unsafe-inline'"
        ),
    }
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8", headers=headers)


async def clip_page(request: web.Request) -> web.Response:
    locale = _page_locale(request)
    title = render("line.page.title", locale)
    try:
        clip_id = uuid.UUID(request.match_info["clip_id"])
    except ValueError:
        return _html_response(
            _page(title, f"<p>{html.escape(render('clip.not_found', locale))}</p>", locale), 404
        )
    lookup: ClipLookup | None = request.app.get(CLIPS_KEY)  # type: ignore[assignment]
    if lookup is None:
        raise web.HTTPNotFound()
    try:
        clip = await lookup(clip_id)
    except NotFound:
        return _html_response(
            _page(title, f"<p>{html.escape(render('clip.not_found', locale))}</p>", locale), 404
        )
    if clip.deleted or not clip.video_key:
        return _html_response(
            _page(title, f"<p>{html.escape(render('line.page.deleted', locale))}</p>", locale), 410
        )
    media = _media(request)
    video_url = media.signed_url(clip.video_key)
    poster_url = media.signed_url(clip.thumbnail_key) if clip.thumbnail_key else ""
    prompt = str(getattr(clip.request, "prompt", ""))
    lineage_items = "".join(
        f'<li><a href="/c/{ancestor}">{html.escape(kind_label(kind, locale))}</a>'  # type: ignore[arg-type]
        f"{' ←' if ancestor == clip.id else ''}</li>"
        for ancestor, kind in clip.lineage
    )
    esc = html.escape
    head = (
        f'<meta property="og:title" content="{esc(prompt[:100])}">'
        f'<meta property="og:video" content="{esc(video_url)}">'
        + (f'<meta property="og:image" content="{esc(poster_url)}">' if poster_url else "")
    )
    body = (
        f"<h1>{esc(title)}</h1>"
        f'<video controls playsinline preload="metadata" src="{esc(video_url)}"'
        + (f' poster="{esc(poster_url)}"' if poster_url else "")
        + f' width="{clip.width}" height="{clip.height}"></video>'
        f"<h2>{esc(render('line.page.prompt', locale))}</h2><p>{esc(prompt)}</p>"
        f"<h2>{esc(render('line.page.lineage', locale))}</h2><ol>{lineage_items}</ol>"
        f"<p>{esc(render('line.page.remix_hint', locale))}</p>"
    )
    return _html_response(_page(title, body, locale, head))


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def add_media_routes(app: web.Application, media: SignedMedia, clips: ClipLookup | None = None) -> None:
    """Mount ``/media/{key}``, ``/c/{clip_id}`` and ``/healthz`` on ``app`` (the webhook's or its own)."""
    app[MEDIA_KEY] = media
    app[CLIPS_KEY] = clips
    app.router.add_get("/media/{key:.+}", serve_media)
    app.router.add_get("/c/{clip_id}", clip_page)
    taken = {resource.canonical for resource in app.router.resources()}
    if "/healthz" not in taken:  # core/health may already serve it on this app
        app.router.add_get("/healthz", healthz)


def create_media_app(media: SignedMedia, clips: ClipLookup | None = None) -> web.Application:
    """A stand-alone media server (``reelbot serve`` mounts it)."""
    app = web.Application()
    add_media_routes(app, media, clips)
    return app
