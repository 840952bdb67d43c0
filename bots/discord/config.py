"""Discord-specific knobs, read from ``REELBOT_DISCORD_*`` beside the core settings.

The bot token itself is ``Settings.discord_token`` (``REELBOT_DISCORD_TOKEN``, a SecretStr).
Platform numbers (attachment hosts, the upload limit fallback, the edit interval) live here so
that a change on Discord's side is a setting, not a code change.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024


class DiscordConfig(BaseSettings):
    """Behaviour and platform limits of the Discord bot (``REELBOT_DISCORD_PROGRESS_INTERVAL_S=2``)."""

    model_config = SettingsConfigDict(env_prefix="REELBOT_DISCORD_", env_file=".env", extra="ignore")

    # where attachments may come from: Discord's CDN only (signed, expiring URLs)
    cdn_hosts: tuple[str, ...] = ("cdn.discordapp.com", "media.discordapp.net")
    allow_http_cdn: bool = Field(False, description="tests only: accept http:// attachment URLs")
    download_timeout_s: float = Field(20.0, gt=0)
    # results
    progress_interval_s: float = Field(1.5, ge=0.2, description="min seconds between edits of one message")
    events_group: str = "discord"
    consumer: str = Field("discord-bot", description="stable, so a restarted bot gets its own pending events")
    events_batch: int = Field(50, ge=1, le=1000)
    events_block_ms: int = Field(1000, ge=1)
    delivery_attempts: int = Field(
        3, ge=1, description="tries to post a finished clip before leaving it pending"
    )
    default_upload_limit: int = Field(10 * MiB, ge=1024, description="when the guild's limit is unknown")
    max_upload_bytes: int | None = Field(
        None, ge=1024, description="cap below the guild's limit (own policy)"
    )
    delivered_ttl_s: int = Field(30 * 24 * 3600, ge=60, description="remember posted clips (no double posts)")
    # interactions
    click_window_s: int = Field(10, ge=1, description="the same click again within this window = one job")
    seconds_per_job: float = Field(60.0, ge=0, description="rough ETA per queued job ahead")
    sync_commands: bool = Field(True, description="push the slash commands to Discord at start-up")
    health_port: int | None = Field(9102, ge=0, le=65535, description="/healthz /readyz /metrics; None: off")
    health_host: str = Field("0.0.0.0", description="address the health endpoints bind")  # noqa: S104
    # transport (tests and proxies)
    api_base: str | None = Field(None, description="e.g. http://127.0.0.1:8080/api/v10 (a local fake)")
    gateway_url: str | None = None
    guild_ready_timeout: float = Field(2.0, ge=0)
