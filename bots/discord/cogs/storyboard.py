"""/storyboard file:<.yaml/.toml/.json> — a whole Short draft from chat, and "Re-roll shot N".

The handler defers first, then checks the file before anything is queued: its type (by
suffix), its size, the host it comes from, that it parses (generator/storyboard.py's torch-free
parser) and passes the same checks as the CLI (shot count, shot lengths, total) plus "every
image it names was attached" (``character`` / ``style`` options). Then one public status
message for the whole board is posted, and :func:`reelbot.app.storyboards.submit_storyboard`
queues each shot as a normal job whose origin points at that message; the results side
(:mod:`reelbot.bots.discord.boards`) keeps it at "k/N shots done" and posts the draft.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from reelbot.app.early_checks import check_board
from reelbot.app.task_costs import check_board_and_finish
from reelbot.bots.discord.after_render import AUDIO_MODES, Extras, Soundtrack, discard, note_key
from reelbot.bots.discord.attachments import download_bytes, download_image
from reelbot.bots.discord.board_finish import board_extras, board_soundtrack
from reelbot.bots.discord.boards import board_header, board_line
from reelbot.bots.discord.components import button_handler
from reelbot.bots.discord.jobs import _delete_quietly, consent_view, origin_for, with_notice
from reelbot.bots.discord.pending_finish import with_note
from reelbot.bots.discord.replies import guarded, locale_of, reply
from reelbot.domain.errors import InvalidRequest, NotFound
from reelbot.domain.messages import render
from reelbot.domain.storyboard import MAX_FILE_BYTES, SUFFIXES, Storyboard, parse_storyboard
from reelbot.domain.types import Origin, Platform, short_id

if TYPE_CHECKING:
    from reelbot.app.storyboards import StoryboardTicket
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

KiB = 1024


def _bot(interaction: discord.Interaction) -> ReelBot:
    return interaction.client  # type: ignore[return-value]


def storyboard_format(filename: str) -> str:
    """YAML / TOML / JSON from the file's suffix; anything else is refused by name."""
    fmt = SUFFIXES.get(PurePosixPath(filename).suffix.lower())
    if fmt is None:
        raise InvalidRequest("discord.storyboard_file_type", filename=filename[:100])
    return fmt


def _file_too_large(size: int) -> InvalidRequest:
    return InvalidRequest(
        "discord.storyboard_file_size",
        size_kb=f"{size / KiB:.0f}",
        limit_kb=f"{MAX_FILE_BYTES / KiB:.0f}",
    )


