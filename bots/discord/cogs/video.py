"""/video and the "Animate this image" message command: a prompt (+ images) becomes a job.

Every handler defers first — within Discord's 3-second window, before any validation,
download or database work — ephemerally, so refusals reach only the person who asked. Then
it validates cheaply (roles, preset, prompt), downloads the reference images with their
checks, and hands over to :func:`reelbot.bots.discord.jobs.start_job`. The idempotency key is
the interaction id: a redelivered interaction can never make a second job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands
from pydantic import ValidationError

from reelbot.app.task_costs import check_clip_and_finish
from reelbot.bots.common.controls import MOTION_LEVELS, camera_choices
from reelbot.bots.discord.after_render import AUDIO_MODES, Extras, Soundtrack, discard, note_key
from reelbot.bots.discord.attachments import download_image, first_image
from reelbot.bots.discord.jobs import origin_for, start_job
from reelbot.bots.discord.pending_finish import with_note
from reelbot.bots.discord.replies import guarded, locale_of
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.presets import get_preset, gpu_available, list_presets
from reelbot.domain.types import MAX_SEED, Aspect, Camera, GenerationRequest, Origin, ReferenceRole, SpeedMode
from reelbot.domain.validation import check_reference_roles, check_request

if TYPE_CHECKING:
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

AUTOCOMPLETE_MAX = 25  # Discord shows at most 25 choices


class VideoCog(commands.Cog):
    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot
        self.animate_menu = app_commands.ContextMenu(
            name=_("Animate this image", key="cmd.animate"), callback=self.animate
        )
        bot.tree.add_command(self.animate_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.animate_menu.name, type=self.animate_menu.type)

    @app_commands.command(name="video", description=_("Make a short video from a prompt", key="cmd.video"))
    @app_commands.describe(
        prompt=_("What should happen in the video", key="cmd.video.prompt"),
        image=_("First frame (image)", key="cmd.video.image"),
        end_image=_("Last frame (image)", key="cmd.video.end_image"),
        character=_("Character to keep (image)", key="cmd.video.character"),
        style=_("Style to keep (image)", key="cmd.video.style"),
        aspect=_("Shape of the video", key="cmd.video.aspect"),
        seconds=_("Length in seconds", key="cmd.video.seconds"),
        seed=_("Seed, to repeat a result", key="cmd.video.seed"),
        negative=_("What to avoid", key="cmd.video.negative"),
        preset=_("Model", key="cmd.video.preset"),
        speed=_("Quality or speed", key="cmd.video.speed"),
        motion=_("How much moves", key="cmd.video.motion"),
        camera=_("Camera move", key="cmd.video.camera"),
        loop=_("End where it starts (a loop)", key="cmd.video.loop"),
        audio=_(
            "Your own track (mp3, m4a, wav, ogg): the clip is then finished as a Short with it",
            key="cmd.video.audio",
        ),
        audio_mode=_(
            "With the clip's own sound: mix the track in or replace it", key="cmd.finish.audio_mode"
        ),
        caption=_(
            "A caption over the whole clip (the clip is then finished as a Short)", key="cmd.video.caption"
        ),
        music=_(
            "Music composed from a description, then the clip finished with it (not with audio)",
            key="cmd.video.music",
        ),
        lyrics=_("Words for the composed music to sing (with music)", key="cmd.finish.lyrics"),
    )
    @app_commands.choices(
        aspect=[
            app_commands.Choice(
                name=_("9:16 (vertical)", key="choice.aspect.portrait"), value=Aspect.PORTRAIT.value
            ),
            app_commands.Choice(
                name=_("1:1 (square)", key="choice.aspect.square"), value=Aspect.SQUARE.value
            ),
            app_commands.Choice(
                name=_("16:9 (wide)", key="choice.aspect.landscape"), value=Aspect.LANDSCAPE.value
            ),
        ],
        speed=[
            app_commands.Choice(name=_("quality", key="speed.quality"), value=SpeedMode.QUALITY.value),
            app_commands.Choice(name=_("balanced", key="speed.balanced"), value=SpeedMode.BALANCED.value),
            app_commands.Choice(name=_("draft (fastest)", key="speed.draft"), value=SpeedMode.DRAFT.value),
        ],
        motion=[
            app_commands.Choice(name=_("low (gentle)", key="motion.low"), value="low"),
            app_commands.Choice(name=_("high (dynamic)", key="motion.high"), value="high"),
        ],
        audio_mode=AUDIO_MODES,
    )
    @app_commands.guild_only()
    async def video(
        self,
        interaction: discord.Interaction,
        prompt: str,
        image: discord.Attachment | None = None,
        end_image: discord.Attachment | None = None,
        character: discord.Attachment | None = None,
        style: discord.Attachment | None = None,
        aspect: str = Aspect.PORTRAIT.value,
        seconds: float | None = None,
        seed: int | None = None,
        negative: str | None = None,
        preset: str | None = None,
        speed: str | None = None,
        motion: str | None = None,
        camera: str | None = None,
        loop: bool = False,
        audio: discord.Attachment | None = None,
        audio_mode: str | None = None,
        caption: str | None = None,
        music: str | None = None,
        lyrics: str | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        soundtrack = Soundtrack(audio, audio_mode, caption, music, lyrics)
        async with guarded(interaction, "/video"):
            attachments = [
                (role, att)
                for role, att in (
                    (ReferenceRole.FIRST_FRAME, image),
                    (ReferenceRole.LAST_FRAME, end_image),
                    (ReferenceRole.SUBJECT, character),
                    (ReferenceRole.STYLE, style),
                )
                if att is not None
            ]
            request = self.build_request(
                origin_for(interaction),
                prompt=prompt,
                negative=negative or "",
                aspect=aspect,
                seconds=seconds,
                seed=seed,
                preset=preset,
                roles=[role for role, _att in attachments],
                controls=Controls(speed=speed, motion=motion, camera=camera, loop=loop),
            )
            extras = await soundtrack.checked(self.bot, request.origin)  # the track stored last
            try:
                extras = await self.plan(request, attachments, extras)
                images = await self.images(attachments)
                await self.submit(interaction, request, images, extras=extras)
            except BaseException:
                await discard(self.bot, extras)  # refused after the track was stored or held
                raise

    async def plan(
        self,
        request: GenerationRequest,
        attachments: list[tuple[ReferenceRole, discord.Attachment]],
        extras: Extras | None,
    ) -> Extras | None:
        """With the Short it asks for (``extras``), the request is refused now, not after the
        clip was rendered, when the two would not fit the quota — a refused prompt first, as
        moderation's refusal — and the Short's share is held (``check_clip_and_finish``)."""
        if extras is None:
            return None
        roles = [role for role, _att in attachments]
        music = extras.pending.music is not None
        return extras.planned(await check_clip_and_finish(self.bot.service, request, roles, music=music))

    async def images(
        self, attachments: list[tuple[ReferenceRole, discord.Attachment]]
    ) -> list[tuple[ReferenceRole, bytes]]:
        """The reference images, downloaded once the request fits the quota (:meth:`plan`)."""
        return [
            (role, await download_image(
                att, session=self.bot.session, config=self.bot.config, limits=self.bot.settings.limits
            ))
            for role, att in attachments
        ]  # fmt: skip

    async def animate(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Message command: the message's first image becomes the first frame."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "animate"):
            attachment = first_image(message)
            if attachment is None:
                raise InvalidRequest("discord.animate_no_image")
            locale = locale_of(interaction)
            prompt = message.content.strip() or render("discord.animate_prompt", locale)
            request = self.build_request(
                origin_for(interaction),
                prompt=prompt[: self.bot.settings.limits.max_prompt_chars],
                roles=[ReferenceRole.FIRST_FRAME],
            )
            data = await download_image(
                attachment, session=self.bot.session, config=self.bot.config, limits=self.bot.settings.limits
            )
            await self.submit(interaction, request, [(ReferenceRole.FIRST_FRAME, data)], reference=message)

    def build_request(
        self,
        origin: Origin,
        *,
        prompt: str,
        roles: list[ReferenceRole],
        negative: str = "",
        aspect: str = Aspect.PORTRAIT.value,
        seconds: float | None = None,
        seed: int | None = None,
        preset: str | None = None,
        controls: Controls | None = None,
    ) -> GenerationRequest:
        """The request, checked cheaply before any download (the service checks it all again)."""
        fields = (controls or Controls()).fields()
        limits = self.bot.settings.limits
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise InvalidRequest("request.seed_invalid", maximum=MAX_SEED, value=seed)
        try:
            aspect_value = Aspect(aspect)
        except ValueError:
            raise InvalidRequest(
                "request.aspect_invalid", value=aspect, choices=", ".join(a.value for a in Aspect)
            ) from None
        if preset:
            get_preset(preset)  # unknown → request.preset_unknown with the choices
        check_reference_roles(roles, limits)
        try:
            request = GenerationRequest(
                prompt=prompt,
                negative_prompt=negative,
                aspect=aspect_value,
                seconds=seconds,
                seed=seed,
                preset=preset or None,
                origin=origin,
                **fields,
            )
        except ValidationError as exc:
            log.info("request refused by the model: %s", exc.errors()[0]["msg"])
            raise InvalidRequest("request.prompt_empty") from None
        return check_request(request, limits)

    async def submit(
        self,
        interaction: discord.Interaction,
        request: GenerationRequest,
        images: list[tuple[ReferenceRole, bytes]],
        *,
        reference: discord.Message | None = None,
        extras: Extras | None = None,
    ) -> None:
        """Through :func:`start_job`; with ``extras``, the finish after the render is noted
        under the status message before the job is queued (a fast worker must find it)."""
        service = self.bot.service
        key = f"discord:interaction:{interaction.id}"

        async def enqueue(origin: Origin):  # type: ignore[no-untyped-def]
            note = note_key(self.bot, origin) if extras is not None else None
            return await with_note(
                self.bot,
                note,
                extras.pending if extras is not None else None,
                lambda: service.submit(
                    request.model_copy(update={"origin": origin}), images, idempotency_key=key
                ),
            )

        after = extras.ack(request.origin.locale, service.settings.finish) if extras is not None else None
        await start_job(
            interaction,
            request.origin,
            request.prompt,
            enqueue,
            reference=reference,
            request=request,
            after=after,
            moderated=extras is not None,  # :meth:`plan` moderated it before the plan check
        )

    @video.autocomplete("preset")
    async def preset_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.lower().strip()
        presets = list_presets(gpu_available(self.bot.settings))
        choices = [
            app_commands.Choice(name=f"{p.name} — {p.title}"[:100], value=p.name)
            for p in presets
            if needle in p.name.lower() or needle in p.title.lower()
        ]
        return choices[:AUTOCOMPLETE_MAX]

    @video.autocomplete("camera")
    async def camera_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        pairs = camera_choices(current, locale_of(interaction))
        return [app_commands.Choice(name=label[:100], value=value) for label, value in pairs][
            :AUTOCOMPLETE_MAX
        ]


@dataclass(frozen=True)
class Controls:
    """The creator controls of /video as typed (option values), turned into request fields."""

    speed: str | None = None
    motion: str | None = None
    camera: str | None = None
    loop: bool = False

    def fields(self) -> dict[str, Any]:
        """GenerationRequest fields; an unknown value is :class:`InvalidRequest` naming it."""
        out: dict[str, Any] = {"loop": self.loop}
        out["speed"] = _member(SpeedMode, self.speed, "speed")
        out["camera"] = _member(Camera, self.camera, "camera")
        if self.motion:
            if self.motion not in MOTION_LEVELS:
                raise InvalidRequest(
                    "discord.option_invalid",
                    option="motion",
                    value=self.motion,
                    choices=", ".join(MOTION_LEVELS),
                )
            out["motion"] = MOTION_LEVELS[self.motion]
        return out


def _member(enum: type[StrEnum], value: str | None, option: str) -> Any:
    if not value:
        return None
    try:
        return enum(value.strip().lower())
    except ValueError:
        raise InvalidRequest(
            "discord.option_invalid",
            option=option,
            value=value[:40],
            choices=", ".join(m.value for m in enum),
        ) from None


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(VideoCog(bot))
