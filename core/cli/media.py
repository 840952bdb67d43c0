"""``reelbot media-store migrate --to s3``: move a local media folder into the configured bucket.

Registered on the main app in :mod:`reelbot.cli`. Reads the folder the settings name
(``REELBOT_MEDIA_DIR`` or data_dir/media) and the bucket in ``REELBOT_MEDIA__S3__*``; the
deployment may still run on ``media.backend=local`` while it copies, then switch.
"""

from __future__ import annotations

import enum
from typing import Annotated

import typer
from rich.console import Console

from reelbot.cli import fail
from reelbot.cli.lang import cli_locale
from reelbot.domain.errors import ConfigError, ReelbotError
from reelbot.domain.messages import render

console = Console(stderr=True)
media_app = typer.Typer(help="Media store maintenance (local folder ↔ S3 bucket).", no_args_is_help=True)


class Target(enum.StrEnum):
    s3 = "s3"


@media_app.command()
def migrate(
    to: Annotated[Target, typer.Option("--to", help="where to copy the local media folder")] = Target.s3,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list what would be copied")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no line per object")] = False,
) -> None:
    """Copy every object of the local media folder into the bucket and verify each one
    (size and SHA-256 read back). Safe to run again: verified objects are not re-sent."""
    from reelbot.domain.settings import load_settings
    from reelbot.storage.media import MediaStore
    from reelbot.storage.media_migrate import migrate_to_s3
    from reelbot.storage.s3 import MediaUnavailable, S3MediaStore

    try:
        settings = load_settings()
        if not settings.media.s3.bucket:
            raise ConfigError(
                "config.invalid",
                variable="REELBOT_MEDIA__S3__BUCKET",
                reason="required by media-store migrate",
                count=1,
            )
        source = MediaStore.from_settings(settings)
        target = S3MediaStore.from_settings(settings)
    except ReelbotError as exc:
        raise fail(exc, code=2) from None

    def show(key: str, outcome: str) -> None:
        if not quiet or outcome in {"MISMATCH", "skipped"}:
            console.print(f"{outcome:>13}  {key}", highlight=False)

    try:
        report = migrate_to_s3(source, target, dry_run=dry_run, on_object=show)
    except MediaUnavailable as exc:
        raise fail(ReelbotError("media.migrate.unavailable", reason=str(exc))) from None
    if not report.ok:
        keys = ", ".join(report.mismatched[:10])
        raise fail(ReelbotError("media.migrate.mismatch", count=len(report.mismatched), keys=keys))
    typer.echo(
        render(
            "media.migrate.done",
            cli_locale(),
            verified=report.verified,
            bucket=settings.media.s3.bucket,
            copied=report.copied,
            already=report.already_there,
            skipped=len(report.skipped),
        )
    )


def register(app: typer.Typer) -> None:
    app.add_typer(media_app, name="media-store")  # `reelbot media` is the media server
