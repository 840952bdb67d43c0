"""/queue (my jobs with positions and cancel buttons) and /cancel (my latest, or a chosen job)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from reelbot.bots.common.status import percent, shorten, state_label
from reelbot.bots.common.wait import lane_label, when_phrase
from reelbot.bots.discord.components import button_handler, cancel_view
from reelbot.bots.discord.jobs import origin_for
from reelbot.bots.discord.replies import guarded, locale_of, reply, user_text
from reelbot.domain.errors import InvalidRequest, NotFound
from reelbot.domain.messages import render
from reelbot.domain.types import JobState, Platform, short_id

if TYPE_CHECKING:
    from reelbot.app.service import JobView
    from reelbot.app.waits import Wait
    from reelbot.bots.discord.bot import ReelBot

LIST_PROMPT_CHARS = 60


def job_line(job: JobView, locale: str | None, *, markdown: bool = True, wait: Wait | None = None) -> str:
    """One job of the list; ``markdown=False`` for plain-text places (autocomplete choices).

    With ``wait``, a waiting job shows its lane, its place in that lane and its ETA.
    """
    prompt = (
        user_text(job.request.prompt, LIST_PROMPT_CHARS)
        if markdown
        else shorten(job.request.prompt, LIST_PROMPT_CHARS)
    )
    if job.state is JobState.QUEUED and wait is not None:
        return render(
            "wait.queue_line",
            locale,
            job_id=short_id(job.id),
            position=wait.lane_position,
            lane=lane_label(wait.lane, locale),
            when=when_phrase(wait, locale),
            prompt=prompt,
        )
    if job.state is JobState.QUEUED:
        return render(
            "queue.line_queued", locale, job_id=short_id(job.id), position=job.position or "?", prompt=prompt
        )
    if job.state is JobState.RUNNING:
        return render(
            "queue.line_running",
            locale,
            job_id=short_id(job.id),
            percent=percent(job.step, job.total_steps),
            prompt=prompt,
        )
    return render(
        "queue.line_other",
        locale,
        job_id=short_id(job.id),
        state=state_label(job.state, locale),
        prompt=prompt,
    )


async def cancel_job(interaction: discord.Interaction, job_id: uuid.UUID) -> None:
    bot: ReelBot = interaction.client  # type: ignore[assignment]
    view = await bot.service.cancel(job_id, by=origin_for(interaction))
    key = "cancel.stopping" if view.state is JobState.RUNNING else "cancel.done"
    await reply(interaction, render(key, locale_of(interaction), job_id=short_id(job_id)))


@button_handler("cancel")
async def on_cancel(interaction: discord.Interaction, job_id: uuid.UUID) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    await cancel_job(interaction, job_id)


class QueueCog(commands.Cog):
    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot

    async def _my_jobs(self, interaction: discord.Interaction) -> list[JobView]:
        return await self.bot.service.jobs_for(Platform.DISCORD, str(interaction.user.id), active_only=True)

    @app_commands.command(name="queue", description=_("Your videos waiting or rendering", key="cmd.queue"))
    async def queue(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "/queue"):
            locale = locale_of(interaction)
            jobs = await self._my_jobs(interaction)
            if not jobs:
                await reply(interaction, render("queue.empty", locale))
                return
            waits = await self.bot.service.waits.waits_for([j.id for j in jobs if j.state is JobState.QUEUED])
            lines = [render("queue.header", locale, count=len(jobs))] + [
                job_line(job, locale, wait=waits.get(job.id)) for job in jobs
            ]
            await reply(interaction, "\n".join(lines), view=cancel_view([job.id for job in jobs], locale))

    @app_commands.command(name="cancel", description=_("Cancel one of your videos", key="cmd.cancel"))
    @app_commands.describe(
        job=_("Job id (the first 8 characters are enough; default: your latest)", key="cmd.cancel.job")
    )
    async def cancel(self, interaction: discord.Interaction, job: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "/cancel") as guard:
            if job:
                job_id = await self._resolve(interaction, job)
            else:
                jobs = await self._my_jobs(interaction)
                if not jobs:
                    raise InvalidRequest("cancel.nothing")
                job_id = max(jobs, key=lambda j: j.created_at).id
            guard.job_id = str(job_id)
            await cancel_job(interaction, job_id)

    async def _resolve(self, interaction: discord.Interaction, text: str) -> uuid.UUID:
        """A full job id, or the 8-character short id messages show, among this person's jobs."""
        text = text.strip().lower()
        try:
            return uuid.UUID(text)
        except ValueError:
            pass
        if len(text) >= 4:
            matches = [j.id for j in await self._my_jobs(interaction) if str(j.id).startswith(text)]
            if len(matches) == 1:
                return matches[0]
        raise NotFound("job.not_found", job_id=shorten(text, 40))

    @cancel.autocomplete("job")
    async def job_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        locale = locale_of(interaction)
        jobs = await self._my_jobs(interaction)
        return [
            app_commands.Choice(
                name=job_line(job, locale, markdown=False).lstrip("• ")[:100], value=str(job.id)
            )
            for job in jobs
            if current.lower() in str(job.id)
        ][:25]


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(QueueCog(bot))
