"""Typed chat commands (説明/help, 清除, 用量, 取消, 作品集, 字幕, 音樂, role marks, a prompt):
a registry like the postbacks' — one decorated function per
:class:`~reelbot.bots.line.syntax.Command`, looked up by :meth:`LineHandler.on_command`.
Adding a command is a word list in syntax.py and one function here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from linebot.v3.webhooks import MessageEvent

from reelbot.app.safety.quotas import usage_text
from reelbot.app.tasks import active_tasks
from reelbot.bots.common.wait import plain_job_line
from reelbot.bots.line import finish_extras, music
from reelbot.bots.line.photos import discard_staged
from reelbot.bots.line.syntax import Command, Parsed
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.types import JobState, Platform

if TYPE_CHECKING:
    from reelbot.bots.line.chat import Chat
    from reelbot.bots.line.handler import LineHandler

CommandHandler = Callable[["LineHandler", MessageEvent, "Chat", str, Parsed], Awaitable[None]]
COMMANDS: dict[Command, CommandHandler] = {}


def command(name: Command) -> Callable[[CommandHandler], CommandHandler]:
    """Register the handler of one typed command (each command exactly once)."""

    def register(fn: CommandHandler) -> CommandHandler:
        if name in COMMANDS:
            raise ValueError(f"command {name.value!r} registered twice")
        COMMANDS[name] = fn
        return fn

    return register


@command(Command.HELP)
async def _help(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    await h.answer(event, chat, h.help_text(locale))


@command(Command.PROMPT)
async def _prompt(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    if not parsed.prompt:  # "/video" alone: show how
        await h.answer(event, chat, h.help_text(locale))
        return
    await h.submit_prompt(event, chat, locale, parsed)


@command(Command.CLEAR)
async def _clear(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    async with h.person_lock(chat):
        photos = await h.state.photos(chat.chat_id, chat.user_id)
        await h.state.clear_photos(chat.chat_id, chat.user_id)
        await discard_staged(h, photos)
    await h.answer(event, chat, render("line.photos_cleared", locale))


@command(Command.USAGE)
async def _usage(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    usages = await h.service.usage(h.origin(chat, locale))
    await h.answer(event, chat, usage_text(usages, locale))


@command(Command.CANCEL)
async def _cancel(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    """取消 / cancel: the person's newest unfinished work started in this chat — a video, or a
    task such as music being composed for the next 輸出成 Shorts."""
    jobs = await h.service.jobs_for(Platform.LINE, chat.user_id, active_only=True)
    tasks = await active_tasks(h.service, h.origin(chat, locale))
    here = [(job.created_at, job.id, False) for job in jobs if job.request.origin.channel_id == chat.chat_id]
    here += [(task.created_at, task.id, True) for task in tasks if task.origin.channel_id == chat.chat_id]
    if not here:
        raise InvalidRequest("line.cancel_nothing")
    _, work_id, is_task = max(here)
    await h.cancel_job(event, chat, locale, work_id, task=is_task)


@command(Command.QUEUE)
async def _queue(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    """排隊 / 進度 / queue: the person's unfinished jobs started in this chat (a group never sees
    prompts from their 1:1 chat), each waiting one with its lane, place and expected wait."""
    jobs = await h.service.jobs_for(Platform.LINE, chat.user_id, active_only=True)
    here = [job for job in jobs if job.request.origin.channel_id == chat.chat_id]
    if not here:
        await h.answer(event, chat, render("queue.empty", locale))
        return
    waits = await h.service.waits.waits_for([job.id for job in here if job.state is JobState.QUEUED])
    lines = [render("queue.header", locale, count=len(here))]
    await h.answer(
        event, chat, "\n".join(lines + [plain_job_line(job, waits.get(job.id), locale) for job in here])
    )


@command(Command.MARK_ROLE)
async def _mark_role(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    if parsed.role is None:  # not a role after all: a prompt
        await _prompt(h, event, chat, locale, parsed)
        return
    await h.state.mark_next_role(chat.chat_id, chat.user_id, parsed.role)
    role = render(f"line.role.{parsed.role.value}", locale)
    await h.answer(event, chat, render("line.role_marked", locale, role=role))


@command(Command.GALLERY)
async def _gallery(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    """1:1: the person's own private gallery link. A group: the group's, when it is switched on."""
    from reelbot.app.gallery import DEFAULT_LINK_TTL_S, Gallery

    gallery = Gallery(h.service)
    days = DEFAULT_LINK_TTL_S // 86400
    if chat.kind == "user":
        url = await gallery.link_for_user(Platform.LINE, chat.user_id)
        await h.answer(event, chat, render("line.gallery_mine", locale, url=url, days=days))
    elif await gallery.community_enabled(Platform.LINE, chat.chat_id):
        url = await gallery.link_for_community(Platform.LINE, chat.chat_id)
        await h.answer(event, chat, render("line.gallery_group", locale, url=url, days=days))
    else:
        await h.answer(event, chat, render("line.gallery_group_off", locale))


async def _switch_gallery(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, on: bool) -> None:
    """A LINE group has no admin roles a bot can see: any member of the group may switch it."""
    from reelbot.app.gallery import Gallery

    if chat.kind == "user":
        await h.answer(event, chat, render("line.gallery_group_only", locale))
        return
    await Gallery(h.service).set_community_gallery(Platform.LINE, chat.chat_id, enabled=on, by=chat.user_id)
    await h.answer(event, chat, render("line.gallery_on" if on else "line.gallery_off", locale))


@command(Command.GALLERY_ON)
async def _gallery_on(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    await _switch_gallery(h, event, chat, locale, on=True)


@command(Command.GALLERY_OFF)
async def _gallery_off(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    await _switch_gallery(h, event, chat, locale, on=False)


@command(Command.STORYBOARD)
async def _storyboard(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    """分鏡 / storyboard: one shot per line → a board of jobs, one draft back (bots/line/boards.py)."""
    from reelbot.bots.line.boards import submit_board

    await submit_board(h, event, chat, locale, parsed.prompt)


@command(Command.STORYBOARD_STATUS)
async def _storyboard_status(
    h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed
) -> None:
    from reelbot.bots.line.boards import board_progress

    await board_progress(h, event, chat, locale)


@command(Command.STORYBOARD_REROLL)
async def _storyboard_reroll(
    h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed
) -> None:
    """重拍 2: a new take of shot 2 of the person's newest board here; a new draft follows."""
    from reelbot.bots.line.boards import reroll_board_shot

    shot, board = parsed.options.get("shot"), parsed.options.get("board")
    await reroll_board_shot(h, event, chat, locale, shot, board)  # type: ignore[arg-type]


@command(Command.STORYBOARD_CONSENT)
async def _storyboard_consent(
    h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed
) -> None:
    """同意 / 不同意 #<board>: the answer to a storyboard's consent question (its quick replies)."""
    from reelbot.bots.line.boards import board_consent

    await board_consent(h, event, chat, locale, str(parsed.options["board"]), bool(parsed.options["yes"]))


@command(Command.CAPTION)
async def _caption(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    """字幕 <text> / caption <text>: the caption of the person's next 輸出成 Shorts."""
    await finish_extras.set_caption(h, event, chat, locale, parsed.prompt)


@command(Command.NO_CAPTION)
async def _no_caption(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    await finish_extras.clear_caption(h, event, chat, locale)


@command(Command.NO_MUSIC)
async def _no_music(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    """取消音樂 / no music: the next 輸出成 Shorts keeps the clip's own sound."""
    await finish_extras.clear_track(h, event, chat, locale)


@command(Command.MUSIC)
async def _music(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
    """音樂 <描述> / music <description>: a soundtrack composed for the next 輸出成 Shorts."""
    await music.compose(h, event, chat, locale, parsed.prompt, str(parsed.options.get("lyrics", "")))


assert set(COMMANDS) == set(Command), "every typed command needs a handler"
