"""/queue (my jobs and tasks with positions and cancel buttons) and /cancel (my newest work
here, or a chosen job or task).

Why tasks too: music being composed for a finish and a finish running are the person's work
as much as a clip is — they wait on the same queue and use the same GPU time — so Discord
follows LINE's 取消 rule (:func:`reelbot.app.tasks.active_tasks`, :func:`~reelbot.app.tasks.cancel_work`):
``/cancel`` with no argument stops the newest unfinished video *or* task started in this
server (in a DM: this DM), ``/cancel job:`` takes a task's id too, and tasks get their own
button action (``reelbot:canceltask:<id>``) so a click never has to guess which table its id
names.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from reelbot.app.tasks import TaskView, active_tasks, cancel_task, cancel_work, task_view
from reelbot.bots.common.status import percent, shorten, state_label
from reelbot.bots.common.wait import lane_label, when_phrase
from reelbot.bots.discord.components import CANCEL_TASK, button_handler, cancel_view
from reelbot.bots.discord.jobs import origin_for
from reelbot.bots.discord.replies import guarded, locale_of, reply, user_text
from reelbot.domain.errors import InvalidRequest, NotFound
from reelbot.domain.messages import render
from reelbot.domain.tasks import ASSEMBLE_DRAFT, FINISH, MUSIC
from reelbot.domain.types import JobState, Origin, Platform, short_id

if TYPE_CHECKING:
    from reelbot.app.service import JobView, ReelbotService
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


def task_label(task: TaskView, locale: str | None, *, markdown: bool = True) -> str:
    """What a task is, readably: "music: <description>…", "finish: <clip short id>"."""
    payload = task.payload
    if task.kind == MUSIC:
        text = str(payload.get("description") or "")
        described = user_text(text, LIST_PROMPT_CHARS) if markdown else shorten(text, LIST_PROMPT_CHARS)
        return render("cancel.task_label_music", locale, description=described)
    target = payload.get("clip_id") or payload.get("board_id") or task.clip_id or task.id
    key = {FINISH: "cancel.task_label_finish", ASSEMBLE_DRAFT: "cancel.task_label_draft"}
    return render(key.get(task.kind, "cancel.task_label_other"), locale, target=str(target)[:8])


def task_line(
    task: TaskView, locale: str | None, *, position: int | None = None, markdown: bool = True
) -> str:
    """One task of the list: waiting (with its place) or running (with its progress)."""
    label, task_id = task_label(task, locale, markdown=markdown), short_id(task.id)
    if task.state is JobState.RUNNING:
        done = percent(task.step, task.total_steps)
        return render("queue.task_line_running", locale, task_id=task_id, label=label, percent=done)
    return render("queue.task_line_queued", locale, task_id=task_id, label=label, position=position or "?")


async def cancel_job(interaction: discord.Interaction, job_id: uuid.UUID) -> None:
    bot: ReelBot = interaction.client  # type: ignore[assignment]
    view = await bot.service.cancel(job_id, by=origin_for(interaction))
    key = "cancel.stopping" if view.state is JobState.RUNNING else "cancel.done"
    await reply(interaction, render(key, locale_of(interaction), job_id=short_id(job_id)))


async def cancel_one_task(interaction: discord.Interaction, task_id: uuid.UUID) -> None:
    """Cancel a task of the person's (anyone else's: ``job.not_yours``) and say what stopped.

    A waiting task leaves the queue now; a running one stops at its next boundary (its worker
    drops what it wrote). Music a finish waits on then finishes nothing
    (:mod:`reelbot.bots.discord.finish_music`)."""
    bot: ReelBot = interaction.client  # type: ignore[assignment]
    view = await cancel_task(bot.service, task_id, by=origin_for(interaction))
    await _say_task_cancelled(interaction, view)


async def _say_task_cancelled(interaction: discord.Interaction, view: TaskView) -> None:
    locale = locale_of(interaction)
    key = "cancel.task_stopping" if view.state is JobState.RUNNING else "cancel.task_done"
    await reply(interaction, render(key, locale, label=task_label(view, locale), task_id=short_id(view.id)))


async def cancel_any(interaction: discord.Interaction, work_id: uuid.UUID) -> None:
    """A full id typed by hand: a clip job or a task, whichever table knows it."""
    bot: ReelBot = interaction.client  # type: ignore[assignment]
    kind, state = await cancel_work(bot.service, work_id, by=origin_for(interaction))
    if kind == "job":
        key = "cancel.stopping" if state is JobState.RUNNING else "cancel.done"
        await reply(interaction, render(key, locale_of(interaction), job_id=short_id(work_id)))
        return
    await _say_task_cancelled(interaction, await task_view(bot.service, work_id))


@button_handler("cancel")
async def on_cancel(interaction: discord.Interaction, job_id: uuid.UUID) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    await cancel_job(interaction, job_id)


@button_handler(CANCEL_TASK)
async def on_cancel_task(interaction: discord.Interaction, task_id: uuid.UUID) -> None:
    """The Cancel button under /queue's tasks and under the finishing / composing messages."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    await cancel_one_task(interaction, task_id)


