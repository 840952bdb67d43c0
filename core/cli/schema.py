"""``reelbot migrate``: bring the database schema to this build's revision, once, on purpose.

Why a command of its own: in a fleet every pod starting at once must not race to migrate
(and an old pod must never migrate a schema back or forward under a newer one). Compose runs
it as a one-shot service the others wait for, Kubernetes as a Job / Helm pre-install and
pre-upgrade hook (deploy/); long-running processes then only check the revision
(``storage.db.check_revision``) unless ``REELBOT_MIGRATE_ON_START`` says otherwise. The
one-box commands (``serve``, ``demo``, ``enqueue``…) keep migrating for themselves.
"""

from __future__ import annotations

from typing import Annotated

import typer

from reelbot.cli import run_async, settings_or_exit, where
from reelbot.cli.lang import cli_locale
from reelbot.domain.messages import render


def migrate(
    check: Annotated[
        bool, typer.Option("--check", help="change nothing; exit 1 if the database is behind this build")
    ] = False,
) -> None:
    """Migrate the database to this build's schema (idempotent; safe to run on every deploy)."""
    settings = settings_or_exit()

    async def body() -> tuple[str | None, str]:
        import asyncio

        from reelbot.storage.db import check_revision, current_revision, make_engine
        from reelbot.storage.db import migrate as migrate_schema

        engine = make_engine(settings.resolved_database_url)
        try:
            before = await asyncio.to_thread(current_revision, engine)
            await asyncio.to_thread(check_revision if check else migrate_schema, engine)
            return before, await asyncio.to_thread(current_revision, engine) or "none"
        finally:
            await asyncio.to_thread(engine.dispose)

    before, after = run_async(body)  # a database behind (with --check): one line, exit 1
    database = where(settings.resolved_database_url)
    key = "schema.current" if before == after else "schema.migrated"
    typer.echo(render(key, cli_locale(), before=before or "none", after=after, database=database))


def register(app: typer.Typer) -> None:
    app.command()(migrate)
