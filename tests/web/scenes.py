"""The gallery most tests look at: zh-TW prompts, hostile prompts, remixes three levels deep,
a deleted clip, another person's clips, a member who left."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from reelbot.domain.types import Origin, Platform, ReferenceRole, RemixKind, SpeedMode

from .clipdata import ClipFactory, reference_png

HOSTILE = '"><img src=x onerror=alert(1)><script>alert("x")</script> 貓 & 狗 \u202eevil\u202c 🎬'
ALICE, BOB, CAROL = "111", "222", "333"


@dataclass
class Scene:
    alice_clips: list[uuid.UUID] = field(default_factory=list)  # newest first
    bob_clips: list[uuid.UUID] = field(default_factory=list)
    carol_clips: list[uuid.UUID] = field(default_factory=list)
    family: list[uuid.UUID] = field(
        default_factory=list
    )  # root, child, grandchild, great-grandchild, sibling
    deleted: uuid.UUID | None = None
    hostile: uuid.UUID | None = None
    root: uuid.UUID | None = None


async def build_scene(clips: ClipFactory, service: object) -> Scene:
    scene = Scene()
    start = datetime(2026, 11, 1, 12, tzinfo=UTC)
    day = timedelta(days=1)
    prompts = [
        "一隻紅色紙船漂在湖上",
        "台北夜市的霓虹燈，慢慢推近",
        "cat surfing a wave at sunset",
        "山間雲海翻騰，清晨的光",
    ]
    made = []
    for i, prompt in enumerate(prompts):
        speed = SpeedMode.DRAFT if i % 2 else SpeedMode.QUALITY
        m = await clips.make(
            user=ALICE,
            display_name="小艾 Alice",
            prompt=prompt,
            created_at=start + i * day,
            preset="tiny" if i < 3 else "tiny-ltx",
            speed=speed,
        )
        made.append(m.clip_id)
    root = made[0]
    child = (
        await clips.make(
            user=BOB,
            display_name="Bob",
            prompt="紙船變成金色",
            parent=root,
            kind=RemixKind.VARY,
            created_at=start + 5 * day,
        )
    ).clip_id
    grandchild = (
        await clips.make(
            user=ALICE,
            display_name="小艾 Alice",
            prompt="金色紙船飛上天空",
            parent=child,
            kind=RemixKind.REMIX,
            created_at=start + 6 * day,
            references=(
                (ReferenceRole.SUBJECT, reference_png(0.1)),
                (ReferenceRole.STYLE, reference_png(0.6)),
            ),
            signed=True,
        )
    ).clip_id
    great = (
        await clips.make(
            user=CAROL,
            display_name="Carol",
            prompt="飛得更遠",
            parent=grandchild,
            kind=RemixKind.EXTEND,
            created_at=start + 7 * day,
        )
    ).clip_id
    sibling = (
        await clips.make(
            user=ALICE,
            display_name="小艾 Alice",
            prompt="紙船 re-roll",
            parent=root,
            kind=RemixKind.REROLL,
            created_at=start + 8 * day,
        )
    ).clip_id
    private_remix = (
        await clips.make(
            user=BOB,
            display_name="Bob",
            prompt="Bob 的私人版本",
            parent=root,
            kind=RemixKind.REMIX,
            guild=None,
            created_at=start + 9 * day,
        )
    ).clip_id
    hostile = (
        await clips.make(user=ALICE, display_name="小艾 Alice", prompt=HOSTILE, created_at=start + 10 * day)
    ).clip_id
    doomed = (
        await clips.make(
            user=ALICE,
            display_name="小艾 Alice",
            prompt="這支會被刪除",
            parent=child,
            kind=RemixKind.VARY,
            created_at=start + 11 * day,
        )
    ).clip_id
    await service.delete_clip(doomed, by=Origin(platform=Platform.DISCORD, user_id=ALICE))  # type: ignore[attr-defined]
    carol_solo = (
        await clips.make(user=CAROL, display_name="Carol", prompt="Carol 的海邊", created_at=start + 12 * day)
    ).clip_id
    scene.root = root
    scene.family = [root, child, grandchild, great, sibling, private_remix, doomed]
    scene.deleted = doomed
    scene.hostile = hostile
    scene.alice_clips = [hostile, sibling, grandchild, *reversed(made)]
    scene.bob_clips = [private_remix, child]
    scene.carol_clips = [carol_solo, great]
    return scene


async def add_board(clips: ClipFactory, service: Any) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A two-shot storyboard of Alice's with an assembled draft (stored as the storyboard code
    stores it: board state + job mapping in Redis), and a board of Bob's that maps one of
    Alice's clips (it must not show in her gallery). Returns (board id, shot clip ids)."""
    from reelbot.app.storyboards.state import BoardState, DraftRecord, ShotRecord, create_board, map_job
    from reelbot.domain.types import GenerationRequest

    origin = Origin(platform=Platform.DISCORD, user_id=ALICE, guild_id="guild-1", channel_id="chan-1")
    later = datetime(2026, 11, 20, 12, tzinfo=UTC)
    shots = [
        await clips.make(
            user=ALICE,
            display_name="小艾 Alice",
            prompt=f"紙船的一天：鏡頭 {n}",
            created_at=later + timedelta(minutes=n),
        )
        for n in (1, 2)
    ]
    stray = await clips.make(
        user=ALICE, display_name="小艾 Alice", prompt="別人的分鏡裡的鏡頭", created_at=later
    )
    board_id, other_board = uuid.uuid4(), uuid.uuid4()
    draft_key, sheet_key = f"drafts/{board_id}/abc.mp4", f"drafts/{board_id}/abc.jpg"
    row = clips.clip_row(shots[0].clip_id)
    assert row is not None and row.video_key and row.thumbnail_key
    media = service.media
    media.put_bytes(draft_key, media.read_bytes(row.video_key))
    media.put_bytes(sheet_key, media.read_bytes(row.thumbnail_key))
    request = GenerationRequest(prompt="x", origin=origin)
    board = BoardState(
        board_id=board_id,
        key="k",
        title="紙船的一天 <i>",
        origin=origin,
        transitions=[],
        crossfade_seconds=0.0,
        shots=[ShotRecord(number=n, request=request, job_id=m.job_id) for n, m in enumerate(shots, 1)],
        draft=DraftRecord(
            job_ids=[m.job_id for m in shots],
            video_key=draft_key,
            contact_sheet_key=sheet_key,
            size_bytes=1,
            width=144,
            height=256,
            fps=8,
            num_frames=24,
        ),
    )
    assert await create_board(service, board)
    bob = board.model_copy(
        update={
            "board_id": other_board,
            "title": "Bob 的分鏡",
            "origin": origin.model_copy(update={"user_id": BOB}),
        }
    )
    assert await create_board(service, bob)
    for number, made in enumerate(shots, 1):
        await map_job(service, made.job_id, board_id, number)
    await map_job(service, stray.job_id, other_board, 1)
    return board_id, [m.clip_id for m in shots]