def started_here(origin: Origin, here: Origin) -> bool:
    """LINE's "this chat" on Discord: the same server (any of its channels), or this DM."""
    if here.guild_id:
        return origin.guild_id == here.guild_id
    return origin.channel_id == here.channel_id


async def my_tasks(service: ReelbotService, interaction: discord.Interaction) -> list[TaskView]:
    """The person's unfinished Discord tasks, newest first."""
    tasks = await active_tasks(service, origin_for(interaction))
    return [task for task in tasks if task.origin.platform is Platform.DISCORD]


class QueueCog(commands.Cog):
    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot

    async def _my_jobs(self, interaction: discord.Interaction) -> list[JobView]:
        return await self.bot.service.jobs_for(Platform.DISCORD, str(interaction.user.id), active_only=True)

    @app_commands.command(
        name="queue",
        description=_("Your videos and tasks (music, finishes) waiting or running", key="cmd.queue"),
    )
    async def queue(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "/queue"):
            locale = locale_of(interaction)
            jobs = await self._my_jobs(interaction)
            tasks = await my_tasks(self.bot.service, interaction)
            if not jobs and not tasks:
                await reply(interaction, render("queue.empty", locale))
                return
            waits = await self.bot.service.waits.waits_for([j.id for j in jobs if j.state is JobState.QUEUED])
            header = render(
                "queue.work_header" if tasks else "queue.header", locale, count=len(jobs) + len(tasks)
            )
            lines = [header] + [job_line(job, locale, wait=waits.get(job.id)) for job in jobs]
            lines += [task_line(task, locale, position=await self._place(task)) for task in tasks]
            view = cancel_view([job.id for job in jobs], locale, task_ids=tuple(task.id for task in tasks))
            await reply(interaction, "\n".join(lines), view=view)

    async def _place(self, task: TaskView) -> int | None:
        return await self.bot.service.queue.position(task.id) if task.state is JobState.QUEUED else None

    @app_commands.command(
        name="cancel",
        description=_("Cancel one of your videos, or music or a finish in progress", key="cmd.cancel"),
    )
    @app_commands.describe(
        job=_("Job id (the first 8 characters are enough; default: your latest here)", key="cmd.cancel.job")
    )
    async def cancel(self, interaction: discord.Interaction, job: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "/cancel") as guard:
            if job:
                work_id, is_task = await self._resolve(interaction, job)
            else:
                work_id, is_task = await self._newest_here(interaction)
            guard.job_id = str(work_id)
            if is_task is None:
                await cancel_any(interaction, work_id)
            elif is_task:
                await cancel_one_task(interaction, work_id)
            else:
                await cancel_job(interaction, work_id)

    async def _newest_here(self, interaction: discord.Interaction) -> tuple[uuid.UUID, bool]:
        """The person's newest unfinished video or task started here (LINE's 取消 rule)."""
        here = origin_for(interaction)
        jobs = await self._my_jobs(interaction)
        tasks = await my_tasks(self.bot.service, interaction)
        work = [(j.created_at, j.id, False) for j in jobs if started_here(j.request.origin, here)]
        work += [(t.created_at, t.id, True) for t in tasks if started_here(t.origin, here)]
        if not work:
            raise InvalidRequest("cancel.nothing")
        _, work_id, is_task = max(work)
        return work_id, is_task

    async def _resolve(self, interaction: discord.Interaction, text: str) -> tuple[uuid.UUID, bool | None]:
        """A full job or task id (which one: unknown, None), or the 8-character short id
        messages show, among this person's jobs and tasks (True: a task)."""
        text = text.strip().lower()
        try:
            return uuid.UUID(text), None
        except ValueError:
            pass
        if len(text) >= 4:
            mine = [(j.id, False) for j in await self._my_jobs(interaction)]
            mine += [(t.id, True) for t in await my_tasks(self.bot.service, interaction)]
            matches = [(work_id, is_task) for work_id, is_task in mine if str(work_id).startswith(text)]
            if len(matches) == 1:
                return matches[0]
        raise NotFound("job.not_found", job_id=shorten(text, 40))

    @cancel.autocomplete("job")
    async def job_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        locale = locale_of(interaction)
        jobs = await self._my_jobs(interaction)
        tasks = await my_tasks(self.bot.service, interaction)
        named = [(job.id, job_line(job, locale, markdown=False)) for job in jobs]
        # A task by what it is: "music: <description>…", "finish: <clip short id>".
        named += [
            (task.id, f"{short_id(task.id)} · {task_label(task, locale, markdown=False)}") for task in tasks
        ]
        return [
            app_commands.Choice(name=line.lstrip("• ")[:100], value=str(work_id))
            for work_id, line in named
            if current.lower() in str(work_id)
        ][:25]


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(QueueCog(bot))
