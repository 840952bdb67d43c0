"""The results side of a storyboard: one status message per board, then the draft, once.

Every shot of a board is a normal job whose origin points at the board's status message, so
:class:`~reelbot.bots.discord.delivery.Delivery` hands events of such jobs here instead of
posting each shot as a clip. Progress edits the one message ("k/N shots done · shot n: bar",
through the same :class:`EditThrottle`); a failed shot says so with a re-roll button; when
the last shot is done the draft is stitched (:func:`reelbot.app.storyboards.assemble_draft`,
ffmpeg only, in a thread) and posted replying to the status message: the mp4 as an
attachment (a signed link when it is over the channel's limit), the contact sheet, and a
"Re-roll shot N" button per shot (Discord allows 25). A Redis marker per job and one per
draft make a restart or a repeated ``done`` event post nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
import uuid
from typing import TYPE_CHECKING

import discord

from reelbot.bots.common.status import duration_text, failure_reason, percent, progress_bar
from reelbot.bots.discord.jobs import author_ref
from reelbot.bots.discord.replies import user_text
from reelbot.domain.errors import NotFound, ReelbotError
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.types import Origin, Platform

if TYPE_CHECKING:
    from reelbot.app.storyboards import BoardStatus, Draft
    from reelbot.bots.discord.delivery import Delivery

log = logging.getLogger(__name__)

MiB = 1024 * 1024
TITLE_CHARS = 100
MAX_BUTTONS = 25  # 5 rows × 5
DRAFT_CLAIM_S = 120  # how long one process may take to upload a draft before others may try
CLAIM_POLL_S = 0.5
CLAIMED, POSTED = "posting", "1"
TERMINAL = (EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED)


def board_header(title: str, origin: Origin) -> str:
    title = user_text(title, TITLE_CHARS) or render("discord.storyboard_untitled", origin.locale)
    return render("discord.storyboard_header", origin.locale, title=title, author=author_ref(origin))


def board_line(done: int, total: int, locale: str | None) -> str:
    return render("discord.storyboard_progress", locale, done=done, total=total)


def reroll_view(status: BoardStatus, *, finish: bool = False) -> discord.ui.View:
    """One "Re-roll shot N" button per shot (``reelbot:sbreroll:<job of that shot>``); with
    ``finish``, first a "Finish for Shorts" button for the draft (``reelbot:sbfinish:<board>``)."""
    from reelbot.bots.discord.components import BUTTONS_PER_ROW, ReelButton

    view = discord.ui.View(timeout=None)
    if finish:
        label = render("finish.button", status.origin.locale)
        primary = discord.ButtonStyle.primary
        view.add_item(ReelButton("sbfinish", status.board_id, label=label, emoji="🎬", style=primary, row=0))
    offset = len(view.children)
    shots = [(shot.number, shot.job_id) for shot in status.shots if shot.job_id is not None]
    for index, (number, job_id) in enumerate(shots[: MAX_BUTTONS - offset], start=offset):
        label = render("discord.storyboard_reroll_label", status.origin.locale, shot=number)
        view.add_item(ReelButton("sbreroll", job_id, label=label, emoji="🎲", row=index // BUTTONS_PER_ROW))
    return view


class BoardDelivery:
    """Board-aware handling of job events (owned by :class:`Delivery`)."""

    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery
        self.bot = delivery.bot

    async def handle(self, items: list[tuple[str, JobEvent]], board_id: uuid.UUID) -> bool:
        """Show the events of one shot's job; True when they may be acknowledged."""
        from reelbot.app.storyboards import advance_storyboard, board_status

        terminal = next((event for _, event in items if event.kind in TERMINAL), None)
        event = terminal or items[-1][1]
        if terminal is not None:
            # A slot under the person's pending cap may have come free: queue waiting shots.
            with contextlib.suppress(NotFound):
                await advance_storyboard(self.bot.service, board_id)
        try:
            status = await board_status(self.bot.service, board_id)
        except NotFound:
            log.info("storyboard %s is gone; dropping events of job %s", board_id, event.job_id)
            return True
        if terminal is None:
            self._show(status, self._progress_line(status, event))
            return True
        service = self.bot.service
        marker = service.keys.bot_delivered(Platform.DISCORD.value, str(event.job_id))
        if await service.redis.exists(marker):
            return True
        if not await self._outcome(status, event):
            return False
        await service.redis.set(marker, "1", ex=self.bot.config.delivered_ttl_s)
        return True

    # -- the status message -------------------------------------------------------------------

    def _message(self, status: BoardStatus) -> discord.PartialMessage | None:
        return self.delivery._status_message(status.origin)

    def _progress_line(self, status: BoardStatus, event: JobEvent) -> str:
        locale = status.origin.locale
        shot = next((s for s in status.shots if s.job_id == event.job_id), None)
        if shot is not None and event.kind is EventKind.PROGRESS:
            step, total = event.step or 0, event.total_steps or 0
            return render(
                "discord.storyboard_rendering",
                locale,
                done=status.done,
                total=status.total,
                shot=shot.number,
                bar=progress_bar(step, total),
                percent=percent(step, total),
            )
        return board_line(status.done, status.total, locale)

    def _show(self, status: BoardStatus, line: str) -> None:
        message = self._message(status)
        if message is None:
            return
        text = f"{board_header(status.title, status.origin)}\n{line}"

        async def edit() -> None:
            await message.edit(content=text, allowed_mentions=discord.AllowedMentions.none())

        self.delivery.throttle.update(str(message.id), edit)

    async def _show_now(
        self, status: BoardStatus, line: str, *, view: discord.ui.View | None = None, close: bool = False
    ) -> None:
        """Edit the board's message as soon as the throttle allows; ``close`` only for the last
        word (the draft is posted) — after one shot's outcome, the next shots' progress shows."""
        message = self._message(status)
        if message is None:
            return
        text = f"{board_header(status.title, status.origin)}\n{line}"

        async def edit() -> None:
            mentions = discord.AllowedMentions.none()
            try:
                if view is not None:
                    await message.edit(content=text, allowed_mentions=mentions, view=view)
                else:
                    await message.edit(content=text, allowed_mentions=mentions)
            except discord.NotFound:
                log.info("status message of storyboard %s is gone", status.board_id)

        await self.delivery.throttle.final(str(message.id), edit, close=close)

    # -- outcomes -------------------------------------------------------------------------------

    async def _outcome(self, status: BoardStatus, event: JobEvent) -> bool:
        from reelbot.app.storyboards import assemble_draft

        locale = status.origin.locale
        shot = next((s for s in status.shots if s.job_id == event.job_id), None)
        if shot is None:  # an earlier take of a re-rolled shot: only the count matters
            await self._show_now(status, board_line(status.done, status.total, locale))
            return True
        if event.kind is not EventKind.DONE:
            reason = (
                render("status.cancelled", locale)
                if event.kind is EventKind.CANCELLED
                else failure_reason(event.error_key, event.error_detail, str(event.job_id), locale)
            )
            line = render(
                "discord.storyboard_shot_failed",
                locale,
                done=status.done,
                total=status.total,
                shot=shot.number,
                reason=reason,
            )
            await self._show_now(status, line, view=reroll_view(status))
            return True
        refused = next((s for s in status.shots if s.error_key), None)
        if refused is not None:  # a waiting shot the service refused when its turn came
            reason = failure_reason(refused.error_key, None, str(status.board_id), locale)
            line = render(
                "discord.storyboard_shot_failed",
                locale,
                done=status.done,
                total=status.total,
                shot=refused.number,
                reason=reason,
            )
            await self._show_now(status, line)
            return True
        if not status.complete:
            await self._show_now(status, board_line(status.done, status.total, locale))
            return True
        await self._show_now(status, render("discord.storyboard_assembling", locale, total=status.total))
        try:
            draft = await assemble_draft(self.bot.service, status.board_id)
        except ReelbotError as exc:  # this set of takes failed to assemble: say why, once
            reason = exc.render(locale)
            await self._show_now(status, render("storyboard.draft_failed", locale, reason=reason))
            return True
        if draft is None:
            return True  # a worker assembles it: its task's done event posts it (handle_draft_task)
        return await self._deliver_draft(status, draft)

    async def _deliver_draft(self, status: BoardStatus, draft: Draft) -> bool:
        from reelbot.bots.discord.after_render import on_draft

        if not await self._post_draft(status, draft):
            return False
        await on_draft(self.bot, status, draft)  # /storyboard's own soundtrack: finish the draft
        await self._show_now(
            status, render("discord.storyboard_ready", status.origin.locale, total=status.total), close=True
        )
        return True

    async def handle_draft_task(self, items: list[tuple[str, JobEvent]]) -> bool:
        """Events of an ``assemble_draft`` task: post the draft once it is done; say why not
        if it failed. True when the events may be acknowledged."""
        from reelbot.app.storyboards import board_of_event, board_status, draft_of_task

        terminal = next((event for _, event in items if event.kind in TERMINAL), None)
        if terminal is None:
            return True  # joining takes seconds: the board already says "assembling"
        service = self.bot.service
        try:
            board_id = await board_of_event(service, terminal.job_id, terminal.origin)
            if board_id is None:
                return True
            status = await board_status(service, board_id)
        except NotFound:
            return True
        if terminal.kind is EventKind.DONE:
            draft = await draft_of_task(service, terminal.job_id)
            if draft is None or draft.job_ids != tuple(s.job_id for s in status.shots if s.job_id):
                return True  # an older set of takes: a re-roll is on its way to a newer draft
            return await self._deliver_draft(status, draft)
        locale = status.origin.locale
        reason = failure_reason(terminal.error_key, terminal.error_detail, str(terminal.job_id), locale)
        await self._show_now(status, render("storyboard.draft_failed", locale, reason=reason))
        return True

    async def _post_draft(self, status: BoardStatus, draft: Draft) -> bool:
        """Post the draft once (a marker per set of takes); False to retry after the next start."""
        service, origin = self.bot.service, status.origin
        if not origin.channel_id:
            return True
        digest = draft.video_key.rsplit("/", 1)[-1].split(".")[0]
        marker = service.keys.bot_delivered(Platform.DISCORD.value, f"draft-{draft.board_id}-{digest}")
        if not await self._claim(marker):
            return True  # already posted
        try:
            await self._send_draft(status, draft)
        except (discord.HTTPException, OSError, TimeoutError) as exc:
            if isinstance(exc, discord.Forbidden):
                log.warning(
                    "no access to channel %s; dropping storyboard %s", origin.channel_id, draft.board_id
                )
                await service.redis.set(marker, POSTED, ex=self.bot.config.delivered_ttl_s)
                return True
            log.warning("posting the draft of storyboard %s failed: %s", draft.board_id, exc)
            await service.redis.delete(marker)
            return False
        except BaseException:
            await asyncio.shield(service.redis.delete(marker))  # not posted: release the claim
            raise
        await service.redis.set(marker, POSTED, ex=self.bot.config.delivered_ttl_s)
        return True

    async def _claim(self, marker: str) -> bool:
        """Claim posting the draft for :data:`DRAFT_CLAIM_S`; False once it was posted.

        The claim is short so that a process dying mid-upload does not lose the draft: its
        claim runs out and the next try (this process, or the next start) posts it. A claim
        held by someone else is waited out — it ends as posted, or it is released or expires.
        """
        redis = self.bot.service.redis
        deadline = time.monotonic() + DRAFT_CLAIM_S + 5
        while True:
            if await redis.set(marker, CLAIMED, nx=True, ex=DRAFT_CLAIM_S):
                return True
            value = await redis.get(marker)
            if value is not None and (value.decode() if isinstance(value, bytes) else value) == POSTED:
                return False
            if time.monotonic() > deadline:
                raise TimeoutError(f"draft claim {marker} neither posted nor released")
            await asyncio.sleep(CLAIM_POLL_S)

    async def _send_draft(self, status: BoardStatus, draft: Draft) -> None:
        origin, locale = status.origin, status.origin.locale
        assert origin.channel_id is not None
        media = self.bot.service.media
        channel = self.bot.get_partial_messageable(
            int(origin.channel_id), guild_id=int(origin.guild_id) if origin.guild_id else None
        )
        caption = render(
            "discord.storyboard_draft",
            locale,
            title=user_text(status.title, TITLE_CHARS) or render("discord.storyboard_untitled", locale),
            author=author_ref(origin),
            shots=status.total,
            seconds=duration_text(draft.seconds),
            width=draft.width,
            height=draft.height,
        )
        sheet = await asyncio.to_thread(media.read_bytes, draft.contact_sheet_key)
        short = str(draft.board_id)[:8]
        files = [discord.File(io.BytesIO(sheet), filename=f"storyboard-{short}-sheet.jpg")]
        limit = await self.bot.upload_limit(origin.guild_id)
        text = caption
        if draft.size_bytes <= limit:
            video = await asyncio.to_thread(media.read_bytes, draft.video_key)
            files.insert(0, discord.File(io.BytesIO(video), filename=f"storyboard-{short}.mp4"))
        else:
            text += "\n" + self._link(draft, limit, locale)
        status_message = self._message(status)
        reference = status_message.to_reference(fail_if_not_exists=False) if status_message else None
        view = reroll_view(status, finish=True)
        try:
            try:
                await channel.send(
                    text, files=files, view=view, reference=reference,  # type: ignore[arg-type]
                    mention_author=False, allowed_mentions=discord.AllowedMentions.none(),
                )  # fmt: skip
            except discord.HTTPException as exc:
                if len(files) < 2 or (exc.status != 413 and exc.code != 40005):
                    raise
                log.info("Discord refused storyboard %s's draft upload; sending a link", draft.board_id)
                sheet_only = [discord.File(io.BytesIO(sheet), filename=f"storyboard-{short}-sheet.jpg")]
                await channel.send(
                    f"{caption}\n{self._link(draft, limit, locale)}", files=sheet_only, view=view,
                    reference=reference,  # type: ignore[arg-type]
                    mention_author=False, allowed_mentions=discord.AllowedMentions.none(),
                )  # fmt: skip
        finally:
            view.stop()

    def _link(self, draft: Draft, limit: int, locale: str | None) -> str:
        return render(
            "discord.storyboard_draft_link",
            locale,
            size_mb=f"{draft.size_bytes / MiB:.1f}",
            limit_mb=f"{limit / MiB:.0f}",
            url=self.bot.service.media.signed_url(draft.video_key),
        )
