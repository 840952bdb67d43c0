"""A chat storyboard's finish: its shots' captions on the draft's shot timings, its beat snap
— what :func:`reelbot.app.finish.finish_draft` adds to a draft's finish task (its size, frame
rate and audio mode are :func:`reelbot.app.finish_plan.plan_for`'s, with the person's choices).

Why here and not in the bots: every way a draft is finished (Discord's after-render note and
``/finish board``, LINE 輸出成 Shorts) goes through ``finish_draft``, so the board's own finish
fields (kept in :class:`~reelbot.app.storyboards.state.BoardFinish`) reach all of them alike.

Captions: one :class:`~reelbot.domain.tasks.Caption` per captioned shot, from where the shot
begins in the joined draft to where the next begins (the assemble task's frame counts, kept in
the draft's record). A caption over the whole draft (the person's ``caption`` option) is
refused together with shot captions (``storyboard.caption_twice``): both would be on screen at
once, one over the other, which nobody who wrote per-shot captions wants. A draft record from
before shot timings were kept has none: its shot captions are refused (``storyboard.no_timings``)
rather than guessed from the planned lengths — re-rolling a shot assembles a new draft.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.storyboard import check_shot_caption
from reelbot.domain.tasks import Caption, Recut, finished_keys

if TYPE_CHECKING:
    import uuid

    from reelbot.app.storyboards.state import BoardState, DraftRecord
    from reelbot.domain.finish_config import FinishSettings


def shot_captions(board: BoardState, draft: DraftRecord, finish: FinishSettings) -> list[Caption]:
    """The board's shot captions as cues on the draft's shot timings ([] when it has none)."""
    wanted = board.finish.captions if board.finish else []
    if not any(wanted):
        return []
    spans = draft.shot_spans()
    if len(spans) != len(wanted):
        raise InvalidRequest("storyboard.no_timings", board_id=str(board.board_id)[:8])
    cues = []
    for index, (text, (start, end)) in enumerate(zip(wanted, spans, strict=True)):
        if text:
            tidy = check_shot_caption(index + 1, text, finish)
            cues.append(Caption(start=round(start, 6), end=round(end, 6), text=tidy, shot=index))
    return cues


def board_finish_fields(
    board: BoardState,
    draft: DraftRecord,
    task_id: uuid.UUID,
    *,
    caption: str | None,
    burn: bool,
    has_track: bool,
    finish: FinishSettings,
) -> dict[str, Any]:
    """Fields of the draft's :class:`~reelbot.domain.tasks.FinishTask` the board decides
    ({} for a board that asks nothing): shot captions (+ their .srt key), burn-in, and
    the re-cut onto the beats when the board asks for it and the finish has a track."""
    spec = board.finish
    if spec is None:
        return {}
    cues = shot_captions(board, draft, finish)
    if cues and caption:
        raise InvalidRequest("storyboard.caption_twice")
    fields: dict[str, Any] = {}
    if cues:
        fields.update(captions=cues, srt_key=finished_keys(task_id)[1], burn=burn or spec.burn)
    if spec.beat_snap and has_track and draft.clip_keys and draft.shot_spans():
        fields["recut"] = Recut(
            clip_keys=draft.clip_keys,
            transitions=[t.value for t in board.transitions],
            crossfade_seconds=board.crossfade_seconds,
            shot_frames=draft.shot_frames,
            overlaps=draft.overlaps,
            title=board.title,
            colour_match=board.colour_match,
        )
    return fields
