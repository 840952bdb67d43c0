"""Discord at scale: two bot processes, each running one of two shards (AutoShardedBot).

The fake gateway sends a guild's events only on its shard (``(guild_id >> 22) % 2``), as
Discord does. Each /video is answered once, by the process owning its guild; each finished
clip is posted exactly once, by whichever process read the result: posting needs only the
REST API, and the two processes are two consumers of one results group (docs/discord.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest

from reelbot.app.service import ReelbotService
from reelbot.bots.discord.bot import ReelBot, ShardedReelBot, make_bot
from reelbot.bots.discord.config import DiscordConfig
from reelbot.domain.settings import Settings
from reelbot.domain.types import Platform
from tests.bots.discord.helpers import clip_posts, render_all, wait_jobs
from tests.fakes.discord_api import FakeDiscord, shard_for


def shard_config(config: DiscordConfig, shard: int) -> DiscordConfig:
    return DiscordConfig(  # type: ignore[call-arg]
        _env_file=None,
        **{**config.model_dump(exclude={"shard_count", "shard_ids"})},
        shard_count=2,
        shard_ids=[shard],
    )


@contextlib.asynccontextmanager
async def shard_process(
    fake: FakeDiscord, settings: Settings, config: DiscordConfig
) -> AsyncIterator[ReelBot]:
    """One bot process: its own service (own Redis and database connections) and shards."""
    service = await ReelbotService.open(settings)
    bot = make_bot(service=service, settings=settings, config=config)
    task = asyncio.create_task(bot.start(fake.token))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 20)
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        await service.close()


def test_config_reads_shards_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELBOT_DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("REELBOT_DISCORD_SHARD_IDS", "2, 3")
    config = DiscordConfig(_env_file=None)  # type: ignore[call-arg]
    assert (config.shard_count, config.shard_ids, config.sharded) == (4, (2, 3), True)
    assert config.consumer_name == "discord-bot-shards-2-3"
    monkeypatch.setenv("REELBOT_DISCORD_SHARD_IDS", "4")
    with pytest.raises(ValueError, match="below 4"):
        DiscordConfig(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.delenv("REELBOT_DISCORD_SHARD_COUNT")
    monkeypatch.setenv("REELBOT_DISCORD_SHARD_IDS", "0")
    with pytest.raises(ValueError, match="SHARD_COUNT"):
        DiscordConfig(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.delenv("REELBOT_DISCORD_SHARD_IDS")
    plain = DiscordConfig(_env_file=None)  # type: ignore[call-arg]
    assert not plain.sharded and plain.consumer_name == "discord-bot"


async def test_plain_bot_without_a_shard_count(service: ReelbotService, config: DiscordConfig) -> None:
    plain = make_bot(service=service, settings=service.settings, config=config)
    sharded = make_bot(service=service, settings=service.settings, config=shard_config(config, 1))
    assert type(plain) is ReelBot and plain.shard_count is None
    assert isinstance(sharded, ShardedReelBot) and (sharded.shard_count, sharded.shard_ids) == (2, [1])


async def test_fake_gateway_recommends_a_shard_count(fake: FakeDiscord) -> None:
    fake.shard_count = 3
    headers = {"Authorization": f"Bot {fake.token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{fake.api_base}/gateway/bot", headers=headers) as r,
    ):
        assert (await r.json())["shards"] == 3


async def test_two_processes_two_shards_each_answered_and_delivered_once(
    fake: FakeDiscord, service: ReelbotService, settings: Settings, config: DiscordConfig
) -> None:
    guilds = [fake.add_guild(shard=0, shard_count=2), fake.add_guild(shard=1, shard_count=2)]
    assert [shard_for(g, 2) for g in guilds] == [0, 1]
    fake.disconnect_all()
    async with (
        shard_process(fake, settings, shard_config(config, 0)) as first,
        shard_process(fake, settings, shard_config(config, 1)) as second,
    ):
        assert isinstance(first, ShardedReelBot) and isinstance(second, ShardedReelBot)
        await fake.wait_shards(2)
        assert sorted(fake.shard_of_socket.values()) == [(0, 2), (1, 2)]
        everyone = [fake.guild_id, *guilds]
        for shard, bot in enumerate((first, second)):  # each process holds its shard's servers only
            assert {g.id for g in bot.guilds} == {int(g) for g in everyone if shard_for(g, 2) == shard}

        users = [fake.user(name="ann"), fake.user(name="bo")]
        inters = []
        for user, guild in zip(users, guilds, strict=True):
            payload = fake.slash(
                "video", {"prompt": f"a paper boat for {user['username']}"}, user=user, guild_id=guild
            )
            inters.append(await fake.send_interaction(payload))
        for inter in inters:
            await fake.answered(inter)
            callbacks = fake.find("POST", f"/interactions/{inter.id}/")
            assert len(callbacks) == 1 and callbacks[0].status < 300  # answered once, by its shard's owner
        jobs = [(await wait_jobs(fake, service, user["id"], 1))[0] for user in users]
        assert [job.request.origin.guild_id for job in jobs] == guilds

        assert await render_all(service) == 2
        posts = await fake.wait_for(lambda: len(clip_posts(fake)) >= 2 and clip_posts(fake), what="two clips")
        for delivery in (first.delivery, second.delivery):
            assert delivery is not None
            delivery.idle.clear()
        await fake.wait_for(
            lambda: first.delivery.idle.is_set() and second.delivery.idle.is_set(),  # type: ignore[union-attr]
            what="both results loops idle",
        )
        posts = clip_posts(fake)
        assert len(posts) == 2, fake.summary()  # exactly once each, not once per process
        contents = sorted(str((p.json or {}).get("content", "")) for p in posts)
        assert "ann" in contents[0] or "ann" in contents[1]
        stream = service.events(Platform.DISCORD).stream
        pending = await service.redis.xpending(stream, config.events_group)
        assert pending["pending"] == 0  # every result acknowledged by the process that posted it
