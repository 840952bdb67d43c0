"""``reelbot models pull PRESET…``: weights into the models folder before a worker needs them."""

from __future__ import annotations

from typing import Annotated

import typer

models_app = typer.Typer(help="Model weights: download and verify ahead of time.", no_args_is_help=True)


@models_app.command("pull")
def pull(
    presets: Annotated[list[str], typer.Argument(help="preset names (reelbot generate --help lists them)")],
) -> None:
    """Download each preset's weights (and draft LoRAs) into data_dir/models and verify every file."""
    from reelbot.cli import console, fail, settings_or_exit
    from reelbot.cli.lang import cli_locale
    from reelbot.domain.errors import ReelbotError
    from reelbot.domain.messages import render
    from reelbot.domain.presets import get_preset
    from reelbot.generator.weights import pull_preset, weight_sources

    settings = settings_or_exit()
    models_dir = (settings.data_dir / "models").resolve()
    locale = cli_locale()
    bad = 0
    for name in presets:
        try:
            spec = get_preset(name)
            if not weight_sources(spec, models_dir):
                raise ReelbotError("models.not_pullable", preset=name)
            report = pull_preset(spec, models_dir, on_file=lambda line: console.print(line, highlight=False))
        except ReelbotError as exc:
            raise fail(exc, locale) from None
        if report.ok:
            size = f"{report.bytes / 2**20:.1f} MiB"
            console.print(render("models.pulled", locale, preset=name, files=report.files, size=size))
        else:
            bad += len(report.mismatched)
            files = "; ".join(report.mismatched[:5])
            console.print(render("models.mismatch", locale, count=len(report.mismatched), files=files))
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
