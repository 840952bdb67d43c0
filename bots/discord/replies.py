"""The one error path of the Discord bot: every failure becomes an ephemeral, localized reply.

A :class:`~reelbot.domain.errors.ReelbotError` is rendered from its message key in the person's
locale; anything else is logged with the job id (when there is one) and answered with
"something went wrong, job X" — never a traceback in chat. Replies pick the right transport
themselves: the initial response while the interaction is unanswered, a follow-up after the
(ephemeral) defer.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import discord

from reelbot.domain.errors import ReelbotError
from reelbot.domain.messages import normalize_locale, render
from reelbot.ops import metrics

log = logging.getLogger(__name__)

#: Discord's message length limit.
MESSAGE_MAX = 2000


def user_text(text: str | None, limit: int) -> str:
    """Text a person typed (a prompt, a title, a name), shortened and made inert for Markdown.

    It lands inside ``**…**`` and other formatting of public messages: a ``**`` or a
    ``||spoiler||`` of its own must not break out of it. Mentions need no escaping: every
    message is sent with ``AllowedMentions.none()``.
    """
    from reelbot.bots.common.status import shorten

    return discord.utils.escape_markdown(shorten(text or "", limit))


def locale_of(interaction: discord.Interaction) -> str:
    """Our catalogue locale (``en`` / ``zh-TW``) from the person's Discord client language."""
    return normalize_locale(str(interaction.locale) if interaction.locale else None)


def clip_text(text: str, limit: int = MESSAGE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def reply(
    interaction: discord.Interaction,
    text: str,
    *,
    ephemeral: bool = True,
    view: discord.ui.View | None = None,
) -> None:
    """Answer ``interaction`` once or follow up; never raises for an expired interaction."""
    mentions = discord.AllowedMentions.none()
    try:
        if interaction.response.is_done():
            if view is not None:
                await interaction.followup.send(
                    clip_text(text), ephemeral=ephemeral, allowed_mentions=mentions, view=view
                )
            else:
                await interaction.followup.send(
                    clip_text(text), ephemeral=ephemeral, allowed_mentions=mentions
                )
        elif view is not None:
            await interaction.response.send_message(
                clip_text(text), ephemeral=ephemeral, allowed_mentions=mentions, view=view
            )
        else:
            await interaction.response.send_message(
                clip_text(text), ephemeral=ephemeral, allowed_mentions=mentions
            )
    except discord.HTTPException as exc:
        # 10062 / 50027: the token expired; nothing left to answer on.
        log.warning("could not reply to interaction %s: %s", interaction.id, exc)


@dataclass
class Guard:
    """Filled in by a handler as it learns the job id, so a crash report can name it."""

    job_id: str | None = None


@asynccontextmanager
async def guarded(interaction: discord.Interaction, what: str) -> AsyncIterator[Guard]:
    """Run a handler body; turn any exception into the right ephemeral reply."""
    guard = Guard()
    locale = locale_of(interaction)
    metrics.observe_interaction("discord", what)
    try:
        yield guard
    except ReelbotError as exc:
        metrics.observe_bot_error("discord", what, exc.key)
        log.info("%s refused for user %s: %s", what, interaction.user.id, exc.key)
        await reply(interaction, exc.render(locale))
    except Exception as exc:
        metrics.observe_bot_error("discord", what, type(exc).__name__)
        log.exception("%s failed (job %s, interaction %s)", what, guard.job_id or "-", interaction.id)
        if guard.job_id:
            await reply(interaction, render("error.internal", locale, job_id=guard.job_id[:8]))
        else:
            await reply(interaction, render("error.internal_no_job", locale))
