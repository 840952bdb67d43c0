"""Logging set-up: JSON lines for machines, readable lines for people, job ids everywhere.

Why: one job crosses a bot process, Redis, a worker and back; an operator follows it by
``job_id`` across all their logs. So the id travels in a :mod:`contextvars` variable (set
once with :func:`reelbot.domain.context.job_context`, inherited by asyncio tasks) and a filter
stamps it on every record — call sites never pass it by hand.

Secrets: settings hold tokens as ``SecretStr`` and code must never log them; the
:class:`RedactFilter` is the safety net for the day someone logs a URL with a password or
an exception that echoes a token. It replaces every known secret value before any handler
formats the record (message, arguments, traceback and extra fields alike).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from reelbot.domain.context import JOB_ID, PLATFORM, bind_job, job_context
from reelbot.domain.settings import Settings

__all__ = ["JOB_ID", "PLATFORM", "bind_job", "job_context", "setup_logging"]  # context: re-exported

REDACTED = "***"
MIN_SECRET_LEN = 6  # shorter "secrets" would redact ordinary words

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is
# worth keeping in the JSON line (e.g. stage timings).
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
    | {"message", "asctime", "job_id", "platform", "taskName"}
)
_HANDLER_MARK = "_reelbot_handler"


class ContextFilter(logging.Filter):
    """Stamps ``job_id`` and ``platform`` from the context onto each record (unless given in ``extra``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "job_id", None) is None:
            record.job_id = JOB_ID.get()
        if getattr(record, "platform", None) is None:
            record.platform = PLATFORM.get()
        return True


def secret_values(settings: Settings) -> set[str]:
    """Every secret a settings object knows: SecretStr fields and passwords inside URLs."""
    found: set[str] = set()

    def visit(model: Any) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name, None)
            if isinstance(value, SecretStr):
                found.add(value.get_secret_value())
            elif hasattr(type(value), "model_fields"):
                visit(value)

    visit(settings)
    for url in (settings.redis_url, settings.database_url):
        if url:
            password = urlsplit(url).password
            if password:
                found.update({password, unquote(password)})
    key_file = settings.data_dir / ".media_secret"
    if settings.media_secret is None and key_file.exists():
        found.add(key_file.read_text().strip())
    return {value for value in found if len(value) >= MIN_SECRET_LEN}


class RedactFilter(logging.Filter):
    """Replaces known secret values in a record before it is formatted anywhere."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        """Register more values at run time (e.g. a token fetched after start-up)."""
        merged = set(self._secrets) | {s for s in secrets if s and len(s) >= MIN_SECRET_LEN}
        # Longest first: a secret that contains another is replaced whole.
        self._secrets = sorted(merged, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must still be logged, just unformatted
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, job_id, platform, exc, and any ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("job_id", "platform"):
            value = getattr(record, key, None)
            if value is not None:
                payload[key] = value
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc"] = record.exc_text
        if record.stack_info:
            payload["stack"] = record.stack_info
        return json.dumps(payload, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """Human format with the job id in brackets when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        job = getattr(record, "job_id", None)
        record.job_tag = f" [job {job}]" if job else ""
        return super().format(record)


def _wants_json(settings: Settings, stream: IO[str]) -> bool:
    if settings.log_json is not None:
        return settings.log_json
    isatty = getattr(stream, "isatty", None)
    return not (callable(isatty) and isatty())


def setup_logging(settings: Settings, *, stream: IO[str] | None = None) -> logging.Handler:
    """Configure the root logger once per process (calling again replaces reelbot's handler).

    JSON lines when ``settings.log_json`` says so or when ``stream`` (stderr) is not a
    terminal — containers, systemd, CI; rich output on a terminal. Returns the handler so
    callers can add secrets (``handler.filters``) or remove it in tests.
    """
    out = stream if stream is not None else sys.stderr
    handler: logging.Handler
    if _wants_json(settings, out):
        handler = logging.StreamHandler(out)
        handler.setFormatter(JsonFormatter())
    elif stream is None:
        from rich.logging import RichHandler

        handler = RichHandler(rich_tracebacks=False, show_path=False)
        handler.setFormatter(PlainFormatter("%(message)s%(job_tag)s"))
    else:
        handler = logging.StreamHandler(out)
        handler.setFormatter(PlainFormatter("%(asctime)s %(levelname)-7s %(name)s%(job_tag)s: %(message)s"))
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactFilter(secret_values(settings)))
    setattr(handler, _HANDLER_MARK, True)

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Chatty libraries: their INFO lines are noise next to ours.
    for name in ("discord.gateway", "discord.http", "httpx", "urllib3", "aiohttp.access"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    return handler


def redact_filter(handler: logging.Handler) -> RedactFilter | None:
    """The redaction filter on a handler made by :func:`setup_logging`."""
    return next((f for f in handler.filters if isinstance(f, RedactFilter)), None)
