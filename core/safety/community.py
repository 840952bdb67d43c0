"""A community's own policy, read from ``Community.settings_json``.

Shape (every part optional)::

    {"moderation": {"categories": ["profanity"], "extra_terms": ["spoiler"]},
     "forbid_face_references": true,
     "quotas": {"user": {"daily_gpu_s": 120}, "community": {"monthly_gpu_s": 20000}}}

Moderation settings can only tighten the operator's policy (categories and terms are
added, never removed). Quota overrides replace the operator's defaults for that community
— they are the operator's lever (a sponsored server gets more); bot admin commands should
only lower them. Invalid values (a negative quota, an unknown category) raise
:class:`~reelbot.errors.ConfigError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reelbot.errors import ConfigError
from reelbot.safety.config import QuotaLimits


class CommunityModeration(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: frozenset[str] = frozenset()
    extra_terms: tuple[str, ...] = Field((), max_length=500)


class CommunityQuotas(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    user: QuotaLimits | None = None
    community: QuotaLimits | None = None


class CommunityPolicy(BaseModel):
    """The validated policy of one Discord server or LINE group."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str | None = None  # "discord:1234", filled by the loader
    moderation: CommunityModeration = CommunityModeration()
    forbid_face_references: bool = False
    quotas: CommunityQuotas = CommunityQuotas()


def parse_community_policy(raw: Mapping[str, Any] | None, *, name: str | None = None) -> CommunityPolicy:
    """Validate ``settings_json``; the first problem becomes a one-line ConfigError."""
    try:
        policy = CommunityPolicy.model_validate({**(raw or {}), "name": name})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError("community.config_invalid", field=where, reason=first["msg"]) from None
    from reelbot.safety.blocklist import known_categories

    unknown = policy.moderation.categories - known_categories()
    if unknown:
        raise ConfigError(
            "community.config_invalid",
            field="moderation.categories",
            reason=f"unknown {sorted(unknown)}; known: {sorted(known_categories())}",
        )
    return policy
