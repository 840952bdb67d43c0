"""Building what the bot sends: the result push (video + quick replies), texts, the info card.

LINE refuses a whole request when one field breaks a documented limit, so every limit from
:class:`LineConfig` is enforced here, before anything is sent: HTTPS URLs of ≤ 2000 characters,
an mp4 within the size cap, a JPEG/PNG preview ≤ 1 MB, ≤ 13 quick-reply items with labels ≤ 20
and postback data ≤ 300 characters. A clip LINE cannot show is sent as a link to its page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from linebot.v3.messaging import (
    Message,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
    VideoMessage,
)

from reelbot.bots.common.actions import ClipAction, clip_actions, custom_id
from reelbot.bots.common.modes import ModeTake
from reelbot.bots.common.report import report_line
from reelbot.bots.common.status import duration_text, kind_label, shorten
from reelbot.bots.line.config import LineConfig
from reelbot.domain.messages import render
from reelbot.domain.reports import RenderReport

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class LimitViolation(ValueError):
    """A message would break one of LINE's documented limits (a bug or a config change)."""


def text(message: str, config: LineConfig, *, quick_reply: QuickReply | None = None) -> TextMessage:
    """A text message, cut to LINE's 5000 characters."""
    return TextMessage(
        text=shorten(message, config.text_max_chars) if len(message) > config.text_max_chars else message,
        quick_reply=quick_reply,
    )


