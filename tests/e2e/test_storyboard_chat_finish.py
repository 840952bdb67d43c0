"""A chat storyboard's finish gets what its file asks for: the shots' captions on the shot
timings of the joined draft, and (beat_snap) cuts trimmed onto the beats of the track.

Real Redis, SQLite, media store, the tiny worker and ffmpeg: the shots render as jobs, the
``assemble_draft`` task reports each shot's frames, ``finish_draft`` turns the board's shot
captions into cues on those frames, and the worker's finish writes the .srt (and, with
``beat_snap``, joins the shot clips again with the cut on a detected beat of a click track).
The expected times are computed here from the shot clips themselves, not from the record.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest

from reelbot.app.finish import FinishOptions, finish_draft, finished
from reelbot.app.finish_plan import finish_plan
from reelbot.app.finish_tracks import check_track
from reelbot.app.service import ReelbotService
from reelbot.app.storyboards import submit_storyboard
from reelbot.app.storyboards.state import DraftRecord, load_board
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.storyboard import parse_storyboard
from reelbot.domain.tasks import FINISH
from reelbot.generator.cache import EngineCache
from reelbot.generator.encode import probe
from reelbot.generator.finish.captions import parse_srt
from tests.bots.discord.test_finish_music import tasks_of
from tests.e2e.test_storyboard_jobs import ALICE, BOB, assembled, path_of, run_worker

CAPTIONED = """
title: 海邊
seed: 5
transition: crossfade
crossfade_seconds: 0.25
burn_captions: true
shots:
  - prompt: a woman ties her running shoes
    seconds: 1
    caption: 她綁好鞋帶
  - prompt: she runs along the beach at dawn
    seconds: 1.5
    caption: Off to the sea
"""

SNAPPED = """
title: On the beat
seed: 3
beat_snap: true
audio: clicks.wav
shots:
  - prompt: a paper boat on a lake
    seconds: 2
    caption: one
  - prompt: the boat drifts under a bridge
    seconds: 1
    caption: two
