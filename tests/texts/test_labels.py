"""What a chat shows for states, roles, ids and lengths: words in the person's language."""

from __future__ import annotations

import uuid

from reelbot.bots.common.status import duration_text, role_label, state_label
from reelbot.domain.types import JobState, ReferenceRole, short_id


def test_states_and_roles_are_words_in_both_languages() -> None:
    for state in JobState:
        en, zh = state_label(state, "en"), state_label(state, "zh-TW")
        assert "_" not in en and zh != en and "_" not in zh  # never the raw enum value
    assert state_label(JobState.RUNNING, "zh-TW") == "生成中"
    assert state_label(JobState.AWAITING_CONSENT, "en") == "waiting for consent"
    assert role_label(ReferenceRole.FIRST_FRAME, "zh-TW") == "第一格"
    assert role_label("last_frame", "en") == "last frame"
    assert role_label("something_else", "en") == "something_else"  # unknown: shown as given


def test_short_ids_and_one_decimal() -> None:
    job = uuid.UUID("1234abcd-0000-4000-8000-000000000000")
    assert short_id(job) == "1234abcd"
    assert duration_text(1.125) == "1.1" and duration_text(5) == "5.0"


def test_a_state_in_an_error_is_worded_in_the_readers_language() -> None:
    """The service raises before it knows the reader: the state renders when the message does."""
    from reelbot.domain.errors import InvalidRequest

    error = InvalidRequest("job.not_cancellable", job_id=short_id(uuid.uuid4()), state=JobState.DONE.term)
    assert "已完成" in error.render("zh-TW") and "done" not in error.render("zh-TW")
    assert "done" in error.render("en") and "已完成" not in error.render("en")
    assert len(error.details["job_id"]) == 8
