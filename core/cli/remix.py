"""``reelbot extend|loop|vary|remix|reroll|quality CLIP_ID``: a new clip from any stored clip's recipe.

Registered on the main app in :mod:`reelbot.cli`. Every command goes through the service's
public remix path (:meth:`ReelbotService.remix`), so the CLI gets exactly the rules the chat
buttons get: a deleted clip is refused, an Extend past ``limits.max_total_seconds`` is refused
before anything is queued, quotas and idempotency apply. It prints the job id on stdout (for
scripts) and one line on stderr with its position, in the terminal's language
(:func:`reelbot.cli.lang.cli_locale`). A worker (``reelbot worker``) renders the job.

``loop`` has no remix kind of its own (``GenerationRequest.loop`` is a flag of the recipe, not
a kind of derivation): ``reelbot loop`` starts the registered ``loop`` clip action
(core/app/actions/loop.py, the same one as the LINE quick reply and the Discord button) — the
parent's recipe with ``loop=True`` as a new clip whose lineage is the parent, remix kind
``remix``: the same seed and prompt, "this clip, closed on itself", a last-frame reference
dropped (a loop's last frame is its first). Without that action registered it submits the same
request itself.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import typer

from reelbot.cli.ids import typed_id_or_exit
from reelbot.domain.errors import NotFound
from reelbot.domain.types import ReferenceRole, RemixKind, SpeedMode, Variation

ClipArg = Annotated[str, typer.Argument(help="the clip's id (from `reelbot status JOB_ID` or its page)")]
KeyOpt = Annotated[str | None, typer.Option(help="idempotency key (default: random)")]
SpeedOpt = Annotated[
    SpeedMode | None, typer.Option(help="quality / balanced / draft (default: the parent clip's mode)")
]


def _label(key: str, locale: str, fallback: str) -> str:
    from reelbot.domain.messages import render

    try:
        return render(key, locale)
    except KeyError:
        return fallback


async def _loop(service: Any, clip_id: uuid.UUID, origin: Any, key: str) -> Any:
    """The parent's recipe closed into a loop, submitted as a new clip (see the module docstring).

    Once a ``loop`` clip action is registered (reelbot.app.actions), that one is used instead,
    so the CLI and the chat buttons cannot drift apart."""
    from reelbot.app.actions import get_action

    action = get_action("loop")
    if action is not None and action.generates:
        return await service.start_action("loop", clip_id, origin, idempotency_key=key)
    clip = await service.clip(clip_id)
    if clip.deleted:
        raise NotFound("clip.not_found")
    parent = clip.request
    request = parent.model_copy(
        update={
            "origin": origin,
            "parent_clip_id": clip.id,
            "remix_kind": RemixKind.REMIX,
            "loop": True,
            "variation": None,
            "variation_salt": 0,
            "references": tuple(ref for ref in parent.references if ref.role is not ReferenceRole.LAST_FRAME),
        }
    )
    return await service.submit(request, idempotency_key=key)


def submit_remix(
    label: str,
    clip: str,
    kind: RemixKind | None,
    *,
    key: str | None = None,
    prompt: str | None = None,
    variation: Variation | None = None,
    speed: SpeedMode | None = None,
) -> None:
    """Open the service, submit, print; ``kind=None`` means a loop. Errors: one line, exit 1."""
    from reelbot.cli import _with_service, cli_origin, console, run_async, settings_or_exit
    from reelbot.cli.lang import cli_locale
    from reelbot.domain.messages import render

    locale = cli_locale()
    clip_id = typed_id_or_exit(clip, "cli.clip_id_invalid", locale)
    settings = settings_or_exit()
    origin = cli_origin()
    idempotency_key = key or f"cli:{label}:{uuid.uuid4()}"

    async def body(service: Any) -> None:
        if kind is None:
            ticket = await _loop(service, clip_id, origin, idempotency_key)
        else:
            ticket = await service.remix(
                clip_id,
                kind,
                origin,
                idempotency_key=idempotency_key,
                prompt=prompt,
                variation=variation,
                speed=speed,
            )
        position = ticket.position if ticket.position is not None else render("cli.position_none", locale)
        line = render(
            "cli.remix_duplicate" if ticket.duplicate else "cli.remix_queued",
            locale,
            kind=render(f"cli.kind.{label}", locale),
            clip=str(clip_id)[:8],
            job=ticket.job_id,
            state=_label(f"state.{ticket.state.value}", locale, ticket.state.value),
            position=position,
        )
        console.print(line, highlight=False, markup=False)
        typer.echo(str(ticket.job_id))

    run_async(lambda: _with_service(settings, body))


def extend(
    clip: ClipArg,
    prompt: Annotated[str | None, typer.Argument(help="what happens next (default: the same prompt)")] = None,
    key: KeyOpt = None,
    speed: SpeedOpt = None,
) -> None:
    """Continue a clip from its last frame (refused past the longest total length)."""
    submit_remix("extend", clip, RemixKind.EXTEND, key=key, prompt=prompt, speed=speed)


def loop(clip: ClipArg, key: KeyOpt = None) -> None:
    """The same recipe again, ending where it starts: a new clip with the parent as lineage."""
    submit_remix("loop", clip, None, key=key)


def vary(
    clip: ClipArg,
    strong: Annotated[bool, typer.Option("--strong", help="a bigger change (default: subtle)")] = False,
    key: KeyOpt = None,
    speed: SpeedOpt = None,
) -> None:
    """Same seed and prompt, a small (or with --strong, a bigger) change."""
    submit_remix(
        "vary_strong" if strong else "vary",
        clip,
        RemixKind.VARY,
        key=key,
        variation=Variation.STRONG if strong else Variation.SUBTLE,
        speed=speed,
    )


def remix(
    clip: ClipArg,
    prompt: Annotated[str, typer.Argument(help="the new prompt")],
    key: KeyOpt = None,
    speed: SpeedOpt = None,
) -> None:
    """The clip's recipe and references with a new prompt."""
    submit_remix("remix", clip, RemixKind.REMIX, key=key, prompt=prompt, speed=speed)


def reroll(clip: ClipArg, key: KeyOpt = None, speed: SpeedOpt = None) -> None:
    """The same recipe with a new seed."""
    submit_remix("reroll", clip, RemixKind.REROLL, key=key, speed=speed)


def quality(clip: ClipArg, key: KeyOpt = None) -> None:
    """A draft or balanced clip's exact recipe (seed, prompt, references) again in quality mode."""
    submit_remix("quality", clip, RemixKind.QUALITY, key=key)


def register(app: typer.Typer) -> None:
    """Add the remix commands to the main ``reelbot`` app."""
    for command in (extend, loop, vary, remix, reroll, quality):
        app.command()(command)