"""
PERIOD = 0.5  # 120 BPM
PHASE = 0.3  # clicks at 0.3, 0.8, 1.3, 1.8 … s: the 2-s cut goes back to 1.8


def clicks(path: Path, seconds: float = 8.0) -> bytes:
    """A click track at a known tempo and phase (ffmpeg's aevalsrc)."""
    expr = f"if(lt(mod(t+{PERIOD - PHASE}\\,{PERIOD})\\,0.04)\\,sin(2*PI*1500*t)\\,0)"
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run(
        [exe, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"aevalsrc='{expr}':s=44100:d={seconds}", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


async def _shot_lengths(service: ReelbotService, job_ids: tuple[object, ...]) -> list[int]:
    lengths = []
    for job_id in job_ids:
        view = await service.job(job_id)  # type: ignore[arg-type]
        assert view.clip_id is not None
        clip = await service.clip(view.clip_id)
        lengths.append(probe(path_of(service, clip.video_key or "")).num_frames)
    return lengths


async def test_shot_captions_land_on_the_shots_in_the_draft(
    service: ReelbotService, tiny_cache: EngineCache
) -> None:
    board = parse_storyboard(CAPTIONED, "YAML")
    ticket = await submit_storyboard(service, board, ALICE, images_by_name={}, idempotency_key="cap-1")
    assert await run_worker(service, tiny_cache) == 2
    draft = await assembled(service, ticket.board_id, tiny_cache)
    first, second = await _shot_lengths(service, ticket.job_ids)
    fade = round(0.25 * draft.fps)
    cut, end = (first - fade) / draft.fps, (first + second - fade) / draft.fps

    with pytest.raises(InvalidRequest) as refused:  # a whole-draft caption on top of them
        await finish_draft(
            service, ticket.board_id, ALICE, idempotency_key="cap-x", options=FinishOptions(caption="x")
        )
    assert refused.value.key == "storyboard.caption_twice"
    assert (await service.queue.depth())["fast"]["waiting"] == 0

    task = await finish_draft(service, ticket.board_id, ALICE, idempotency_key="cap-f")
    (row,) = tasks_of(service, FINISH)
    assert row.id == task.task_id and row.payload_json["burn"] is True  # burn_captions: true
    assert await run_worker(service, tiny_cache, tasks=1) == 0
    done = await finished(service, task.task_id)
    assert done.srt_key is not None
    cues = parse_srt(Path(path_of(service, done.srt_key)), service.settings.finish)
    frame = 1 / draft.fps
    assert [c.text for c in cues] == ["她綁好鞋帶", "Off to the sea"]
    assert abs(cues[0].start) <= frame and abs(cues[0].end - cut) <= frame, (cues, cut)
    assert abs(cues[1].start - cut) <= frame and abs(cues[1].end - end) <= frame, (cues, end)
    assert abs(done.duration_s - draft.seconds) <= frame


async def test_beat_snap_trims_the_cut_onto_a_beat_and_moves_its_captions(
    service: ReelbotService, tiny_cache: EngineCache, tmp_path: Path
) -> None:
    board = parse_storyboard(SNAPPED, "YAML")
    ticket = await submit_storyboard(service, board, ALICE, images_by_name={}, idempotency_key="beat-1")
    assert (await load_board(service, ticket.board_id)).finish.beat_snap  # type: ignore[union-attr]
    assert await run_worker(service, tiny_cache) == 2
    draft = await assembled(service, ticket.board_id, tiny_cache)
    first, _second = await _shot_lengths(service, ticket.job_ids)
    planned = first / draft.fps
    track = check_track(service, clicks(tmp_path / "clicks.wav"), "clicks.wav")
    task = await finish_draft(service, ticket.board_id, ALICE, idempotency_key="beat-f", track=track)
    assert await run_worker(service, tiny_cache, tasks=1) == 0
    done = await finished(service, task.task_id)
    assert done.srt_key is not None
    cues = parse_srt(Path(path_of(service, done.srt_key)), service.settings.finish)
    cut = cues[1].start
    frame = 1 / draft.fps
    assert cut < planned - frame, (cut, planned)  # trimmed back, never grown
    assert planned - cut <= service.settings.finish.beat_snap_max_shift_s + frame
    phase = (cut - PHASE) % PERIOD
    assert min(phase, PERIOD - phase) <= frame + 0.06, (cut, phase)  # on a click (onset ~23 ms)
    assert abs(cues[0].end - cut) <= 1e-3 and cues[0].text == "one"
    assert abs(done.duration_s - (draft.seconds - (planned - cut))) <= 2 * frame


async def test_a_draft_stored_before_shot_timings_still_finishes(service: ReelbotService) -> None:
    """An old record (no shot_frames/overlaps) and an old board (no finish fields) still read;
    a board without captions finishes as before, one with captions is refused — not guessed."""
    import uuid

    from reelbot.app.storyboards.state import update_board

    old_record = {
        "job_ids": [str(uuid.uuid4())], "video_key": "drafts/old/x.mp4",
        "contact_sheet_key": "drafts/old/x.jpg",
        "size_bytes": 10, "width": 480, "height": 832, "fps": 16, "num_frames": 16,
    }  # fmt: skip
    service.media.put_bytes("drafts/old/x.mp4", b"\x00" * 10)
    for text, key, caption, who in (
        (SNAPPED.replace("beat_snap: true\n", ""), "old-1", True, ALICE),
        (PLAIN, "old-2", False, BOB),  # another person: the pending cap holds 3 shots each
    ):
        board = parse_storyboard(text.replace("audio: clicks.wav\n", ""), "YAML")
        ticket = await submit_storyboard(service, board, who, images_by_name={}, idempotency_key=key)

        def old(state: Any, caption: bool = caption) -> None:
            state.draft = DraftRecord.model_validate(old_record)
            if not caption:
                state.finish = None  # a board stored before finish fields existed

        await update_board(service, ticket.board_id, old)
        loaded = await load_board(service, ticket.board_id)
        assert loaded.draft is not None and loaded.draft.shot_spans() == []
        if caption:
            with pytest.raises(InvalidRequest) as refused:
                await finish_draft(service, ticket.board_id, who, idempotency_key=f"{key}-f")
            assert refused.value.key == "storyboard.no_timings"
            assert "重新生成一個鏡頭" in refused.value.render("zh-TW")
        else:
            task = await finish_draft(service, ticket.board_id, who, idempotency_key=f"{key}-f")
            (row,) = [t for t in tasks_of(service, FINISH) if t.id == task.task_id]
            assert row.payload_json["captions"] == [] and row.payload_json["recut"] is None


PLAIN = """
title: Plain
shots:
  - prompt: a paper boat on a lake
    seconds: 1
"""


async def test_a_boards_own_frame_rate_holds_unless_the_person_chooses_one(service: ReelbotService) -> None:
    """``finish: {fps: 24}`` in the file is the draft's finished frame rate for the Finish
    button and LINE's quick reply (no fps chosen); a frame rate the person picks wins."""
    from reelbot.app.storyboards.state import update_board

    board = parse_storyboard(PLAIN.replace("shots:", "finish: {fps: 24}\nshots:"), "YAML")
    ticket = await submit_storyboard(service, board, ALICE, images_by_name={}, idempotency_key="fps-1")
    record = {
        "job_ids": [str(ticket.job_ids[0])], "video_key": "drafts/fps/x.mp4",
        "contact_sheet_key": "drafts/fps/x.jpg",
        "size_bytes": 10, "width": 480, "height": 832, "fps": 16, "num_frames": 16,
    }  # fmt: skip
    service.media.put_bytes("drafts/fps/x.mp4", b"\x00" * 10)

    def drafted(state: Any) -> None:
        state.draft = DraftRecord.model_validate(record)

    await update_board(service, ticket.board_id, drafted)
    rates = {}
    for key, options in (("fps-default", None), ("fps-chosen", FinishOptions(fps=30))):
        task = await finish_draft(service, ticket.board_id, ALICE, idempotency_key=key, options=options)
        (row,) = [t for t in tasks_of(service, FINISH) if t.id == task.task_id]
        rates[key] = row.payload_json["fps"]
    assert rates == {"fps-default": 24, "fps-chosen": 30}
    # what the chats' status lines name before queueing: the same rule
    assert (await finish_plan(service, FinishOptions(), ticket.board_id)).fps == 24
    assert (await finish_plan(service, FinishOptions(fps=30), ticket.board_id)).fps == 30
    assert (await finish_plan(service, FinishOptions())).fps == 30  # a clip's default