class StoryboardCog(commands.Cog):
    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="storyboard", description=_("Make a Short draft from a storyboard file", key="cmd.storyboard")
    )
    @app_commands.describe(
        file=_("Storyboard file (.yaml, .toml or .json)", key="cmd.storyboard.file"),
        character=_("Character image for every shot", key="cmd.storyboard.character"),
        style=_("Style image for every shot", key="cmd.storyboard.style"),
        audio=_(
            "Your own track (mp3, m4a, wav, ogg): the draft is then finished as a Short",
            key="cmd.storyboard.audio",
        ),
        audio_mode=_(
            "With the clip's own sound: mix the track in or replace it", key="cmd.finish.audio_mode"
        ),
        caption=_(
            "A caption over the whole draft (the draft is then finished as a Short)",
            key="cmd.storyboard.caption",
        ),
        music=_(
            "Music composed from a description, then the draft finished with it", key="cmd.storyboard.music"
        ),
        lyrics=_("Words for the composed music to sing (with music)", key="cmd.finish.lyrics"),
    )
    @app_commands.choices(audio_mode=AUDIO_MODES)
    @app_commands.guild_only()
    async def storyboard(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        character: discord.Attachment | None = None,
        style: discord.Attachment | None = None,
        audio: discord.Attachment | None = None,
        audio_mode: str | None = None,
        caption: str | None = None,
        music: str | None = None,
        lyrics: str | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        soundtrack = Soundtrack(audio, audio_mode, caption, music, lyrics)
        async with guarded(interaction, "/storyboard"):
            fmt = storyboard_format(file.filename)
            raw = await download_bytes(
                file,
                session=self.bot.session,
                config=self.bot.config,
                max_bytes=MAX_FILE_BYTES,
                too_large=_file_too_large,
            )
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InvalidRequest(
                    "storyboard.unreadable", path=file.filename[:100], format=fmt, error="not UTF-8 text"
                ) from None
            board = parse_storyboard(text, fmt, source=file.filename[:100])
            board_soundtrack(board, soundtrack)  # file vs options: refused before any download
            board, images = await self._images(board, character, style)
            # The music moderated and the track stored before the quota (then the prompts, in
            # check_board_and_finish): a refused text is moderation's answer, over quota or not.
            extras = await board_extras(self.bot, board, soundtrack, origin_for(interaction))
            try:
                if extras is not None:  # shots + music + finish vs the quota; the Short's share held
                    composed = extras.pending.music is not None
                    extras = extras.planned(
                        await check_board_and_finish(
                            self.bot.service, board, origin_for(interaction), music=composed
                        )
                    )
                await self.start(interaction, board, images, extras)
            except BaseException:
                await discard(self.bot, extras)  # refused after the track was stored or held
                raise

    async def _images(
        self, board: Storyboard, character: discord.Attachment | None, style: discord.Attachment | None
    ) -> tuple[Storyboard, dict[str, bytes]]:
        """The attached character/style images under the names the file uses for them."""
        from reelbot.app.storyboards import check_chat_storyboard

        images: dict[str, bytes] = {}
        update: dict[str, str] = {}
        for field, attachment in (("character", character), ("style", style)):
            if attachment is None:
                continue
            name = getattr(board, field) or f"{field}:{attachment.filename}"
            update[field] = name
            images[name] = b""  # placeholder: check the board before downloading
        board = board.model_copy(update=update) if update else board
        check_chat_storyboard(board, self.bot.service, images)
        for field, attachment in (("character", character), ("style", style)):
            if attachment is not None:
                images[getattr(board, field)] = await download_image(
                    attachment,
                    session=self.bot.session,
                    config=self.bot.config,
                    limits=self.bot.settings.limits,
                )
        return board, images

    async def start(
        self,
        interaction: discord.Interaction,
        board: Storyboard,
        images: dict[str, bytes],
        extras: Extras | None = None,
    ) -> None:
        """Status message first (its id goes into every shot's origin), then the finish after
        the draft is noted under it (``extras``), then the shots. Before the message: every
        shot's prompt moderated (already, with ``extras``: ``check_board_and_finish``), then the
        server's own limits for the board's shots (:func:`~reelbot.app.early_checks.check_board`)."""
        locale = locale_of(interaction)
        origin = origin_for(interaction)
        await check_board(self.bot.service, board, origin, moderated=extras is not None)
        header = board_header(board.title, origin)
        channel = interaction.channel
        assert channel is not None and hasattr(channel, "send")
        status = await channel.send(
            f"{header}\n{board_line(0, len(board.shots), locale)}",
            allowed_mentions=discord.AllowedMentions.none(),
        )
        origin = origin.model_copy(update={"message_id": str(status.id)})
        ticket = await self._submit(interaction, board, images, origin, extras, status)
        if ticket.duplicate:
            await _delete_quietly(status)
            await reply(
                interaction,
                render("discord.storyboard_duplicate", locale, board_id=short_id(ticket.board_id)),
            )
            return
        log.info(
            "storyboard %s (%d shots) from interaction %s",
            ticket.board_id,
            len(ticket.job_ids),
            interaction.id,
        )
        if ticket.awaiting_consent:
            text = with_notice(
                render("consent.required", locale, job_id=short_id(ticket.board_id)),
                ticket.notice_key,
                locale,
            )
            await reply(
                interaction, text, view=consent_view("sbconsent", "sbdecline", ticket.board_id, locale)
            )
            return
        text = render(
            "discord.storyboard_accepted",
            locale,
            board_id=short_id(ticket.board_id),
            count=len(ticket.job_ids),
        )
        if extras is not None:
            text += "\n" + extras.ack(locale, self.bot.service.settings.finish, board=True)
        await reply(interaction, with_notice(text, ticket.notice_key, locale))

    async def _submit(
        self,
        interaction: discord.Interaction,
        board: Storyboard,
        images: dict[str, bytes],
        origin: Origin,
        extras: Extras | None,
        status: discord.Message,
    ) -> StoryboardTicket:
        """The shots, the finish after the draft noted first (a fast worker must find it); a
        refusal removes the status message again."""
        from reelbot.app.storyboards import submit_storyboard

        async def submit() -> StoryboardTicket:
            return await submit_storyboard(
                self.bot.service,
                board,
                origin,
                images_by_name=images,
                idempotency_key=f"discord:interaction:{interaction.id}",
            )

        note = note_key(self.bot, origin) if extras is not None else None
        try:
            return await with_note(self.bot, note, extras.pending if extras else None, submit)
        except BaseException:
            await _delete_quietly(status)
            raise


@button_handler("sbreroll")
async def on_shot_reroll(interaction: discord.Interaction, job_id: uuid.UUID) -> None:
    """``reelbot:sbreroll:<job of the shot>``: a new take of that shot; the draft follows."""
    from reelbot.app.storyboards import board_of_job, reroll_shot

    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = _bot(interaction)
    found = await board_of_job(bot.service, job_id)
    if found is None:
        raise NotFound("storyboard.not_found", board_id=str(job_id))
    board_id, number = found
    origin = origin_for(interaction)
    # No early limit check: nothing is posted before the submit, which moderates the shot's
    # prompt and then reserves its hourly slot (a refused prompt: moderation's answer).
    key = await bot.service.click_idempotency_key(
        platform=Platform.DISCORD.value,
        user_id=origin.user_id,
        action="sbreroll",
        target=f"{board_id}:{number}",
        interaction_id=str(interaction.id),
        window_s=bot.config.click_window_s,
    )
    ticket = await reroll_shot(bot.service, board_id, number, by=origin, idempotency_key=key)
    locale = locale_of(interaction)
    if ticket.duplicate:
        await reply(interaction, render("submit.duplicate", locale, job_id=short_id(ticket.job_id)))
        return
    await reply(
        interaction,
        render("discord.storyboard_rerolled", locale, shot=number, job_id=short_id(ticket.job_id)),
    )


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(StoryboardCog(bot))
