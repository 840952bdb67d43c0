"""LINE storyboards through the real webhook: a 分鏡 typed in zh-TW becomes the board Discord's
/storyboard builds (one ordinary job per shot, its recipe from the lines), 分鏡進度 answers for
free, a refused board queues nothing, shot outcomes are not pushed as clips, and the draft is
pushed once as a caption + LINE video even when two shot events both see the finished board."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from reelbot.app.storyboards import board_id_for, board_status
from reelbot.app.storyboards.state import DraftRecord, update_board
from reelbot.bots.line.board_replies import reroll_quick_reply
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.types import Aspect, Camera, JobState, Platform
from tests.bots.line.conftest import Harness, reply_texts, text_event
from tests.jobrecords import finish_job

BOARD = """分鏡 夜市的一晚 比例:16:9 種子:7
１．女孩走進雨中的夜市 ２秒

2. 她買了一杯珍珠奶茶 鏡頭:推近 1秒
- 她抬頭對著鏡頭微笑 | 1.5s
"""
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


def pushes(harness: Harness) -> list[dict[str, Any]]:
    return [d for d in harness.fake.delivered if d["via"] == "push"]


async def send_board(harness: Harness, text: str, user: str = "Ualice", **kw: Any) -> uuid.UUID:
    event = text_event(text, user=user, **kw)
    await harness.send(event)
    return board_id_for(f"line:{event['webhookEventId']}")


async def test_a_zh_tw_board_becomes_shots_and_reports_progress(harness: Harness) -> None:
    board_id = await send_board(harness, BOARD)
    status = await board_status(harness.service, board_id)
    assert status.title == "夜市的一晚" and status.total == 3
    assert all(shot.state is JobState.QUEUED and shot.job_id is not None for shot in status.shots)
    requests = [(await harness.service.job(shot.job_id)).request for shot in status.shots]  # type: ignore[arg-type]
    assert [(r.prompt, r.seconds) for r in requests] == [
        ("女孩走進雨中的夜市", 2.0),
        ("她買了一杯珍珠奶茶", 1.0),
        ("她抬頭對著鏡頭微笑", 1.5),
    ]
    assert [r.camera for r in requests] == [None, Camera.ZOOM_IN, None]
    assert [r.seed for r in requests] == [7, 8, 9]  # the board's seed + n - 1, as for a file
    assert {r.aspect for r in requests} == {Aspect.LANDSCAPE}
    assert {(r.origin.platform, r.origin.channel_id) for r in requests} == {(Platform.LINE, "Ualice")}
    accepted = reply_texts(harness.fake)[-1]
    assert accepted.startswith("收到分鏡「夜市的一晚」") and "3 個鏡頭" in accepted and "4.5 秒" in accepted

    await harness.send(text_event("分鏡進度"))
    assert (
        reply_texts(harness.fake)[-1].startswith("分鏡「夜市的一晚」")
        and "0/3" in reply_texts(harness.fake)[-1]
    )
    assert pushes(harness) == []  # replies only: nothing counted against the push quota


async def test_the_word_alone_shows_how_and_a_bad_board_queues_nothing(harness: Harness) -> None:
    await harness.send(text_event("分鏡"))
    assert reply_texts(harness.fake)[-1] == render("line.storyboard_help", "zh-TW", max_shots=60)
    await send_board(harness, "分鏡 夜市\n1. 女孩走進夜市 2秒\n2.\n3. 收攤 1秒")
    assert reply_texts(harness.fake)[-1] == render("line.storyboard_shot_empty", "zh-TW", shot=2)
    await send_board(harness, "分鏡 夜市\n1. 女孩走進夜市 30秒")  # past limits.max_seconds
    assert "第 1 個鏡頭" in reply_texts(harness.fake)[-1]
    await harness.send(text_event("分鏡進度"))
    assert reply_texts(harness.fake)[-1] == render("line.storyboard_none", "zh-TW")
    assert await harness.job_count() == 0


async def test_in_english_and_in_a_group_with_a_mention(harness: Harness) -> None:
    await harness.bot.state.cache_locale("Ubob", "en")
    text = "@reelbot storyboard Boats\n1. a paper boat on a lake 1s\n2. it drifts under a bridge 1s"
    board_id = await send_board(harness, text, user="Ubob", group="Cgroup", mention_self_at=(0, 8))
    status = await board_status(harness.service, board_id)
    assert status.title == "Boats" and status.total == 2  # the mention's removal kept the lines
    assert reply_texts(harness.fake)[-1].startswith("Got storyboard Boats")
    assert status.origin.channel_id == "Cgroup" and status.origin.locale == "en"
    # The draft's "Re-roll shot N" quick replies carry the trigger in a group (text needs one there).
    items = reroll_quick_reply(status, harness.bot.config).items
    texts = [item.action.text for item in items]  # type: ignore[union-attr]
    trigger = harness.bot.config.triggers[0]
    assert texts == [f"{trigger} reroll shot {n} #{str(board_id)[:8]}" for n in (1, 2)]
    await harness.send(text_event(texts[0], user="Ubob", group="Cgroup"))
    assert reply_texts(harness.fake)[-1].startswith(
        f"OK, re-rolling shot 1 of storyboard {str(board_id)[:8]}"
    )


async def test_shot_outcomes_then_one_draft_push(harness: Harness) -> None:
    board_id = await send_board(harness, "分鏡 紙船\n1. 一艘紙船 1秒\n2. 紙船漂走 1秒")
    status = await board_status(harness.service, board_id)
    jobs = [shot.job_id for shot in status.shots]
    origin = status.origin
    deliver = harness.bot.deliverer.deliver

    first = finish_job(harness.service.db, jobs[0])  # type: ignore[arg-type]
    done_1 = JobEvent(kind=EventKind.DONE, job_id=jobs[0], origin=origin, clip_id=first.id)  # type: ignore[arg-type]
    assert await deliver(done_1)
    assert pushes(harness) == []  # a shot is not pushed as a clip; the board is not done yet

    second = finish_job(harness.service.db, jobs[1])  # type: ignore[arg-type]
    # The draft as assembled (the stitching itself is tested in tests/e2e/test_storyboard_jobs).
    media = harness.service.media
    media.put_bytes(f"drafts/{board_id}/abc.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500)
    media.put_bytes(f"drafts/{board_id}/abc.jpg", JPEG)
    record = DraftRecord(
        job_ids=jobs,  # type: ignore[arg-type]
        video_key=f"drafts/{board_id}/abc.mp4",
        contact_sheet_key=f"drafts/{board_id}/abc.jpg",
        size_bytes=520,
        width=256,
        height=144,
        fps=8,
        num_frames=16,
    )

    def keep(state: Any) -> None:
        state.draft = record

    await update_board(harness.service, board_id, keep)
    done_2 = JobEvent(kind=EventKind.DONE, job_id=jobs[1], origin=origin, clip_id=second.id)  # type: ignore[arg-type]
    assert await deliver(done_2)
    assert await deliver(done_1)  # shot 1's event again (a retry): the same draft is not pushed twice
    (push,) = pushes(harness)
    caption, video = push["messages"]
    assert caption["text"] == "\n".join(
        [
            render(
                "line.storyboard_draft", "zh-TW", title="紙船", shots=2, seconds="2.0", width=256, height=144
            ),
            render("line.storyboard_reroll_hint", "zh-TW"),
        ]
    )
    assert video["type"] == "video"
    assert video["originalContentUrl"].startswith(harness.base_url + "/media/drafts/")
    assert video["previewImageUrl"].startswith(harness.base_url + "/media/drafts/")

    # Under the draft: 輸出成 Shorts (a postback naming the board), then "重拍第 N 鏡" per shot,
    # message actions the typed command understands.
    finish, *items = video["quickReply"]["items"]
    assert (finish["action"]["type"], finish["action"]["label"], finish["action"]["data"]) == (
        "postback",
        "輸出成 Shorts",
        f"finish_draft:{board_id}",
    )
    short = str(board_id)[:8]
    assert [(i["action"]["type"], i["action"]["label"], i["action"]["text"]) for i in items] == [
        ("message", "重拍第 1 鏡", f"重拍 1 #{short}"),
        ("message", "重拍第 2 鏡", f"重拍 2 #{short}"),
    ]
    old_seed = (await harness.service.job(jobs[1])).request.seed  # type: ignore[arg-type]
    await harness.send(text_event(items[1]["action"]["text"]))
    assert reply_texts(harness.fake)[-1].startswith(f"好的，重拍分鏡 {short} 的第 2 個鏡頭")
    after = await board_status(harness.service, board_id)
    assert after.shots[0].job_id == jobs[0] and after.shots[1].job_id not in (None, jobs[1])
    take = (await harness.service.job(after.shots[1].job_id)).request  # type: ignore[arg-type]
    assert take.prompt == "紙船漂走" and take.seed != old_seed
    assert not after.complete  # the new take renders; its done event brings the next draft


async def test_reroll_refusals(harness: Harness) -> None:
    await harness.send(text_event("重拍 2"))
    assert reply_texts(harness.fake)[-1] == render("line.storyboard_none", "zh-TW")
    board_id = await send_board(harness, "分鏡 紙船\n1. 一艘紙船 1秒\n2. 紙船漂走 1秒")
    await harness.send(text_event("重拍"))
    assert reply_texts(harness.fake)[-1] == render("line.storyboard_reroll_how", "zh-TW")
    await harness.send(text_event("重拍 5"))
    assert reply_texts(harness.fake)[-1] == render("storyboard.shot_unknown", "zh-TW", shot=5, count=2)
    await harness.send(text_event("重拍 1 #00000000"))  # a quick reply under an older board's draft
    assert reply_texts(harness.fake)[-1] == render("storyboard.not_found", "zh-TW", board_id="00000000")
    assert len((await board_status(harness.service, board_id)).shots) == 2
    assert await harness.job_count() == 2  # the board's two shots, no re-roll


async def test_a_failed_shot_is_pushed_with_its_number(harness: Harness) -> None:
    board_id = await send_board(harness, "分鏡 紙船\n1. 一艘紙船 1秒\n2. 紙船漂走 1秒")
    status = await board_status(harness.service, board_id)
    job_id = status.shots[1].job_id
    assert job_id is not None
    await harness.service.cancel(job_id, by=status.origin)
    assert await harness.bot.deliverer.deliver(
        JobEvent(kind=EventKind.CANCELLED, job_id=job_id, origin=status.origin)
    )
    (push,) = pushes(harness)
    assert push["messages"][0]["text"].startswith("分鏡「紙船」的第 2 個鏡頭沒有完成")


@pytest.mark.slow
async def test_a_rendered_board_arrives_as_one_draft_video(harness: Harness) -> None:
    """The whole path once, with a real worker on the tiny preset (two half-second shots): the
    draft the storyboards package assembles is what LINE gets, its preview a real JPEG."""
    from reelbot.cli.wiring import worker_for
    from reelbot.generator.cache import EngineCache, detect_device

    cache = EngineCache(detect_device(harness.settings))  # one model load for every burst
    await send_board(harness, "分鏡 紙船 種子:3\n1. 一艘紙船 0.5秒\n2. 紙船漂走 0.5秒")
    harness.bot.deliverer.retry_delay_s = 0
    harness.bot.config.events_block_ms = 10
    for _ in range(6):  # shots, then (where assembly is a worker task) the draft
        await worker_for(harness.service, name="line-board", burst=True, cache=cache).run()
        for _ in range(20):
            await harness.bot.deliverer.step()
        if pushes(harness):
            break
    (push,) = pushes(harness)
    caption, video = push["messages"]
    assert caption["text"].startswith("分鏡「紙船」的草稿完成了：2 個鏡頭")
    async with harness.http.get(video["originalContentUrl"]) as response:
        assert response.status == 200 and (await response.read())[4:8] == b"ftyp"
    async with harness.http.get(video["previewImageUrl"]) as response:
        preview = await response.read()
    assert preview[:3] == b"\xff\xd8\xff" and len(preview) <= 1_000_000


def png(color: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (96, 160), color).save(buf, "PNG")
    return buf.getvalue()


async def test_a_character_photo_goes_to_every_shot(harness: Harness) -> None:
    import hashlib

    from reelbot.domain.types import ReferenceRole
    from tests.bots.line.conftest import image_event
    from tests.fakes.line_api import Content

    harness.fake.contents["hero"] = Content(png((200, 40, 40)), "image/png")
    harness.fake.contents["start"] = Content(png((10, 10, 200)), "image/png")
    await harness.send(text_event("角色"))
    await harness.send(image_event("hero"))
    await harness.send(image_event("start"))  # unmarked: a first frame, which a board does not take
    board_id = await send_board(harness, "分鏡 英雄\n1. 她走進夜市 1秒\n2. 她笑了 1秒")
    status = await board_status(harness.service, board_id)
    assert all(shot.state is JobState.QUEUED for shot in status.shots)
    sha = hashlib.sha256(png((200, 40, 40))).hexdigest()
    for shot in status.shots:
        request = (await harness.service.job(shot.job_id)).request  # type: ignore[arg-type]
        assert [(ref.role, ref.sha256) for ref in request.references] == [(ReferenceRole.SUBJECT, sha)]
    waiting = await harness.bot.state.photos("Ualice", "Ualice")
    assert [(p.message_id, p.role) for p in waiting] == [("start", ReferenceRole.FIRST_FRAME)]


async def test_a_face_asks_consent_once_for_the_whole_board(harness: Harness) -> None:
    from importlib import resources

    from tests.bots.line.conftest import image_event, last_reply
    from tests.fakes.line_api import Content

    face = (resources.files("skimage") / "data" / "astronaut.png").read_bytes()
    harness.fake.contents["face"] = Content(face, "image/png")
    await harness.send(text_event("角色"))
    await harness.send(image_event("face"))
    board_id = await send_board(harness, "分鏡 太空人\n1. 太空人揮手 1秒\n2. 太空人微笑 1秒")
    short = str(board_id)[:8]
    message = last_reply(harness)
    assert message["text"] == render("consent.required", "zh-TW", job_id=short)
    items = [
        (i["action"]["type"], i["action"]["label"], i["action"]["text"])
        for i in message["quickReply"]["items"]
    ]
    assert items == [("message", "我已取得同意", f"同意 #{short}"), ("message", "取消", f"不同意 #{short}")]
    status = await board_status(harness.service, board_id)
    assert {shot.state for shot in status.shots} == {JobState.AWAITING_CONSENT}

    await harness.send(text_event(f"同意 #{short}"))
    assert reply_texts(harness.fake)[-1] == render("consent.confirmed", "zh-TW", job_id=short)
    status = await board_status(harness.service, board_id)
    assert {shot.state for shot in status.shots} == {JobState.QUEUED}
    await harness.send(text_event(f"同意 #{short}"))  # a second tap: nothing waits any more
    assert reply_texts(harness.fake)[-1] == render("line.storyboard_consent_nothing", "zh-TW", board_id=short)


async def test_declining_a_boards_consent_cancels_it_without_pushes(harness: Harness) -> None:
    from importlib import resources

    from tests.bots.line.conftest import deliver_all, image_event
    from tests.fakes.line_api import Content

    face = (resources.files("skimage") / "data" / "astronaut.png").read_bytes()
    harness.fake.contents["face2"] = Content(face, "image/png")
    await harness.send(text_event("風格"))
    await harness.send(image_event("face2"))
    board_id = await send_board(harness, "分鏡 太空人\n1. 太空人揮手 1秒\n2. 太空人微笑 1秒")
    short = str(board_id)[:8]
    await harness.send(text_event(f"不同意 #{short}"))
    assert reply_texts(harness.fake)[-1] == render("consent.declined", "zh-TW", job_id=short)
    status = await board_status(harness.service, board_id)
    assert {shot.state for shot in status.shots} == {JobState.CANCELLED}
    await deliver_all(harness)
    assert pushes(harness) == []  # the reply said it: no "shot N did not render" pushes


async def test_a_failed_draft_task_is_pushed(harness: Harness) -> None:
    board_id = await send_board(harness, "分鏡 紙船\n1. 一艘紙船 1秒")
    status = await board_status(harness.service, board_id)
    failed = JobEvent(
        kind=EventKind.FAILED,
        job_id=uuid.uuid4(),
        origin=status.origin,
        task="assemble_draft",
        error_key=None,
    )
    assert await harness.bot.deliverer.deliver(failed)
    (push,) = pushes(harness)
    assert push["messages"][0]["text"].startswith("分鏡「紙船」的草稿沒有合成成功：")


async def test_speed_reaches_the_shots_and_a_mode_the_preset_lacks_is_refused(harness: Harness) -> None:
    from reelbot.domain.types import SpeedMode
    from tests.bots.line.conftest import image_event
    from tests.fakes.line_api import Content

    board_id = await send_board(harness, "分鏡 快拍 速度:快\n1. 貓 1秒\n2. 狗 速度:品質 1秒")
    status = await board_status(harness.service, board_id)
    speeds = [(await harness.service.job(s.job_id)).request.speed for s in status.shots]  # type: ignore[arg-type]
    assert speeds == [SpeedMode.DRAFT, SpeedMode.QUALITY]

    # A character photo routes the board to tiny-vace, which has no draft mode: refused, naming
    # the shot, before anything is queued.
    harness.fake.contents["hero2"] = Content(png((30, 200, 30)), "image/png")
    await harness.send(text_event("角色", user="Ucarol"))
    await harness.send(image_event("hero2", user="Ucarol"))
    await send_board(harness, "分鏡 英雄 速度:快\n1. 她走進夜市 1秒", user="Ucarol")
    reply = reply_texts(harness.fake)[-1]
    assert "第 1 個鏡頭" in reply and "draft" in reply, reply
    assert await harness.service.jobs_for(Platform.LINE, "Ucarol") == []
