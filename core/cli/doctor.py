"""``reelbot doctor``: what this machine still lacks to run reelbot, one line per check.

An operator's first day goes: install, ``reelbot doctor``, fix what it names, ``reelbot serve``.
Each check is a small function registered by name (:func:`check`); it returns a
:class:`Finding` — ``ok``, ``warn`` (works, but you should know) or ``missing`` (required:
the exit code is 1). Secrets are only ever said to be present or absent, never printed.
Nothing here starts a bot or renders: every check takes at most a few seconds.
"""

from __future__ import annotations

import asyncio
import ipaddress
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import typer

from reelbot.cli.lang import cli_locale
from reelbot.domain.errors import ReelbotError
from reelbot.domain.messages import render
from reelbot.domain.settings import Settings

Status = Literal["ok", "warn", "missing"]
MARKS: dict[Status, str] = {"ok": "✓", "warn": "!", "missing": "✗"}
TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Finding:
    """One check's verdict: a message key (``doctor.*``) and its fields."""

    status: Status
    key: str
    fields: dict[str, Any] = field(default_factory=dict)

    def line(self, name: str, locale: str) -> str:
        return f"{MARKS[self.status]} {name:<9} {render(self.key, locale, **self.fields)}"


Check = Callable[[Settings], list[Finding]]
#: check name → function; run in this order.
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    def decorate(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return decorate


def where(url: str) -> str:
    """host:port of a service URL (never its password); a SQLite URL gives its file."""
    from reelbot.cli import where as _where

    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///") or ":memory:"
    return _where(url)


@check("gpu")
def check_gpu(settings: Settings) -> list[Finding]:
    """A CUDA GPU through torch; only the tiny CPU presets run without one."""
    needs_gpu = settings.preset != "auto" and not settings.preset.startswith("tiny")
    try:
        import torch
    except ImportError:
        return [Finding("missing", "doctor.torch_missing")]
    if not torch.cuda.is_available():
        status: Status = "missing" if needs_gpu or settings.device == "cuda" else "warn"
        cuda = torch.version.cuda or "none (CPU wheel)"
        return [
            Finding(
                status,
                "doctor.gpu_none",
                {"torch": torch.__version__, "cuda": cuda, "preset": settings.preset},
            )
        ]
    props = torch.cuda.get_device_properties(0)
    return [
        Finding(
            "ok",
            "doctor.gpu_ok",
            {
                "name": props.name,
                "gb": f"{props.total_memory / 1024**3:.0f}",
                "count": torch.cuda.device_count(),
                "torch": torch.__version__,
                "cuda": torch.version.cuda,
            },
        )
    ]


@check("ffmpeg")
def check_ffmpeg(settings: Settings) -> list[Finding]:
    """The encoder every clip goes through (imageio-ffmpeg's binary)."""
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
        out = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=TIMEOUT_S, check=True)  # noqa: S603
    except (ImportError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
        return [Finding("missing", "doctor.ffmpeg_missing", {"error": type(exc).__name__})]
    words = out.stdout.split("\n", 1)[0].split()  # "ffmpeg version n7.1 Copyright …"
    version = words[2] if len(words) > 2 else "?"
    return [Finding("ok", "doctor.ffmpeg_ok", {"version": version, "path": exe})]


@check("redis")
def check_redis(settings: Settings) -> list[Finding]:
    """Redis reachable, and keeping what it holds across a restart (AOF or snapshots)."""
    return asyncio.run(_redis(settings.redis_url))


async def _redis(url: str) -> list[Finding]:
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError, ResponseError

    if "+sentinel" in url:
        return [Finding("warn", "doctor.redis_sentinel", {"where": where(url)})]
    client = aioredis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
    try:
        info = await client.info("server")
        version = str(info.get("redis_version", "?"))
        try:
            appendonly = await _config(client, "appendonly")
            save = await _config(client, "save")
        except ResponseError:
            return [Finding("warn", "doctor.redis_config_hidden", {"where": where(url), "version": version})]
    except (RedisError, OSError):
        return [Finding("missing", "doctor.redis_unreachable", {"where": where(url)})]
    finally:
        await client.aclose()
    fields = {"where": where(url), "version": version}
    if appendonly == "yes":
        return [Finding("ok", "doctor.redis_aof", fields)]
    if save.strip():
        return [Finding("warn", "doctor.redis_snapshots", {**fields, "save": save})]
    return [Finding("missing", "doctor.redis_volatile", fields)]


async def _config(client: Any, name: str) -> str:
    reply = dict(await client.config_get(name) or {})
    value = reply.get(name, reply.get(name.encode(), ""))
    return value.decode() if isinstance(value, bytes) else str(value)


@check("database")
def check_database(settings: Settings) -> list[Finding]:
    """The database answers ``SELECT 1`` (SQLite file or PostgreSQL)."""
    import sqlalchemy
    import sqlalchemy.exc

    from reelbot.storage.db import current_revision

    url = settings.resolved_database_url
    try:
        engine = sqlalchemy.create_engine(url)
    except (sqlalchemy.exc.ArgumentError, sqlalchemy.exc.NoSuchModuleError):
        return [Finding("missing", "doctor.database_url_invalid")]
    try:
        if url.startswith("sqlite:///"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT 1"))
        revision = current_revision(engine)
    except (sqlalchemy.exc.SQLAlchemyError, OSError):
        return [Finding("missing", "doctor.database_unreachable", {"where": where(url)})]
    finally:
        engine.dispose()
    return [schema_finding(revision, {"where": where(url), "dialect": engine.dialect.name})]


def schema_finding(current: str | None, fields: dict[str, Any]) -> Finding:
    """The database line with its schema revision: behind this build is a warning (a fleet's
    workers and bots refuse it; `serve` and `demo` migrate it themselves)."""
    from reelbot.storage.db import head_revision, known_revisions

    head = head_revision()
    fields = {**fields, "current": current, "head": head}
    if current == head:
        return Finding("ok", "doctor.database_schema_current", fields)
    if current is None:
        return Finding("ok", "doctor.database_schema_none", fields)
    if current not in known_revisions():
        return Finding("warn", "doctor.database_schema_newer", fields)
    return Finding("warn", "doctor.database_schema_behind", fields)


@check("chat")
def check_platforms(settings: Settings) -> list[Finding]:
    """Each chat platform: configured (secrets present, never shown) and its own start-up check."""
    from reelbot.cli.platforms import load_platforms

    findings, configured = [], 0
    for name, platform in load_platforms().items():
        if not platform.configured(settings):
            findings.append(Finding("warn", "doctor.platform_off", {"platform": name}))
            continue
        configured += 1
        try:
            platform.check(settings)
        except ReelbotError as exc:
            findings.append(
                Finding(
                    "missing", "doctor.platform_bad", {"platform": name, "reason": exc.render(cli_locale())}
                )
            )
        else:
            findings.append(Finding("ok", "doctor.platform_ok", {"platform": name}))
    if not configured:
        findings.append(Finding("missing", "doctor.platform_none"))
    return findings


@check("https")
def check_public_https(settings: Settings) -> list[Finding]:
    """LINE fetches clips itself: the media base URL must be public HTTPS when LINE is on."""
    from reelbot.cli.platforms import load_platforms

    line = load_platforms().get("line")
    url = settings.media_base_url
    if line is None or not line.configured(settings):
        return [Finding("ok", "doctor.https_not_needed", {"url": url})]
    parts = urlsplit(url)
    if parts.scheme != "https":
        return [Finding("missing", "doctor.https_not_https", {"url": url})]
    if _is_private(parts.hostname or ""):
        return [Finding("missing", "doctor.https_private", {"url": url})]
    return [Finding("ok", "doctor.https_ok", {"url": url})]


def _is_private(host: str) -> bool:
    if host in ("", "localhost") or host.endswith((".local", ".lan", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


@check("licence")
def check_licence(settings: Settings) -> list[Finding]:
    """The configured preset's licence terms, when they need the operator's attention (LTX-2)."""
    from reelbot.domain.presets import PRESETS, default_preset_name

    spec = PRESETS.get(default_preset_name(settings))
    if spec is None or not spec.licence_notice:
        return []
    return [Finding("warn", spec.licence_notice, {"preset": spec.name})]


def run_checks(settings: Settings) -> list[tuple[str, Finding]]:
    """Every check, in order; a check that crashes is a finding, not the end of the report."""
    results: list[tuple[str, Finding]] = []
    for name, fn in CHECKS.items():
        try:
            results += [(name, finding) for finding in fn(settings)]
        except Exception as exc:  # a broken check must not hide the others
            results.append((name, Finding("missing", "doctor.check_crashed", {"error": type(exc).__name__})))
    return results


def doctor(
    lang: Annotated[str | None, typer.Option(help="en or zh-TW (default: LANG / LC_ALL)")] = None,
) -> None:
    """Check GPU, ffmpeg, Redis (and its persistence), database, chat tokens and public HTTPS."""
    from reelbot.cli import fail
    from reelbot.cli.lang import set_lang
    from reelbot.domain.settings import load_settings

    if lang:
        set_lang(lang)
    locale = cli_locale()
    try:
        settings = load_settings()
    except ReelbotError as exc:
        raise fail(exc, locale) from None
    results = run_checks(settings)
    for name, finding in results:
        typer.echo(finding.line(name, locale))
    missing = sum(finding.status == "missing" for _, finding in results)
    typer.echo(render("doctor.summary_missing" if missing else "doctor.summary_ok", locale, count=missing))
    if missing:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command(name="doctor")(doctor)
