"""How a job's state reads in a chat: queue position and ETA, a progress bar, the outcome.

Pure functions from (event or job view, locale) to text, so Discord edits and LINE pushes say
the same thing and tests can check the text without a platform.
"""

from __future__ import annotations

import math

from reelbot.domain.events import EventKind, JobEvent, failure_reason
from reelbot.domain.messages import render
from reelbot.domain.types import JobState, ReferenceRole, RemixKind

BAR_WIDTH = 12
_FULL, _EMPTY = "█", "░"


def progress_bar(step: int, total: int, width: int = BAR_WIDTH) -> str:
    """``██████░░░░░░`` for step/total; never more than full, never negative."""
    if total <= 0:
        return _EMPTY * width
    filled = max(0, min(width, round(width * step / total)))
    return _FULL * filled + _EMPTY * (width - filled)


def percent(step: int | None, total: int | None) -> int:
    if not step or not total:
        return 0
    return max(0, min(100, math.floor(100 * step / total)))


def eta_text(position: int | None, seconds_per_job: float, locale: str | None) -> str:
    """`` (about N min)`` from the queue position; empty when unknown."""
    if not position or seconds_per_job <= 0:
        return ""
    minutes = max(1, math.ceil(position * seconds_per_job / 60))
    return render("status.eta", locale, minutes=minutes)


def queued_text(position: int | None, seconds_per_job: float, locale: str | None) -> str:
    eta = eta_text(position, seconds_per_job, locale)
    if position is None or position <= 1:
        return render("status.queued_next", locale, eta=eta)
    return render("status.queued", locale, position=position, eta=eta)


def event_text(event: JobEvent, locale: str | None, *, seconds_per_job: float = 60.0) -> str:
    """One status line for a job event."""
    if event.kind is EventKind.QUEUED:
        return queued_text(event.position, seconds_per_job, locale)
    if event.kind is EventKind.STARTED:
        return render("status.started", locale)
    if event.kind is EventKind.PROGRESS:
        step, total = event.step or 0, event.total_steps or 0
        return render(
            "status.rendering",
            locale,
            bar=progress_bar(step, total),
            percent=percent(step, total),
            step=step,
            total=total,
        )
    if event.kind is EventKind.DONE:
        return render("status.done", locale)
    if event.kind is EventKind.CANCELLED:
        return render("status.cancelled", locale)
    reason = failure_reason(event.error_key, event.error_detail, str(event.job_id), locale)
    return render("status.failed", locale, reason=reason)


def state_label(state: JobState | str, locale: str | None) -> str:
    """A job state as a word in the person's language (``排隊中``), never the raw enum value."""
    try:
        return render(f"state.{JobState(state).value}", locale)
    except ValueError:
        return str(state)


def role_label(role: ReferenceRole | str, locale: str | None) -> str:
    """What a reference image is for, in words (``第一格``), not ``first_frame``."""
    try:
        return render(f"role.{ReferenceRole(role).value}", locale)
    except ValueError:
        return str(role)


def duration_text(seconds: float) -> str:
    """A clip's length with one decimal (``1.1``), never ``1.125``."""
    return f"{seconds:.1f}"


def kind_label(kind: RemixKind | None, locale: str | None) -> str:
    return render(f"kind.{kind.value}" if kind else "kind.root", locale)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (for captions and lists)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"
