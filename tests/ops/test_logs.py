"""Logs: JSON lines carry the job id across tasks; secrets never reach the output."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelbot.domain.settings import Settings
from reelbot.ops.logs import job_context, redact_filter, setup_logging

TOKEN = "discord-tok.ABCDEF123456.very-secret"
LINE_SECRET = "line-channel-secret-0987654321"
DB_PASSWORD = "pg-p@ss-w0rd-xyz"


@pytest.fixture
def secret_settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        discord_token=TOKEN,  # type: ignore[arg-type]
        line_channel_secret=LINE_SECRET,  # type: ignore[arg-type]
        database_url="postgresql+psycopg://reelbot:pg-p%40ss-w0rd-xyz@db:5432/reelbot",
        log_level="DEBUG",
    )


@pytest.fixture
def captured(secret_settings: Settings) -> Iterator[io.StringIO]:
    stream = io.StringIO()  # not a TTY -> JSON
    root = logging.getLogger()
    level = root.level
    handler = setup_logging(secret_settings, stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    """Our test logger's records only (asyncio logs its selector at DEBUG)."""
    parsed = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [record for record in parsed if record["logger"] == "reelbot.test.ops"]


async def test_json_lines_carry_job_id_through_tasks(captured: io.StringIO) -> None:
    log = logging.getLogger("reelbot.test.ops")

    async def stage(name: str) -> None:
        await asyncio.sleep(0)
        log.info("stage %s done", name, extra={"stage_s": 0.25})

    with job_context("job-1234", platform="discord"):
        log.info("claimed")
        await asyncio.gather(stage("denoise"), stage("encode"))
    log.info("idle")

    records = lines(captured)
    assert [r["msg"] for r in records] == ["claimed", "stage denoise done", "stage encode done", "idle"]
    for record in records[:3]:
        assert record["job_id"] == "job-1234" and record["platform"] == "discord"
        assert record["level"] == "INFO" and record["logger"] == "reelbot.test.ops"
    assert records[1]["stage_s"] == 0.25
    assert "job_id" not in records[3]


def test_secrets_never_printed(captured: io.StringIO) -> None:
    log = logging.getLogger("reelbot.test.ops")
    log.info("connecting with token %s", TOKEN)
    log.warning("webhook secret is " + LINE_SECRET)
    log.info("database password", extra={"detail": f"pw={DB_PASSWORD}"})
    try:
        raise RuntimeError(f"401 Unauthorized for Bot {TOKEN}")
    except RuntimeError:
        log.exception("login failed")

    out = captured.getvalue()
    for secret in (TOKEN, LINE_SECRET, DB_PASSWORD):
        assert secret not in out
    records = lines(captured)
    assert records[0]["msg"] == "connecting with token ***"
    assert records[1]["msg"] == "webhook secret is ***"
    assert records[2]["detail"] == "pw=***"
    assert "RuntimeError: 401 Unauthorized for Bot ***" in str(records[3]["exc"])


def test_secret_added_at_runtime_is_redacted(secret_settings: Settings) -> None:
    stream = io.StringIO()
    handler = setup_logging(secret_settings, stream=stream)
    try:
        redact = redact_filter(handler)
        assert redact is not None
        redact.add("fetched-later-token-777")
        logging.getLogger("reelbot.test.ops").error("got %s", "fetched-later-token-777")
    finally:
        logging.getLogger().removeHandler(handler)
    assert "fetched-later-token-777" not in stream.getvalue()
    assert "got ***" in stream.getvalue()


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_gets_plain_lines_with_job_tag(secret_settings: Settings) -> None:
    stream = FakeTTY()
    handler = setup_logging(secret_settings, stream=stream)
    try:
        with job_context("job-77"):
            logging.getLogger("reelbot.test.ops").info("hello %s", TOKEN)
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert not text.lstrip().startswith("{")
    assert "[job job-77]" in text and "hello ***" in text and TOKEN not in text


def test_log_json_setting_forces_json_on_a_terminal(secret_settings: Settings) -> None:
    stream = FakeTTY()
    handler = setup_logging(secret_settings.model_copy(update={"log_json": True}), stream=stream)
    try:
        logging.getLogger("reelbot.test.ops").info("structured")
    finally:
        logging.getLogger().removeHandler(handler)
    assert json.loads(stream.getvalue().strip())["msg"] == "structured"


def test_setup_twice_keeps_one_handler(secret_settings: Settings) -> None:
    root = logging.getLogger()
    first = setup_logging(secret_settings, stream=io.StringIO())
    second = setup_logging(secret_settings, stream=io.StringIO())
    try:
        assert first not in root.handlers and second in root.handlers
    finally:
        root.removeHandler(second)
