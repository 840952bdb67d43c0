"""Photos as references: roles, the keyword marks, groups, and bad input (50 MB, not an image)."""

from __future__ import annotations

import io

from PIL import Image

from reelbot.domain.types import Platform, ReferenceRole
from tests.bots.line.conftest import Harness, file_event, image_event, reply_texts, text_event
from tests.fakes.line_api import Content

MiB = 1024 * 1024


def png(color: tuple[int, int, int], size: tuple[int, int] = (64, 96)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


async def roles_of_only_job(harness: Harness, user: str = "Ualice") -> list[ReferenceRole]:
    (job,) = await harness.service.jobs_for(Platform.LINE, user)
    return [ref.role for ref in job.request.references]


async def test_photo_then_prompt_is_the_first_frame(harness: Harness) -> None:
    harness.fake.contents["m1"] = Content(png((200, 30, 30)), "image/png")
    await harness.send(image_event("m1"))
    assert reply_texts(harness.fake) == [
        "收到照片，會當作「第一格」。接著傳送提示詞（5 分鐘內）即可生成影片。"
    ]
    await harness.send(text_event("讓它動起來"))
    assert await roles_of_only_job(harness) == [ReferenceRole.FIRST_FRAME]
    # The photos were used: the next prompt has none.
    await harness.send(text_event("下一支"))
    jobs = await harness.service.jobs_for(Platform.LINE, "Ualice")
    assert sorted(len(j.request.references) for j in jobs) == [0, 1]


async def test_second_photo_is_the_end_frame_and_marks_set_roles(harness: Harness) -> None:
    harness.fake.contents.update(
        {
            "m1": Content(png((200, 0, 0)), "image/png"),
            "m2": Content(png((0, 200, 0)), "image/png"),
            "m3": Content(png((0, 0, 200)), "image/png"),
        }
    )
    await harness.send(image_event("m1"), image_event("m2"))  # one delivery, order kept
    await harness.send(text_event("風格"), image_event("m3"))
    texts = reply_texts(harness.fake)
    assert "結尾" in texts[1] and texts[2] == "好的，下一張照片會當作「風格」。"
    assert "風格" in texts[3]
    await harness.send(text_event("變身 比例:9:16"))
    assert sorted(await roles_of_only_job(harness)) == sorted(
        [ReferenceRole.FIRST_FRAME, ReferenceRole.LAST_FRAME, ReferenceRole.STYLE]
    )


async def test_group_photo_is_fetched_only_when_used(harness: Harness) -> None:
    harness.fake.contents["g1"] = Content(png((10, 10, 10)), "image/png")
    await harness.send(image_event("g1", group="Cgroup1"))
    assert harness.fake.calls == []  # no download, no reply for group chatter
    await harness.send(text_event("/video 讓照片動起來", group="Cgroup1"))
    assert len(harness.fake.calls_to("/v2/bot/message/g1/content")) == 1
    assert await roles_of_only_job(harness) == [ReferenceRole.FIRST_FRAME]


async def test_a_50_mb_image_is_refused_without_reading_it_all(harness: Harness) -> None:
    harness.fake.contents["big"] = Content(size=50 * 1024 * 1024, content_type="image/jpeg")
    await harness.send(image_event("big"))
    assert reply_texts(harness.fake) == ["圖片超過 20 MB，請傳送較小的圖片。"]
    assert harness.fake.streamed_bytes["big"] < 50 * MiB  # the download stopped at the cap
    await harness.send(text_event("一隻貓"))
    assert await roles_of_only_job(harness) == []  # the refused photo was not kept


async def test_non_image_files_and_broken_images_are_refused(harness: Harness) -> None:
    harness.fake.contents["pdf"] = Content(b"%PDF-1.7\n" + b"x" * 5000, "application/pdf")
    harness.fake.contents["cut"] = Content(png((1, 2, 3), (256, 256))[:200], "image/png")
    await harness.send(file_event("pdf", "notes.pdf", 5009))
    await harness.send(image_event("cut"))
    texts = reply_texts(harness.fake)
    assert texts[0] == "這個檔案不是可讀取的圖片（PNG、JPEG 或 WebP）。"
    assert texts[1] in (
        "圖片檔案損壞或不完整，請重新傳送。",
        "這個檔案不是可讀取的圖片（PNG、JPEG 或 WebP）。",
    )
    await harness.send(text_event("一隻貓"))
    assert await roles_of_only_job(harness) == []


async def test_image_sent_as_a_file_works_in_one_to_one(harness: Harness) -> None:
    harness.fake.contents["f1"] = Content(png((5, 5, 5)), "application/octet-stream")
    await harness.send(file_event("f1", "cat.png", 500), text_event("讓它動"))
    assert await roles_of_only_job(harness) == [ReferenceRole.FIRST_FRAME]


async def test_download_failure_is_told_and_clear_forgets(harness: Harness) -> None:
    harness.fake.contents["gone"] = Content(status=404)
    harness.fake.contents["ok"] = Content(png((9, 9, 9)), "image/png")
    await harness.send(image_event("gone"), image_event("ok"), text_event("清除"), text_event("貓"))
    texts = reply_texts(harness.fake)
    assert texts[0] == "無法下載這張圖片，請再傳一次。"
    assert texts[2] == "已清除等待中的照片。"
    assert await roles_of_only_job(harness) == []


async def test_two_photos_in_separate_deliveries_at_once_keep_both(harness: Harness) -> None:
    """Two webhook deliveries handled concurrently: the second photo is the end frame, not lost."""
    import asyncio
    import json

    harness.fake.contents.update(
        {"p1": Content(png((9, 9, 9), (640, 960)), "image/png"), "p2": Content(png((90, 9, 9)), "image/png")}
    )
    bodies = [json.dumps({"destination": "Ubot", "events": [image_event(m)]}).encode() for m in ("p1", "p2")]
    statuses = await asyncio.gather(*(harness.post(body) for body in bodies))
    assert [status for status, _ in statuses] == [200, 200]
    await harness.settle()
    photos = await harness.bot.state.photos("Ualice", "Ualice")
    assert sorted(p.role for p in photos) == sorted([ReferenceRole.FIRST_FRAME, ReferenceRole.LAST_FRAME])
    assert harness.bot.handler._locks == {}  # no lock left behind
