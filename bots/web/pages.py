"""Rendering helpers shared by every page: the Jinja2 environment, locale choice, headers.

Why one place: the Content-Security-Policy and the robots rule must be the same on every
page. The CSP names the *media origin in use* (the origin of the signed media URLs, i.e.
``REELBOT_MEDIA_BASE_URL``) for images and video — ``'self'`` alone breaks as soon as the page
is opened under another host name than the media URLs carry (``localhost`` vs ``127.0.0.1``,
a CDN name, the LINE webhook's host).
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from markupsafe import Markup

from reelbot.domain.messages import EN, ZH_TW, render

if TYPE_CHECKING:
    from jinja2 import Environment

BASE_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
ORIGIN_PROBE_KEY = "clips/origin-probe.mp4"  # signed only to read the origin; never fetched
ASPECT_CLASSES = {"9:16": 9 / 16, "1:1": 1.0, "16:9": 16 / 9}


@cache
def environment() -> Environment:
    """The template environment (autoescape on for every template). Jinja2 is imported here,
    on the first page: a LINE webhook that never serves one does not carry it."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    folder = resources.files("reelbot.bots.web") / "templates"
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_escape,
        auto_reload=False,  # templates ship with the package: compile once, never stat again
    )
    env.globals["aspect_class"] = aspect_class
    return env


def _escape(value: Any) -> Any:
    """Every printed value escaped with the standard library's rules (``&quot;`` for quotes,
    the form the rest of reelbot's pages and tests use); Markup passes through."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))  # noqa: S704 - escaped here


def static_dir() -> str:
    return str(resources.files("reelbot.bots.web") / "static")


def aspect_class(width: int, height: int) -> str:
    """The CSS class of the nearest supported aspect (CSP forbids inline styles)."""
    ratio = width / height if height else 1.0
    name = min(ASPECT_CLASSES, key=lambda key: abs(ASPECT_CLASSES[key] - ratio))
    return "ar-" + name.replace(":", "-")


def choose_locale(request: web.Request) -> str:
    """``?lang=`` first, then the browser's Accept-Language (by q-value); English otherwise."""
    asked = request.query.get("lang", "").strip().lower()
    if asked.startswith("zh"):
        return ZH_TW
    if asked.startswith("en"):
        return EN
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(request.headers.get("Accept-Language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            choices.append((-quality, index, tag.lower()))
    for _, _, tag in sorted(choices):
        if tag.startswith("zh"):
            return ZH_TW
        if tag.startswith("en") or tag == "*":
            return EN
    return EN


def media_origin(media: Any) -> str:
    """The origin of the media URLs this store hands out right now (``'self'`` when relative).

    Taken from a URL the store signs, not from its configuration: with an object store in
    ``presigned`` delivery the URLs name the bucket (or its public endpoint), not
    ``REELBOT_MEDIA_BASE_URL``, and the policy must allow exactly that origin.
    """
    for candidate in (_probe_url(media), str(getattr(media, "base_url", "") or "")):
        parts = urlsplit(candidate)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return "'self'"


def _probe_url(media: Any) -> str:
    try:
        return str(media.signed_url(ORIGIN_PROBE_KEY))
    except Exception:  # a store that cannot sign (tests' stand-ins): fall back to its base URL
        return ""


def csp(media: Any, *, scripts: bool, embeddable: bool = False) -> str:
    origin = media_origin(media)
    sources = origin if origin == "'self'" else f"'self' {origin}"
    parts = [
        "default-src 'none'",
        f"img-src {sources}",
        f"media-src {sources}",
        "style-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors *" if embeddable else "frame-ancestors 'none'",
    ]
    if scripts:
        parts.append("script-src 'self'")
    return "; ".join(parts)


def html_response(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    scripts: bool = False,
    embeddable: bool = False,
) -> web.Response:
    """Render ``template`` with the shared context and the shared security headers."""
    from reelbot.bots.media_server import MEDIA_KEY, NOINDEX_KEY

    locale = context.get("lang") or choose_locale(request)
    noindex = request.app.get(NOINDEX_KEY, True)
    shared = {
        "t": lambda key, **fields: render(key, locale, **fields),
        "lang": locale,
        "noindex": noindex,
        "lang_links": lang_links(request),
    }
    text = environment().get_template(template).render({**context, **shared})
    headers = {
        **BASE_HEADERS,
        "Content-Security-Policy": csp(request.app[MEDIA_KEY], scripts=scripts, embeddable=embeddable),
    }
    if noindex:
        headers["X-Robots-Tag"] = "noindex, nofollow"
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8", headers=headers)


def lang_links(request: web.Request) -> dict[str, str]:
    """The same page in each language (the other query parameters kept)."""
    links = {}
    for code in (EN, ZH_TW):
        query = {k: v for k, v in request.query.items() if k != "lang"}
        query["lang"] = code
        links[code] = f"{request.path}?{urlencode(query)}"
    return links


def query_with(request: web.Request, **changes: Any) -> str:
    """The current query string with ``changes`` applied (for the pager)."""
    query = dict(request.query)
    for key, value in changes.items():
        query[key] = str(value)
    return "?" + urlencode(query)
