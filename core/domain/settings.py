"""Settings, read once at start-up from ``REELBOT_*`` environment variables and ``.env``.

Nested sections use ``__``: ``REELBOT_LIMITS__MAX_PROMPT_CHARS=1000``. Every platform limit
lives here, not in code (platforms change them). :func:`load_settings` turns a
``ValidationError`` into a one-line :class:`~reelbot.domain.errors.ConfigError`.
"""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from reelbot.domain.errors import ConfigError
from reelbot.domain.finish_config import FinishSettings
from reelbot.domain.media_settings import MediaSettings
from reelbot.domain.safety_config import ProvenanceSettings, QuotaSettings, SafetySettings
from reelbot.queue.settings import QueueSettings  # the queue owns its settings model

MiB = 1024 * 1024


class Limits(BaseModel):
    """What one request may ask for; checked before anything is stored."""

    max_prompt_chars: int = Field(2000, ge=1)
    max_negative_chars: int = Field(1000, ge=0)
    max_reference_images: int = Field(4, ge=0, le=8)
    max_reference_bytes: int = Field(20 * MiB, ge=1024)
    max_reference_pixels: int = Field(40_000_000, ge=64 * 64)
    min_reference_side: int = Field(16, ge=1)
    min_seconds: float = Field(0.5, gt=0)
    max_seconds: float = Field(10.0, gt=0)
    max_total_seconds: float = Field(60.0, gt=0, description="a clip grown by Extend")
    min_fps: int = Field(4, ge=1)
    max_fps: int = Field(30, ge=1)
    max_pending_jobs_per_user: int = Field(3, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Limits:
        if self.min_seconds > self.max_seconds:
            raise ValueError("limits.min_seconds must not exceed limits.max_seconds")
        if self.max_seconds > self.max_total_seconds:
            raise ValueError("limits.max_seconds must not exceed limits.max_total_seconds")
        if self.min_fps > self.max_fps:
            raise ValueError("limits.min_fps must not exceed limits.max_fps")
        return self


class EncodeSettings(BaseModel):
    """H.264 output; see docs/benchmarks.md for why these defaults."""

    crf: int = Field(23, ge=0, le=51)
    x264_preset: Literal[
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower"
    ] = "veryfast"
    max_bytes: int = Field(10 * MiB, ge=64 * 1024, description="Discord's default upload limit")
    thumbnail_width: int = Field(360, ge=32)


class EngineSettings(BaseModel):
    """How the worker runs its models (issue 11). Each switch is off where the device lacks it;
    the worker logs one line saying what it chose. Env: ``REELBOT_ENGINE__SPEED=draft``."""

    speed: Literal["quality", "balanced", "draft"] = Field(
        "quality", description="the server's default speed mode, where the preset offers it"
    )
    gpu_memory_gb: float | None = Field(
        None, gt=0, description="the workers' card size for routing/memory plans; None = not known here"
    )
    attention_backend: str = Field(
        "auto",
        description="auto = the fastest of flash-3/sage/cuDNN/native SDPA that runs here (timed at load)",
    )
    tf32: bool = Field(True, description="TF32 matmuls for the float32 VAE (CUDA only)")
    compile: bool = Field(False, description="compile_repeated_blocks with a warm-up at load (CUDA only)")
    vae_tiling: Literal["auto", "on", "off"] = Field("auto", description="auto = above 480p")
    offload: Literal["auto", "none", "model", "group"] = Field("auto", description="auto = the memory plan")
    motion_mitigation: bool = Field(False, description="draft: full-guidance high-noise steps first")
    batch_size: int = Field(
        1, ge=1, le=8, description="compatible waiting jobs rendered in one pipeline call; 1 = off"
    )
    warm_up: bool = Field(
        True,
        description="a long-running worker loads its preset, renders 1 step, then reports ready and claims",
    )


class Settings(BaseSettings):
    """Everything reelbot reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="REELBOT_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Path("data")
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = Field(
        "reelbot", pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="namespaces every key"
    )
    database_url: str | None = Field(None, description="default: SQLite file in data_dir")
    media_dir: Path | None = Field(None, description="default: data_dir/media")
    media_base_url: str = Field(
        "http://127.0.0.1:8080", description="public origin of the media server (HTTPS in production)"
    )
    media_secret: SecretStr | None = Field(None, description="signs media URLs; default: a file in data_dir")
    media_url_ttl_s: int = Field(7 * 24 * 3600, ge=60)
    preset: str = Field("auto", description="'auto' = tiny without a GPU, wan-2.1-t2v-1.3b with one")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool | None = Field(None, description="default: JSON when stderr is not a terminal")
    migrate_on_start: bool = Field(
        False,
        description="worker, bots and media server migrate the database at start (serve, demo and "
        "one-shot commands always do; fleets run `reelbot migrate` as a one-shot job)",
    )

    limits: Limits = Limits()
    queue: QueueSettings = QueueSettings()
    encode: EncodeSettings = EncodeSettings()
    safety: SafetySettings = SafetySettings()
    quotas: QuotaSettings = QuotaSettings()
    provenance: ProvenanceSettings = ProvenanceSettings()
    finish: FinishSettings = FinishSettings()  # Finish for Shorts: loudness, size, captions
    engine: EngineSettings = EngineSettings()
    media: MediaSettings = MediaSettings()  # local folder or S3 bucket; see docs/deploy.md

    discord_token: SecretStr | None = None
    line_channel_secret: SecretStr | None = None
    line_channel_access_token: SecretStr | None = None
    line_api_host: str = "https://api.line.me"
    line_data_host: str = "https://api-data.line.me"

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(
            ("redis://", "rediss://", "unix://", "redis+sentinel://", "rediss+sentinel://")
        ):
            raise ValueError(
                f"must start with redis://, rediss://, unix:// or redis+sentinel:// (got {value!r})"
            )
        return value

    @field_validator("media_secret")
    @classmethod
    def _no_placeholder_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value()
            if raw.lower() in {"changeme", "change-me", "secret", "changethis"} or len(raw) < 16:
                raise ValueError("must be a random string of at least 16 characters")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'reelbot.db').resolve()}"

    @cached_property
    def resolved_media_dir(self) -> Path:
        return (self.media_dir or self.data_dir / "media").resolve()

    @cached_property
    def media_signing_key(self) -> bytes:
        """The URL-signing key; generated once into data_dir when none is configured."""
        if self.media_secret is not None:
            return self.media_secret.get_secret_value().encode()
        key_file = self.data_dir / ".media_secret"
        if not key_file.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = key_file.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(32))
            tmp.chmod(0o600)
            tmp.replace(key_file)
        return key_file.read_text().strip().encode()


def load_settings(**overrides: object) -> Settings:
    """Read settings; invalid values become one ConfigError line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "__".join(str(part) for part in first["loc"]).upper()
        raise ConfigError(
            "config.invalid", variable=f"REELBOT_{where}", reason=first["msg"], count=exc.error_count()
        ) from None
