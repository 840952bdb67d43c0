"""Discord-specific knobs, read from ``REELBOT_DISCORD_*`` beside the core settings.

The bot token itself is ``Settings.discord_token`` (``REELBOT_DISCORD_TOKEN``, a SecretStr).
Platform numbers (attachment hosts, the upload limit fallback, the edit interval) live here so
that a change on Discord's side is a setting, not a code change.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    seconds_per_job: float = Field(60.0, ge=0, description="ETA per job ahead without a live estimate")
    eta_refresh_s: float = Field(30.0, ge=1.0, description="re-estimate waiting jobs' ETA this often")
    sync_commands: bool = Field(True, description="push the slash commands to Discord at start-up")
    health_port: int | None = Field(9102, ge=0, le=65535, description="/healthz /readyz /metrics; None: off")
    health_host: str = Field("0.0.0.0", description="address the health endpoints bind")  # noqa: S104
    # transport (tests and proxies)
    api_base: str | None = Field(None, description="e.g. http://127.0.0.1:8080/api/v10 (a local fake)")
    gateway_url: str | None = None
    guild_ready_timeout: float = Field(2.0, ge=0)
    # scale (docs/discord.md, "Sharding"): set both to run part of the shards in this process
    shard_count: int | None = Field(None, ge=1, description="total shards; set: an AutoShardedBot")
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(
        None, description='the shards this process runs, e.g. "0,1" (default: all)'
    )

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        """``"0,1"`` from the environment; a list from code."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            return tuple(int(part) for part in parts) or None
        return value

    @model_validator(mode="after")
    def _check_shards(self) -> DiscordConfig:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("REELBOT_DISCORD_SHARD_IDS needs REELBOT_DISCORD_SHARD_COUNT")
            if any(i < 0 or i >= self.shard_count for i in self.shard_ids) or len(set(self.shard_ids)) != len(
                self.shard_ids
            ):
                raise ValueError(f"REELBOT_DISCORD_SHARD_IDS must be distinct ids below {self.shard_count}")
        return self

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

    @property
    def consumer_name(self) -> str:
        """This process's name in the results consumer group: one per shard set, so two bot
        processes never read the same pending entries, and a restarted one gets its own back."""
        if self.shard_ids is None:
            return self.consumer
        return f"{self.consumer}-shards-{'-'.join(str(i) for i in sorted(self.shard_ids))}"
