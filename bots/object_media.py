"""Serving media that lives in an object store: ranges streamed from the bucket.

The media server's ``/media/{key}`` checks the signature first (bots/media_server.py); when
the store is a bucket (it has ``object_size``/``open_object``) this answers the request the
way ``web.FileResponse`` does for a file — 200 or 206 with ``Content-Range``, 416 with
``bytes */size`` for a range past the end, ``HEAD`` without a body — while the bytes come
from the bucket chunk by chunk (no local copy, constant memory per request). A GET costs
the bucket one ranged GET (size and range come back with it), not a HEAD and a GET.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from aiohttp import web

log = logging.getLogger(__name__)


class Span(Protocol):
    """Bytes ``[start, end)`` of an object of ``size``; ``chunks`` None when unsatisfiable."""

    @property
    def size(self) -> int: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def chunks(self) -> AsyncIterator[bytes] | None: ...


@runtime_checkable
class RangedObjects(Protocol):
    """What :class:`reelbot.storage.s3.S3MediaStore` offers the media server."""

    async def object_size(self, key: str) -> int | None: ...
    async def open_object(self, key: str, start: int | None, stop: int | None) -> Span | None: ...


def _unsatisfiable(size: int, headers: dict[str, str]) -> web.HTTPRequestRangeNotSatisfiable:
    return web.HTTPRequestRangeNotSatisfiable(headers={**headers, "Content-Range": f"bytes */{size}"})


async def stream_object(
    request: web.Request, media: RangedObjects, key: str, headers: dict[str, str]
) -> web.StreamResponse:
    """Answer ``request`` for ``key`` from the object store (signature already checked)."""
    partial = "Range" in request.headers
    try:
        rng = request.http_range
    except ValueError:  # a malformed Range: 416 like FileResponse, which needs the size
        size = await media.object_size(key)
        if size is None:
            raise web.HTTPNotFound() from None
        raise _unsatisfiable(size, headers) from None
    start, stop = rng.start, rng.stop
    partial = partial and not (start is None and stop is None)
    if request.method == "HEAD":
        return await _head(request, media, key, headers)
    span = await media.open_object(key, start, stop)
    if span is None:
        raise web.HTTPNotFound()
    if span.chunks is None or (partial and span.end <= span.start):
        raise _unsatisfiable(span.size, headers)
    response = web.StreamResponse(
        status=206 if partial else 200, headers={**headers, "Accept-Ranges": "bytes"}
    )
    if partial:
        response.headers["Content-Range"] = f"bytes {span.start}-{span.end - 1}/{span.size}"
    response.content_length = span.end - span.start
    await response.prepare(request)
    async for chunk in span.chunks:
        await response.write(chunk)
    await response.write_eof()
    return response


async def _head(
    request: web.Request, media: RangedObjects, key: str, headers: dict[str, str]
) -> web.StreamResponse:
    size = await media.object_size(key)
    if size is None:
        raise web.HTTPNotFound()
    response = web.StreamResponse(status=200, headers={**headers, "Accept-Ranges": "bytes"})
    response.content_length = size
    await response.prepare(request)
    await response.write_eof()
    return response
