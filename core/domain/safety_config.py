"""Settings sections for responsible generation: moderation, faces, quotas, provenance.

They live here (not in core/domain/settings.py) so this package owns its knobs; ``Settings``
only mounts them as ``safety``, ``quotas`` and ``provenance``. A negative quota fails at
start-up with one line naming the variable (``load_settings`` → ``ConfigError``); a
community's overrides are validated by :class:`reelbot.storage.communities.CommunitySettings`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Categories of the shipped blocklist that are on unless an operator turns them off;
# "profanity" ships too but is opt-in (a server can tighten by switching it on).
DEFAULT_CATEGORIES: frozenset[str] = frozenset({"sexual", "minors", "violence", "hate"})


class SafetySettings(BaseModel):
    """Moderation and consent. Env: ``REELBOT_SAFETY__EXTRA_TERMS='["word", "片語"]'``."""

    moderation: bool = Field(True, description="off only for closed test deployments")
    blocklist_file: Path | None = Field(None, description="replaces the shipped list (same JSON shape)")
    categories: frozenset[str] = Field(DEFAULT_CATEGORIES, description="blocklist categories enforced")
    extra_terms: tuple[str, ...] = Field((), description="added to every community's policy")
    allow_terms: tuple[str, ...] = Field((), description="innocent words that contain a blocked term")
    classifier: str | None = Field(
        None, description="name of a registered classifier backend; off by default"
    )
    classifier_model: Path | None = Field(None, description="local model dir for the classifier (no network)")
    classifier_threshold: float = Field(0.8, gt=0, le=1)
    scan_image_text: bool = Field(True, description="check text embedded in reference images (PNG/EXIF)")
    faces: bool = Field(True, description="detect faces in reference images and ask for consent")
    forbid_face_references: bool = Field(False, description="refuse face references everywhere")
    face_min_fraction: float = Field(
        0.06, gt=0, lt=1, description="smallest face side as a fraction of the image's short side"
    )
    audit_retention_days: int | None = Field(
        None, ge=1, description="audit rows of deleted clips are erased after this many days; None = keep"
    )


class QuotaLimits(BaseModel):
    """GPU-second budgets; ``None`` means unlimited."""

    model_config = ConfigDict(extra="forbid")

    daily_gpu_s: float | None = Field(None, ge=0)
    monthly_gpu_s: float | None = Field(None, ge=0)


class QuotaSettings(BaseModel):
    """Per-user and per-community GPU-second quotas, lanes and the price shown by /usage."""

    user: QuotaLimits = QuotaLimits(daily_gpu_s=600.0, monthly_gpu_s=6000.0)
    community: QuotaLimits = QuotaLimits(daily_gpu_s=6000.0, monthly_gpu_s=60000.0)
    relaxed_multiplier: float = Field(
        2.0, ge=1.0, description="past the fast quota, jobs go to the relaxed lane up to this × quota"
    )
    price_per_gpu_hour: float = Field(2.5, ge=0, description="US dollars, shown as an estimate")
    currency: str = Field("USD", min_length=1, max_length=8)
    timezone: str = Field("UTC", description="where a quota day / month begins")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class ProvenanceSettings(BaseModel):
    """C2PA signing of every clip; without a certificate clips carry container metadata only."""

    c2pa: bool = Field(True, description="sign when cert_file and key_file are set")
    cert_file: Path | None = Field(None, description="PEM chain: ES256 leaf first, then issuers")
    key_file: Path | None = Field(None, description="PEM private key of the leaf (keep it mode 600)")
    algorithm: str = Field("es256", pattern=r"^(es256|es384|es512|ps256|ps384|ps512|ed25519)$")
    timestamp_url: str | None = Field(None, description="RFC 3161 TSA; None in offline deployments")
    claim_generator: str = Field("reelbot/0.1", min_length=1)
    watermark: bool = Field(False, description="draw a small visible 'AI' mark on every frame")
    watermark_text: str = Field("AI · reelbot", min_length=1, max_length=32)