#: Postbacks about a job (not a clip): LINE-only, ``<action>:<job_id>`` (≤ 300 characters);
#: ``finish_draft`` names a storyboard (its draft's 輸出成 Shorts) by the board's id, ``modes``
#: a clip (換個速度: the reply listing its takes in another mode, see :func:`take_quick_reply`).
JOB_POSTBACK_ACTIONS: tuple[str, ...] = ("consent", "decline", "cancel", "finish_draft", "modes")
_JOB_POSTBACK = re.compile(
    rf"(?P<action>{'|'.join(JOB_POSTBACK_ACTIONS)}):"
    r"(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


def job_postback_data(action: str, job_id: uuid.UUID) -> str:
    if action not in JOB_POSTBACK_ACTIONS:
        raise ValueError(f"unknown job postback {action!r}")
    return f"{action}:{job_id}"


def parse_job_postback(data: str) -> tuple[str, uuid.UUID] | None:
    """``(action, id)`` for ``consent:<uuid>`` / ``decline:`` / ``cancel:`` / ``finish_draft:``, else None."""
    match = _JOB_POSTBACK.fullmatch(data)
    return (match["action"], uuid.UUID(match["id"])) if match else None


#: A take in another mode: ``take:<action>.<mode>:<clip_id>`` (the value of bots/common/modes.py,
#: read back with its ``parse_take``; anything else after ``take:`` is refused there as stale).
_TAKE_POSTBACK = re.compile(
    r"take:(?P<value>[a-z0-9_.-]{1,40}):"
    r"(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


def take_postback_data(value: str, clip_id: uuid.UUID) -> str:
    return f"take:{value}:{clip_id}"


def parse_take_postback(data: str) -> tuple[str, uuid.UUID] | None:
    """``(take value, clip id)`` for ``take:<value>:<uuid>``, else None (the value is unchecked)."""
    match = _TAKE_POSTBACK.fullmatch(data)
    return (match["value"], uuid.UUID(match["id"])) if match else None


def postback_item(
    label: str, data: str, config: LineConfig, display_text: str | None = None
) -> QuickReplyItem:
    """One postback quick reply: the label cut to LINE's limit (the chat shows ``display_text``,
    else the label, as the person's message), data refused when too long."""
    if len(data) > config.postback_data_max:
        raise LimitViolation(f"postback data {len(data)} > {config.postback_data_max} characters")
    short = (
        shorten(label, config.quick_reply_label_max) if len(label) > config.quick_reply_label_max else label
    )
    return QuickReplyItem(action=PostbackAction(label=short, data=data, display_text=display_text or short))


def quick_reply(choices: list[tuple[str, str]], config: LineConfig) -> QuickReply:
    """Postback quick replies from ``(label, data)`` pairs, within LINE's limits."""
    items = [postback_item(label, data, config) for label, data in choices]
    if not items or len(items) > config.quick_reply_max_items:
        raise LimitViolation(f"{len(items)} quick reply items, allowed 1..{config.quick_reply_max_items}")
    return QuickReply(items=items)


def consent_quick_reply(job_id: uuid.UUID, locale: str | None, config: LineConfig) -> QuickReply:
    """The two answers to ``consent.required``: confirm (queues the job) or decline (cancels it)."""
    return quick_reply(
        [
            (render("consent.confirm_label", locale), job_postback_data("consent", job_id)),
            (render("consent.decline_label", locale), job_postback_data("decline", job_id)),
        ],
        config,
    )


def cancel_quick_reply(job_id: uuid.UUID, locale: str | None, config: LineConfig) -> QuickReply:
    """取消 under the "queued" reply."""
    return quick_reply([(render("action.cancel", locale), job_postback_data("cancel", job_id))], config)


def postback_data(action: str, clip_id: uuid.UUID) -> str:
    """``reelbot:<action>:<clip_id>`` — the same format as Discord's buttons (bots/common/actions)."""
    return custom_id(action, clip_id)


def clip_quick_reply(
    clip_id: uuid.UUID,
    locale: str | None,
    config: LineConfig,
    actions: Sequence[ClipAction] | None = None,
    other_modes: bool = False,
) -> QuickReply:
    """The clip's actions as quick replies: ``actions`` (those shown for this clip, from
    ``clip_actions("line", clip, settings)``), else every action the registry shows on LINE;
    with ``other_modes`` (the clip has takes in another mode) 換個速度 last, where it fits."""
    items = [
        postback_item(render(action.label_key, locale), postback_data(action.name, clip_id), config)
        for action in (clip_actions("line") if actions is None else actions)  # in registry order
    ]
    if other_modes and len(items) < config.quick_reply_max_items:
        # Last and only where it fits: the actions themselves are never pushed out by it.
        items.append(
            postback_item(render("line.other_mode", locale), job_postback_data("modes", clip_id), config)
        )
    if len(items) > config.quick_reply_max_items:
        raise LimitViolation(f"{len(items)} quick reply items > {config.quick_reply_max_items}")
    return QuickReply(items=items)


def take_quick_reply(
    clip_id: uuid.UUID, takes: Sequence[ModeTake], locale: str | None, config: LineConfig
) -> QuickReply:
    """The answer to 換個速度: one quick reply a take (label cut to LINE's 20, the full label as
    what the person says), the first ``quick_reply_max_items`` when a preset ever offers more."""
    items = [
        postback_item(take.label(locale), take_postback_data(take.value, clip_id), config, take.label(locale))
        for take in takes[: config.quick_reply_max_items]
    ]
    if not items:
        raise LimitViolation("no takes to offer")
    return QuickReply(items=items)


@dataclass(frozen=True)
class ClipMedia:
    """What is known about a finished clip's files before sending them."""

    video_url: str
    preview_url: str
    video_bytes: int
    preview_path: Path | None
    duration_s: float


def video_problem(media: ClipMedia, config: LineConfig) -> str | None:
    """Why LINE would refuse (or fail to play) this clip as a video message; None when it is fine."""
    for name, url in (("video", media.video_url), ("preview", media.preview_url)):
        if not url.startswith("https://"):
            return f"{name} URL is not HTTPS"
        if len(url) > config.url_max_chars:
            return f"{name} URL has {len(url)} > {config.url_max_chars} characters"
    if media.video_bytes > config.video_max_bytes:
        return f"video is {media.video_bytes} bytes > {config.video_max_bytes}"
    if config.video_max_seconds is not None and media.duration_s > config.video_max_seconds:
        return f"video is {media.duration_s:.1f} s > {config.video_max_seconds} s"
    if media.preview_path is None:
        return "no preview image"
    if not media.preview_path.is_file():
        # This process cannot see the media volume (media served by another host): trust the
        # encoder, which writes a small JPEG thumbnail, instead of refusing every clip.
        return None
    size = media.preview_path.stat().st_size
    if size > config.preview_max_bytes:
        return f"preview is {size} bytes > {config.preview_max_bytes}"
    with media.preview_path.open("rb") as fh:
        head = fh.read(8)
    if not (head.startswith(JPEG_MAGIC) or head.startswith(PNG_MAGIC)):
        return "preview is neither JPEG nor PNG"
    return None


def result_messages(
    clip_id: uuid.UUID,
    media: ClipMedia,
    page_url: str,
    locale: str | None,
    config: LineConfig,
    actions: Sequence[ClipAction] | None = None,
    other_modes: bool = False,
) -> tuple[list[Message], str | None]:
    """The ONE push that delivers a clip: a video message carrying the quick replies.

    Returns the messages and, when the clip could not be sent as video, the reason (then the
    push is a text with the share-page link, still with the quick replies).
    """
    quick = clip_quick_reply(clip_id, locale, config, actions, other_modes)
    problem = video_problem(media, config)
    if problem is None:
        video = VideoMessage(
            original_content_url=media.video_url,
            preview_image_url=media.preview_url,
            quick_reply=quick,
        )
        return [video], None
    fallback = TextMessage(text=render("line.too_large_for_line", locale, url=page_url), quick_reply=quick)
    return [fallback], problem


def info_text(
    *,
    prompt: str,
    aspect: str,
    seconds: float,
    fps: int,
    seed: int | None,
    preset: str | None,
    lineage: list[tuple[uuid.UUID, object]],
    page_url: str,
    locale: str | None,
    report: RenderReport | None = None,
) -> str:
    """資訊: the recipe, what its render ran (the stored report, when there is one), lineage, link."""
    chain = " → ".join(kind_label(kind, locale) for _, kind in lineage)  # type: ignore[arg-type]
    text = render(
        "line.info",
        locale,
        prompt=shorten(prompt, 500),
        aspect=aspect,
        seconds=duration_text(seconds),
        fps=fps,
        seed=seed if seed is not None else "?",
        preset=preset or "?",
        lineage=chain,
        url=page_url,
    )
    return text if report is None else f"{text}\n{report_line(report, locale)}"
