"""Failure texts read like sentences: the stored detail is the key's fields, never raw JSON."""

from __future__ import annotations

import json
import uuid

from reelbot.domain.events import EventKind, JobEvent, failure_reason
from reelbot.domain.types import Origin, Platform


def test_detail_fields_fill_the_message() -> None:
    detail = json.dumps({"error": "RuntimeError: boom"})
    text = failure_reason("job.pipeline_error", detail, "abcd1234", "en")
    assert text == "The video model failed: RuntimeError: boom"
    retries = failure_reason("job.failed_retries", json.dumps({"attempts": 4, "error": "lost"}), "x", "zh-TW")
    assert "4" in retries and "lost" in retries and "{" not in retries


def test_missing_fields_and_old_plain_details_still_read_well() -> None:
    assert failure_reason("job.failed_retries", None, "abcd1234", "en") == failure_reason(
        None, None, "abcd1234", "en"
    )
    assert "abcd1234" in failure_reason(None, None, "abcd1234", "en")
    assert failure_reason("job.pipeline_error", "plain text", "x", "en").endswith("plain text")


def test_event_failure_text_quotes_the_short_job_id() -> None:
    job_id = uuid.uuid4()
    event = JobEvent(
        kind=EventKind.FAILED,
        job_id=job_id,
        origin=Origin(platform=Platform.LINE, user_id="U1"),
        error_key="job.out_of_memory",
    )
    assert str(job_id)[:8] in event.failure_text("en")
    assert "GPU" in event.failure_text("zh-TW")
