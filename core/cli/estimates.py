"""``reelbot estimates``: the GPU-seconds table refit from measured renders, for operators.

One row per registered preset and speed mode: how many finished jobs were measured, their
median GPU-seconds per clip, the scale applied to the static cost profile and which figure an
acknowledgement uses (``measured`` or ``profile``). Reads the database only (no Redis).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from reelbot.cli import run_async, settings_or_exit


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

    async def body() -> list[dict[str, object]]:
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
        ]

    rows = run_async(body)
    if as_json:
        for row in rows:
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
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    for line in cells:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    typer.echo(render("estimates.note", locale, last_n=last, min_samples=min_samples))


def register(app: typer.Typer) -> None:
    app.command("estimates")(estimates)
