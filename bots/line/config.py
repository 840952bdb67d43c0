"""LINE-specific knobs, read from ``REELBOT_LINE_*`` beside the core settings.

LINE changes its limits from time to time, so every platform number lives here, not in code.
Figures checked against the Messaging API reference (video message, quick reply, loading
animation) in late 2026:

* video message: ``originalContentUrl`` HTTPS (TLS 1.2+), mp4, at most 200 MB, no length cap
  since 2020; ``previewImageUrl`` HTTPS, JPEG or PNG, at most 1 MB; each URL ≤ 2000 characters;
* quick reply: ≤ 13 items, label ≤ 20 characters, postback data ≤ 300 characters;
* loading animation: 5–60 seconds in steps of 5, 1:1 chats only;
* a push request carries ≤ 5 messages.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from reelbot.domain.errors import ConfigError

MB = 1000 * 1000  # LINE states its limits in (decimal) MB


class LineConfig(BaseSettings):
    """Behaviour and platform limits of the LINE bot (``REELBOT_LINE_PHOTO_TTL_S=600`` etc.)."""

    model_config = SettingsConfigDict(env_prefix="REELBOT_LINE_", env_file=".env", extra="ignore")

    # behaviour
    triggers: tuple[str, ...] = Field(
        ("/video", "影片"), description="group messages starting so are prompts"
    )
    photo_ttl_s: int = Field(300, ge=10, description="a photo this recent becomes a reference")
    pending_prompt_ttl_s: int = Field(600, ge=10, description="改提示: how long the next text is awaited")
    role_mark_ttl_s: int = Field(300, ge=10, description="'the next photo is the end frame' lasts this long")
    max_pending_photos: int = Field(4, ge=1, le=8)
    finish_extras_ttl_s: int = Field(
        3600, ge=60, description="an own track or caption waits this long for 輸出成 Shorts"
    )
    staging_dir: Path | None = Field(
        None, description="checked photos wait here until a prompt uses them (<data_dir>/line/incoming)"
    )
    dedupe_ttl_s: int = Field(24 * 3600, ge=60, description="remember webhookEventIds this long")
    locale_cache_ttl_s: int = Field(24 * 3600, ge=60)
    default_locale: str = "zh-TW"
    loading_seconds: int = Field(20, ge=5, le=60, multiple_of=5)
    # limits (clear replies when reached)
    user_jobs_per_hour: int = Field(10, ge=1)
    group_jobs_per_hour: int = Field(30, ge=1)
    push_quota_monthly: int | None = Field(
        None, ge=1, description="stop taking jobs when this many pushes were sent this month (free plan: 200)"
    )
    # platform limits
    max_image_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="download cap for user photos")
    video_max_bytes: int = Field(200 * MB, ge=1)
    video_max_seconds: float | None = Field(None, gt=0, description="None: LINE sets no length cap")
    preview_max_bytes: int = Field(1 * MB, ge=1)
    url_max_chars: int = Field(2000, ge=100)
    quick_reply_max_items: int = Field(13, ge=1)
    quick_reply_label_max: int = Field(20, ge=1)
    postback_data_max: int = Field(300, ge=16)
    text_max_chars: int = Field(5000, ge=100)
    push_max_messages: int = Field(5, ge=2)
    # transport
    webhook_path: str = "/callback"
    host: str = "0.0.0.0"  # noqa: S104 - a webhook must be reachable; put it behind the TLS proxy
    port: int = Field(8000, ge=1, le=65535)
    webhook_concurrency: int = Field(16, ge=1, description="webhook deliveries handled at once")
    webhook_backlog: int = Field(
        256, ge=1, description="accepted, unfinished deliveries above which the webhook answers 503"
    )
    serve_media: bool = Field(True, description="also serve /media and /c here (else run `reelbot media`)")
    events_group: str = "line-bot"
    events_block_ms: int = Field(2000, ge=1)
    events_consumer: str = Field(
        "line-1",
        min_length=1,
        description="consumer name in the events group; stable across restarts (not the pod's hostname), "
        "so a replaced process finds its own un-acked events; give each replica its own",
    )
    events_reclaim_s: float = Field(
        60.0, gt=0, description="how often to take over events another consumer left un-acked"
    )
    events_stale_ms: int = Field(60_000, ge=0, description="un-acked this long: another consumer may take it")
    inbox_stale_ms: int = Field(
        60_000, ge=100, description="a webhook event claimed this long by a silent process: another takes it"
    )
    push_retry_base_s: float = Field(2.0, gt=0, description="first retry delay of a failed push (doubles)")
    push_retry_max_s: float = Field(300.0, gt=0, description="longest delay between retries of one push")
    push_max_attempts: int = Field(12, ge=1, description="give a push up (log, ack) after this many tries")
    api_timeout_s: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _sane(self) -> LineConfig:
        if not self.triggers or any(not t.strip() for t in self.triggers):
            raise ValueError("line triggers must be non-empty words")
        if not self.webhook_path.startswith("/"):
            raise ValueError("line webhook_path must start with /")
        return self


def load_line_config(**overrides: object) -> LineConfig:
    """Read the LINE settings; an invalid value becomes one ConfigError line naming the variable."""
    try:
        return LineConfig(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "__".join(str(part) for part in first["loc"]).upper()
        raise ConfigError(
            "config.invalid",
            variable=f"REELBOT_LINE_{where}" if where else "REELBOT_LINE_*",
            reason=first["msg"],
            count=exc.error_count(),
        ) from None
