"""``reelbot estimates``: the GPU-seconds table refit from measured renders, for operators.

One row per registered preset and speed mode: how many finished jobs were measured, their
median GPU-seconds per clip, the scale applied to the static cost profile and which figure an
acknowledgement uses (``measured`` or ``profile``). Then one row per charged task kind
(finish, music): its done tasks measured, their median seconds per second of output, the
seconds per second a task is charged (the profile × scale) and the same ``source``. Reads the
database only (no Redis).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from reelbot.cli import run_async, settings_or_exit

if TYPE_CHECKING:
    from reelbot.app.estimates import TaskFit


def estimates(
    last: Annotated[int, typer.Option(min=1, help="newest finished jobs per preset and mode")] = 50,
    min_samples: Annotated[int, typer.Option(min=1, help="fewer samples: the profile is used")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per row")] = False,
) -> None:
    """Print the refit table: preset, mode, samples, median s/clip, scale, source."""
    import asyncio

    from reelbot.app.estimates import Estimator
    from reelbot.cli.lang import cli_locale
    from reelbot.domain.messages import render
    from reelbot.storage.db import make_engine, migrate

    settings = settings_or_exit()

    async def body() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        engine = make_engine(settings.resolved_database_url)
        try:
            await asyncio.to_thread(migrate, engine)
            table = await Estimator(settings, engine, last_n=last, min_samples=min_samples).table()
        finally:
            await asyncio.to_thread(engine.dispose)
        return [
            {
                "preset": row.preset,
                "mode": row.mode,
                "samples": row.samples,
                "median_s": None if row.median_s is None else round(row.median_s, 3),
                "scale": round(row.scale, 4),
                "source": row.source,
            }
            for row in table.rows()
        ], [_task_row(fit) for fit in table.task_rows()]

    rows, task_rows = run_async(body)
    if as_json:
        for row in rows + task_rows:
            typer.echo(json.dumps(row))
        return
    locale = cli_locale()
    cells = [render("estimates.header", locale).split("  ")]
    for row in rows:
        median = "-" if row["median_s"] is None else f"{row['median_s']:.1f}"
        source = render(f"estimates.source.{row['source']}", locale)
        cells.append(
            [str(row["preset"]), str(row["mode"]), str(row["samples"]), median, f"{row['scale']:.2f}", source]
        )
    _table(cells)
    typer.echo(render("estimates.note", locale, last_n=last, min_samples=min_samples))
    typer.echo("")
    cells = [render("estimates.task_header", locale).split("  ")]
    for row in task_rows:
        median = "-" if row["median_s_per_unit"] is None else f"{row['median_s_per_unit']:.2f}"
        cells.append([
            str(row["task"]), render(f"estimates.unit.{row['unit']}", locale), str(row["samples"]), median,
            f"{row['fixed_s']:.1f}", f"{row['per_unit_s']:.2f}", f"{row['scale']:.2f}",
            render(f"estimates.source.{row['source']}", locale),
        ])  # fmt: skip
    _table(cells)
    typer.echo(render("estimates.task_note", locale, last_n=last, min_samples=min_samples))


def _task_row(fit: TaskFit) -> dict[str, object]:
    """A task kind's row as JSON: ``task`` (its kind) instead of a preset and mode."""
    median = None if fit.median_s_per_unit is None else round(fit.median_s_per_unit, 4)
    return {
        "task": fit.kind,
        "unit": fit.unit,
        "samples": fit.samples,
        "median_s_per_unit": median,
        "fixed_s": round(fit.fixed_s, 3),
        "per_unit_s": round(fit.per_unit_s, 4),
        "scale": round(fit.scale, 4),
        "source": fit.source,
    }


def _table(cells: list[list[str]]) -> None:
    """Print rows of cells left-aligned in columns (the header is the first row)."""
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    for line in cells:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def register(app: typer.Typer) -> None:
    app.command("estimates")(estimates)
