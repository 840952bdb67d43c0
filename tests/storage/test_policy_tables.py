"""Communities' settings, the moderation audit log, and the usage queries behind quotas."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.types import GenerationRequest, JobState, Platform
from reelbot.storage import jobs, usage
from reelbot.storage.communities import CommunitySettings, update_community_settings
from reelbot.storage.communities import community_settings as _settings
from reelbot.storage.models import utcnow
from reelbot.storage.moderation import moderation_events, record_moderation_event


def test_community_settings_merge_and_reset(session: Session) -> None:
    guild = uuid.uuid4().hex
    assert _settings(session=session, platform=Platform.DISCORD, community_id=guild) == CommunitySettings()
    updated = update_community_settings(
        session=session,
        platform=Platform.DISCORD,
        community_id=guild,
        updated_by="admin-1",
        changes={"daily_gpu_seconds": 600, "blocked_terms": [" gore ", "gore", "血腥"]},
    )
    assert updated.daily_gpu_seconds == 600 and updated.blocked_terms == ("gore", "血腥")
    update_community_settings(
        session=session,
        platform=Platform.DISCORD,
        community_id=guild,
        updated_by="admin-2",
        changes={"forbid_face_references": True, "daily_gpu_seconds": None},
    )
    now = _settings(session=session, platform=Platform.DISCORD, community_id=guild)
    assert (now.forbid_face_references, now.daily_gpu_seconds, now.blocked_terms) == (
        True,
        None,
        ("gore", "血腥"),
    )
    # the same id on another platform is another community
    assert _settings(session=session, platform=Platform.LINE, community_id=guild) == CommunitySettings()
    assert _settings(session=session, platform=Platform.LINE, community_id=None) == CommunitySettings()


@pytest.mark.parametrize(
    ("changes", "key", "setting"),
    [
        ({"daily_gpu_seconds": -5}, "community.setting_invalid", "daily_gpu_seconds"),
        ({"moderation_strictness": "extreme"}, "community.setting_invalid", "moderation_strictness"),
        ({"max_pending_per_user": 0}, "community.setting_invalid", "max_pending_per_user"),
        ({"gpu_budget": 5}, "community.setting_unknown", "gpu_budget"),
    ],
)
def test_bad_community_settings_are_refused_and_not_stored(
    session: Session, changes: dict[str, object], key: str, setting: str
) -> None:
    guild = uuid.uuid4().hex
    with pytest.raises(InvalidRequest) as info:
        update_community_settings(
            session=session, platform=Platform.DISCORD, community_id=guild, changes=changes, updated_by="a"
        )
    assert info.value.key == key and info.value.details["setting"] == setting
    assert setting in info.value.render("en") and setting in info.value.render("zh-TW")
    assert _settings(session=session, platform=Platform.DISCORD, community_id=guild) == CommunitySettings()


def test_moderation_audit_log(session: Session) -> None:
    guild = uuid.uuid4().hex
    record_moderation_event(
        session=session,
        platform=Platform.LINE,
        community_id=guild,
        platform_user_id="U1",
        kind="prompt",
        reason="moderation.blocked_term",
        matched_term="gore",
        excerpt="x" * 1000,
    )
    record_moderation_event(
        session=session,
        platform=Platform.LINE,
        community_id=guild,
        platform_user_id="U2",
        kind="image",
        reason="moderation.image",
    )
    events = moderation_events(session=session, platform=Platform.LINE, community_id=guild)
    assert [e.platform_user_id for e in events] == ["U2", "U1"]  # newest first
    assert events[1].excerpt == "x" * 200 and events[1].matched_term == "gore"
    only_u1 = moderation_events(
        session=session, platform=Platform.LINE, community_id=guild, platform_user_id="U1"
    )
    assert [e.kind for e in only_u1] == ["prompt"]
    assert moderation_events(session=session, platform=Platform.DISCORD, community_id=guild) == []
    with pytest.raises(ValueError):
        record_moderation_event(
            session=session, platform=Platform.LINE, platform_user_id="U1", kind="video", reason="x"
        )


def test_usage_counts_and_gpu_seconds(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    guild, alice, bob = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
    start = utcnow() - timedelta(seconds=1)
    made = []
    for user, gpu in ((alice, 10.0), (alice, 5.5), (bob, 2.0)):
        job = jobs.create_job(
            session=session,
            request=make_request(user_id=user, guild_id=guild),
            idempotency_key=uuid.uuid4().hex,
        )
        jobs.mark_running(session=session, job_id=job.id)
        made.append(job)
        jobs.mark_done(
            session=session,
            job_id=job.id,
            gpu_seconds=gpu,
            video_key="clips/a.mp4",
            thumbnail_key=None,
            size_bytes=1,
            width=16,
            height=16,
            fps=8,
            num_frames=9,
            duration_s=1.0,
        )
    failed = jobs.create_job(
        session=session, request=make_request(user_id=alice, guild_id=guild), idempotency_key=uuid.uuid4().hex
    )
    jobs.mark_failed(session=session, job_id=failed.id, error_key="generate.oom", gpu_seconds=1.0)
    alice_id = made[0].user_id
    where = dict(platform=Platform.DISCORD, community_id=guild)
    assert usage.count_jobs_since(session=session, since=start, **where) == 4  # type: ignore[arg-type]
    assert usage.count_clips_since(session=session, since=start, **where) == 3  # type: ignore[arg-type]
    assert usage.count_clips_since(session=session, since=start, user_id=alice_id, **where) == 2  # type: ignore[arg-type]
    assert usage.count_clips_since(session=session, since=utcnow() + timedelta(seconds=5), **where) == 0  # type: ignore[arg-type]
    assert usage.gpu_seconds_since(session=session, since=start, **where) == pytest.approx(18.5)  # type: ignore[arg-type]
    assert usage.gpu_seconds_since(session=session, since=start, user_id=alice_id) == pytest.approx(16.5)
    assert (
        usage.gpu_seconds_since(session=session, since=start, platform=Platform.LINE, community_id=guild)
        == 0.0
    )

    assert (
        usage.count_jobs_since(session=session, since=start, user_id=alice_id, states=[JobState.FAILED]) == 1
    )
    with pytest.raises(ValueError):
        usage.count_jobs_since(session=session, since=start, community_id=guild)
