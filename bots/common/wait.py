"""A waiting job's place and ETA as chat text: the same words on Discord and LINE.

Pure functions of a :class:`~reelbot.app.waits.Wait` (or an estimate) and a locale. Durations
have one decimal (``1.5 min``, ``42.0 s``): an estimate should not look more precise than it
is, nor jump by whole minutes between two edits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reelbot.bots.common.status import percent, shorten, state_label
from reelbot.domain.messages import render
from reelbot.domain.types import JobState, short_id

if TYPE_CHECKING:
    from reelbot.app.estimates import Estimate
    from reelbot.app.views import JobView
    from reelbot.app.waits import Wait

#: Characters of a prompt in a plain-text job list (LINE's 排隊 answer).
LIST_PROMPT_CHARS = 40


def duration_phrase(seconds: float, locale: str | None) -> str:
    """``42.0 s`` under a minute, ``2.5 min`` under an hour, else ``1.2 h`` (one decimal)."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return render("wait.seconds", locale, value=f"{seconds:.1f}")
    if seconds < 3600:
        return render("wait.minutes", locale, value=f"{seconds / 60:.1f}")
    return render("wait.hours", locale, value=f"{seconds / 3600:.1f}")


def lane_label(lane: str, locale: str | None) -> str:
    return render(f"wait.lane.{lane}", locale)


def when_phrase(wait: Wait, locale: str | None) -> str:
    """``ready in about 1.5 min``, or that no worker serves the queue right now."""
    eta = wait.eta_s
    if eta is None:
        return render("wait.no_worker", locale)
    return render("wait.ready_in", locale, duration=duration_phrase(eta, locale))


def queued_line(wait: Wait, locale: str | None) -> str:
    """The status line of a waiting job (Discord edits it while the job waits)."""
    return render(
        "wait.queued",
        locale,
        position=wait.lane_position,
        lane=lane_label(wait.lane, locale),
        when=when_phrase(wait, locale),
    )


def ack_eta(wait: Wait | None, locale: str | None) -> str:
    """``\\n`` + the expected wait for an acknowledgement; empty when it is not known."""
    if wait is None or wait.eta_s is None:
        return ""
    return "\n" + render("wait.ack_eta", locale, duration=duration_phrase(wait.eta_s, locale))


def cost_source(estimate: Estimate, locale: str | None) -> str:
    """What a clip's GPU-second figure rests on: measured renders, or the model's size."""
    if estimate.source == "measured":
        return render("wait.cost_measured", locale, samples=estimate.samples)
    return render("wait.cost_profile", locale)


def plain_job_line(job: JobView, wait: Wait | None, locale: str | None) -> str:
    """One job of a plain-text list (no markdown: LINE): waiting with lane, place and ETA,
    rendering with its percentage, or its state."""
    prompt, job_id = shorten(job.request.prompt, LIST_PROMPT_CHARS), short_id(job.id)
    if job.state is JobState.QUEUED and wait is not None:
        return render(
            "wait.plain_queued",
            locale,
            prompt=prompt,
            job_id=job_id,
            position=wait.lane_position,
            lane=lane_label(wait.lane, locale),
            when=when_phrase(wait, locale),
        )
    if job.state is JobState.RUNNING:
        return render(
            "wait.plain_running",
            locale,
            prompt=prompt,
            job_id=job_id,
            percent=percent(job.step, job.total_steps),
        )
    return render(
        "wait.plain_other", locale, prompt=prompt, job_id=job_id, state=state_label(job.state, locale)
    )
