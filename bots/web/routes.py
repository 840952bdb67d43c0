"""The gallery and remix-tree handlers, the static files, and the pages' rate limit.

Mounted by :func:`reelbot.bots.media_server.add_gallery_routes`. Every handler answers with
a page in the visitor's language, never a traceback: a refused link (tampered, expired,
revoked, a community gallery switched off) is a 403 page naming why.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

from reelbot.bots.common.status import kind_label
from reelbot.bots.web import tree as tree_layout
from reelbot.bots.web.pages import choose_locale, html_response, query_with, static_dir
from reelbot.domain.errors import Forbidden, NotFound
from reelbot.domain.messages import render
from reelbot.domain.types import RemixKind, SpeedMode

GALLERY_KEY = web.AppKey("reelbot_gallery", object)
LIMITER_KEY = web.AppKey("reelbot_page_limiter", object)


class RateLimiter:
    """A fixed-window counter per client address (in memory, per process): pages are cheap
    to ask for and costly to render, so one address gets ``limit`` pages a ``window_s``."""

    def __init__(
        self, limit: int = 120, window_s: float = 60.0, max_clients: int = 10_000, *, forwarded_hops: int = 0
    ) -> None:
        self.limit = limit
        self.forwarded_hops = forwarded_hops
        self.window_s = window_s
        self.max_clients = max_clients
        self._hits: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def client(self, request: web.Request) -> str:
        """The address to count: the peer, or — behind ``forwarded_hops`` trusted proxies — the
        address the outermost of them saw (counted from the right of X-Forwarded-For, so a
        visitor cannot choose their own key by sending the header)."""
        if self.forwarded_hops > 0:
            hops = [
                part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()
            ]
            if len(hops) >= self.forwarded_hops:
                return hops[-self.forwarded_hops]
        return request.remote or "?"

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        start, count = self._hits.get(client, (now, 0))
        if now - start >= self.window_s:
            start, count = now, 0
        self._hits[client] = (start, count + 1)
        self._hits.move_to_end(client)
        while len(self._hits) > self.max_clients:
            self._hits.popitem(last=False)
        return count + 1 <= self.limit


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Limit the page routes (/c, /g); media and static files are not counted."""
    limiter: RateLimiter | None = request.app.get(LIMITER_KEY)  # type: ignore[assignment]
    path = request.path
    counted = path.startswith("/c/") or path.startswith("/g/")
    if limiter is not None and counted and not limiter.allow(limiter.client(request)):
        locale = choose_locale(request)
        title = render("web.error.title", locale)
        response = html_response(
            request,
            "message.html",
            {"title": title, "message": render("web.rate_limited", locale)},
            status=429,
        )
        response.headers["Retry-After"] = str(int(limiter.window_s))
        return response
    return await handler(request)


def message_page(request: web.Request, key: str, status: int) -> web.Response:
    locale = choose_locale(request)
    return html_response(
        request,
        "message.html",
        {"title": render("web.error.title", locale), "message": render(key, locale)},
        status=status,
    )


def _gallery(request: web.Request) -> Any:
    gallery = request.app.get(GALLERY_KEY)
    if gallery is None:
        raise web.HTTPNotFound()
    return gallery


async def gallery_page(request: web.Request) -> web.Response:
    from reelbot.app.gallery_queries import parse_filter

    gallery = _gallery(request)
    try:
        scope = await gallery.open(request.match_info["token"])
    except Forbidden as exc:
        return message_page(request, exc.key, 403)
    query = request.query
    flt = parse_filter(query.get("preset"), query.get("mode"), query.get("from"), query.get("to"))
    try:
        number = max(1, min(int(query.get("page", "1")), 10_000))
    except ValueError:
        number = 1
    page = await gallery.page(scope, flt, number)
    locale = choose_locale(request)
    if scope.kind == "user":
        heading = render("web.gallery.mine", locale)
    else:
        heading = render("web.gallery.community", locale, name=page.title)
    context = {
        "title": heading,
        "heading": heading,
        "page": page,
        "presets": page.presets,
        "modes": [mode.value for mode in SpeedMode],
        "filters": {
            "preset": flt.preset or "",
            "mode": flt.mode.value if flt.mode else "",
            "since": query.get("from", "") if flt.since else "",
            "until": query.get("to", "") if flt.until else "",
        },
        "private": scope.kind == "user",
        "show_author": scope.kind == "community",
        "prev_href": query_with(request, page=page.page - 1),
        "next_href": query_with(request, page=page.page + 1),
    }
    return html_response(request, "gallery.html", context, scripts=True)


async def tree_page(request: web.Request) -> web.Response:
    gallery = _gallery(request)
    try:
        clip_id = uuid.UUID(request.match_info["clip_id"])
        nodes = await gallery.tree(clip_id)
    except (ValueError, NotFound):
        return message_page(request, "web.clip.not_found", 404)
    placed, edges, width, height = tree_layout.layout(nodes)
    locale = choose_locale(request)
    context = {
        "title": render("web.tree.title", locale),
        "clip_id": clip_id,
        "placed": placed,
        "edges": edges,
        "width": width,
        "height": height,
        "node_w": tree_layout.NODE_W,
        "node_h": tree_layout.NODE_H,
        "kind_label": lambda kind: kind_label(RemixKind(kind) if kind else None, locale),
    }
    return html_response(request, "tree.html", context)


def mount(app: web.Application, gallery: Any, limiter: RateLimiter | None) -> None:
    app[GALLERY_KEY] = gallery
    app[LIMITER_KEY] = limiter
    app.middlewares.append(rate_limit)
    app.router.add_get("/g/{token}", gallery_page)
    app.router.add_get("/c/{clip_id}/tree", tree_page)


STATIC_TYPES = {"site.css": "text/css", "preview.js": "text/javascript"}


@cache
def _static_bytes(name: str) -> bytes:
    return (Path(static_dir()) / name).read_bytes()


async def static_file(request: web.Request) -> web.Response:
    """The pages' own CSS and script: a fixed list of names, read once (no directory serving)."""
    name = request.match_info["name"]
    if name not in STATIC_TYPES:
        raise web.HTTPNotFound()
    return web.Response(
        body=_static_bytes(name),
        content_type=STATIC_TYPES[name],
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def mount_static(app: web.Application) -> None:
    app.router.add_get("/static/web/{name}", static_file)
