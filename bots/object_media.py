"""Serving media that lives in an object store: ranges streamed from the bucket.

The media server's ``/media/{key}`` checks the signature first (bots/media_server.py); when
the store is a bucket (it has ``object_size``/``open_range``) this answers the request the
way ``web.FileResponse`` does for a file — 200 or 206 with ``Content-Range``, 416 with
``bytes */size`` for a range past the end, ``HEAD`` without a body — while the bytes come
from the bucket chunk by chunk (no local copy, constant memory per request).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from aiohttp import web

log = logging.getLogger(__name__)


@runtime_checkable
class RangedObjects(Protocol):
    """What :class:`reelbot.storage.s3.S3MediaStore` offers the media server."""

    async def object_size(self, key: str) -> int | None: ...
    def open_range(self, key: str, start: int, end: int) -> AsyncIterator[bytes]: ...


def byte_range(request: web.Request, size: int) -> tuple[int, int, bool] | None:
    """``(start, end, partial)`` (end exclusive) the request asks for — the whole object and
    ``partial=False`` without a Range header; None when it cannot be satisfied (416)."""
    if "Range" not in request.headers:
        return 0, size, False
    try:
        rng = request.http_range
    except ValueError:
        return None
    start, stop = rng.start, rng.stop
    if start is None and stop is None:
        return 0, size, False
    if start is not None and start < 0:  # suffix: the last -start bytes
        return (max(0, size + start), size, True) if size > 0 else None
    start = start or 0
    end = size if stop is None else min(stop, size)
    if start >= size or end <= start:
        return None
    return start, end, True


async def stream_object(
    request: web.Request, media: RangedObjects, key: str, headers: dict[str, str]
) -> web.StreamResponse:
    """Answer ``request`` for ``key`` from the object store (signature already checked)."""
    size = await media.object_size(key)
    if size is None:
        raise web.HTTPNotFound()
    span = byte_range(request, size)
    if span is None:
        raise web.HTTPRequestRangeNotSatisfiable(headers={**headers, "Content-Range": f"bytes */{size}"})
    start, end, partial = span
    response = web.StreamResponse(
        status=206 if partial else 200, headers={**headers, "Accept-Ranges": "bytes"}
    )
    if partial:
        response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    response.content_length = end - start
    await response.prepare(request)
    if request.method == "HEAD" or end == start:
        await response.write_eof()
        return response
    async for chunk in media.open_range(key, start, end):
        await response.write(chunk)
    await response.write_eof()
    return response
