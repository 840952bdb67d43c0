"""``reelbot verify`` and ``reelbot audit``: provenance and audit questions from a shell.

Registered on the main app in :mod:`reelbot.cli`. ``verify`` needs nothing but the file
(and c2pa-python for the C2PA part); ``audit`` reads the database named by the settings.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from reelbot.domain.errors import ReelbotError

console = Console(stderr=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def verify(
    clip: Annotated[Path, typer.Argument(help="an mp4 made by reelbot (or any mp4)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the full report as JSON")] = False,
) -> None:
    """Check a clip's AI-generated label and C2PA content credentials; exit 1 if incomplete."""
    from reelbot.domain.messages import render
    from reelbot.generator.provenance import verify_clip

    try:
        report = verify_clip(clip)
    except ReelbotError as exc:
        console.print(f"[red]error:[/red] {exc.render()}", highlight=False)
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps({**_jsonable(dataclasses.asdict(report)), "ok": report.ok}, indent=2))
    else:
        c2pa = "valid" if report.c2pa_valid else ("INVALID" if report.c2pa_present else "missing")
        if report.c2pa_valid and not report.trusted:
            c2pa += " (signer not on a trust list)"
        typer.echo(
            render(
                "provenance.verify_summary",
                "en",
                path=clip.name,
                ai="yes" if report.ai_label else "no",
                c2pa=c2pa,
                generator=report.claim_generator or "-",
            )
        )
        typer.echo(
            f"AI-generated assertion: {'yes' if report.ai_generated_assertion else 'no'}; "
            f"moov before mdat: {report.moov_before_mdat}"
        )
        for problem in report.problems:
            typer.echo(f"problem: {problem}")
    raise typer.Exit(code=0 if report.ok else 1)


def audit(clip_id: Annotated[uuid.UUID, typer.Argument(help="clip id")]) -> None:
    """Print a clip's audit record (who, where, references, preset, seed, moderation, consent)."""
    from reelbot.app.safety.audit import audit_record
    from reelbot.domain.settings import load_settings
    from reelbot.storage.db import make_engine, session_scope

    try:
        settings = load_settings()
        engine = make_engine(settings.resolved_database_url)
        try:
            with session_scope(engine) as session:
                record = audit_record(session, clip_id)
        finally:
            engine.dispose()
    except ReelbotError as exc:
        console.print(f"[red]error:[/red] {exc.render()}", highlight=False)
        raise typer.Exit(code=1) from None
    typer.echo(json.dumps(_jsonable(dataclasses.asdict(record)), ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    app.command()(verify)
    app.command()(audit)
