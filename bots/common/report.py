"""A clip's render report as one line of text, so Discord's Info and LINE's 資訊 say the same:
what ran (mode, steps, counted transformer passes, what the cache answered), how (attention
backend, memory plan, distilled weights) and what it cost (GPU-seconds, peak memory)."""

from __future__ import annotations

from reelbot.bots.common.controls import speed_label
from reelbot.domain.messages import render
from reelbot.domain.reports import RenderReport
from reelbot.domain.types import SpeedMode


def report_line(report: RenderReport, locale: str | None) -> str:
    try:
        mode = speed_label(SpeedMode(report.mode), locale)
    except ValueError:  # a mode a newer worker knows: shown as stored
        mode = report.mode
    peak = (
        render("report.peak", locale, mb=f"{report.peak_gpu_memory_mb:.0f}")
        if report.peak_gpu_memory_mb is not None
        else ""
    )
    lora = render("report.lora", locale, lora=report.lora) if report.lora else ""
    return render(
        "report.line",
        locale,
        mode=mode,
        steps=report.steps,
        passes=report.passes,
        skipped=report.passes_skipped,
        backend=report.attention_backend,
        plan=report.memory_plan,
        gpu_s=f"{report.gpu_seconds:.1f}",
        extra=peak + lora,
    )
