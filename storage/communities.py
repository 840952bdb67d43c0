"""Communities (a Discord server, a LINE group) and the policy their admins set.

``settings_json`` holds a :class:`CommunitySettings`; every field left ``None`` means "use
reelbot's global default" (from :class:`reelbot.domain.settings.Settings`), so a community only
stores what its admins changed and later changes to the defaults still reach it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.types import Platform
from reelbot.storage.models import Community, utcnow

Strictness = Literal["relaxed", "standard", "strict"]


class CommunitySettings(BaseModel):
    """Per-community limits and policy; ``None`` = the global default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_pending_per_user: int | None = Field(default=None, ge=1, le=100)
    clips_per_hour_per_user: int | None = Field(default=None, ge=0, le=10_000)
    clips_per_hour: int | None = Field(default=None, ge=0, le=100_000, description="the whole community")
    moderation_strictness: Strictness | None = None
    # added to the built-in blocklists
    blocked_terms: tuple[str, ...] = Field(default=(), max_length=500)
    forbid_face_references: bool | None = None
    daily_gpu_seconds: float | None = Field(default=None, ge=0, description="the whole community")
    monthly_gpu_seconds: float | None = Field(default=None, ge=0)
    user_daily_gpu_seconds: float | None = Field(default=None, ge=0, description="each member")
    user_monthly_gpu_seconds: float | None = Field(default=None, ge=0)

    @field_validator("blocked_terms")
    @classmethod
    def _clean_terms(cls, terms: tuple[str, ...]) -> tuple[str, ...]:
        cleaned: list[str] = []
        for term in terms:
            term = term.strip()
            if not term:
                continue
            if len(term) > 100:
                raise ValueError(f"a blocked term is at most 100 characters (got {len(term)})")
            if term not in cleaned:
                cleaned.append(term)
        return tuple(cleaned)

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> CommunitySettings:
        """Validate admin input; a bad value is an :class:`InvalidRequest` naming the setting."""
        unknown = sorted(set(values) - set(cls.model_fields))
        if unknown:
            raise InvalidRequest(
                "community.setting_unknown", setting=unknown[0], choices=", ".join(sorted(cls.model_fields))
            )
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            first = exc.errors()[0]
            setting = ".".join(str(part) for part in first["loc"][:1]) or "?"
            raise InvalidRequest(
                "community.setting_invalid",
                setting=setting,
                value=repr(values.get(setting)),
                reason=first["msg"],
            ) from None


def get_community(*, session: Session, platform: Platform, community_id: str) -> Community | None:
    statement = select(Community).where(
        Community.platform == platform, Community.community_id == community_id
    )
    return session.exec(statement).first()


def community_settings(
    *, session: Session, platform: Platform, community_id: str | None
) -> CommunitySettings:
    """The community's settings; all defaults for an unknown community or a direct chat."""
    if community_id is None:
        return CommunitySettings()
    community = get_community(session=session, platform=platform, community_id=community_id)
    if community is None:
        return CommunitySettings()
    return CommunitySettings.model_validate(community.settings_json)


def update_community_settings(
    *,
    session: Session,
    platform: Platform,
    community_id: str,
    changes: Mapping[str, Any],
    updated_by: str,
) -> CommunitySettings:
    """Merge ``changes`` into the stored settings (a ``None`` value resets that setting to
    the default) and return the result. Raises :class:`InvalidRequest` on a bad value, in
    which case nothing is stored."""
    community = get_community(session=session, platform=platform, community_id=community_id)
    current = (
        CommunitySettings()
        if community is None
        else CommunitySettings.model_validate(community.settings_json)
    )
    merged = CommunitySettings.parse({**current.model_dump(), **dict(changes)})
    stored = merged.model_dump(mode="json", exclude_defaults=True)
    if community is None:
        created = Community(
            platform=platform, community_id=community_id, settings_json=stored, updated_by=updated_by
        )
        try:
            with session.begin_nested():
                session.add(created)
        except IntegrityError:
            # Another admin created it at the same moment: apply these changes on top of theirs.
            return update_community_settings(
                session=session,
                platform=platform,
                community_id=community_id,
                changes=changes,
                updated_by=updated_by,
            )
        return merged
    community.settings_json = stored
    community.updated_at = utcnow()
    community.updated_by = updated_by
    session.add(community)
    session.flush()
    return merged
