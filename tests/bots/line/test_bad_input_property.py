"""Generated bad input (hypothesis) through the real LINE webhook: signed messages whose options
are wrong (numbers with thousands of digits, unknown ratios, seeds past the range …) get one
reply that is a catalogue message in the person's language (en or zh-TW) and make no job;
bodies that are not LINE's (deep nesting, random JSON) are 400 or ignored — never a 500 —
and leave nothing in the inbox."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelbot.domain.messages import render
from tests.bots.line.conftest import Harness, reply_texts, text_event
from tests.property.catalogue import is_catalogue_message

CASES = 400
USERS = {"Uen": "en", "Uzh": "zh-TW"}

digits = st.integers(1000, 6000).map(lambda n: "9" * n)
bad_value = st.one_of(
    st.tuples(
        st.sampled_from(["秒數", "seconds", "sec", "長度"]),
        st.one_of(digits, st.sampled_from(["abc", "幾秒"])),
    ),
    st.tuples(
        st.sampled_from(["seed", "種子"]),
        st.one_of(digits, st.integers(2**32, 10**30).map(str), st.just("x")),
    ),
    st.tuples(st.just("fps"), st.one_of(digits, st.sampled_from(["fast", "-", "一百"]))),
    st.tuples(st.sampled_from(["比例", "aspect", "ratio"]), st.sampled_from(["7:3", "wide", "圓形", "0:0"])),
    st.tuples(st.sampled_from(["秒數", "seconds"]), st.sampled_from(["0", "0.1", "99", "100000"])),
    # The creator controls: words that are no speed, motion, camera move or loop answer.
    st.tuples(
        st.sampled_from(["速度", "speed", "模式", "mode"]),
        st.one_of(digits, st.sampled_from(["turbo", "超級快", "quick", "99"])),
    ),
    st.tuples(
        st.sampled_from(["動態", "motion", "動作"]),
        st.one_of(digits, st.sampled_from(["中", "medium", "highway"])),
    ),
    st.tuples(
        st.sampled_from(["鏡頭", "camera", "運鏡", "cam"]),
        st.one_of(digits, st.sampled_from(["亂飛", "dolly_zoom", "tilt", "leftish"])),
    ),
    st.tuples(st.sampled_from(["循環", "loop"]), st.one_of(digits, st.sampled_from(["也許", "maybe", "2"]))),
    st.tuples(st.sampled_from(["轉場", "transition"]), st.sampled_from(["wipe", "溶解效果", "淡出入"])),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
bodies = st.one_of(
    st.integers(50, 20_000).map(lambda d: '{"events": [' + "[" * d + "]" * d + "]}"),
    json_values.map(json.dumps),
    json_values.map(lambda v: json.dumps({"destination": "Ubot", "events": [v]})),
)


async def _case_text(
    harness: Harness, user: str, option: tuple[str, str], as_storyboard: bool = False, on_header: bool = False
) -> None:
    key, value = option
    before = len(reply_texts(harness.fake))
    text = f"一隻貓 {key}:{value}"
    if as_storyboard:  # the same value on a storyboard's shot line (or its first line)
        text = f"分鏡 {key}:{value}\n1. 一隻貓" if on_header else f"分鏡\n1. {text}"
    await harness.send(text_event(text, user=user))
    replies = reply_texts(harness.fake)[before:]
    assert len(replies) == 1, replies
    assert is_catalogue_message(replies[0], USERS[user]), replies[0][:200]
    internal = {render(key, USERS[user], job_id="x") for key in ("error.internal", "error.internal_no_job")}
    assert replies[0] not in internal and "系統發生錯誤" not in replies[0] and "went wrong" not in replies[0]
    assert len(replies[0]) < 400  # a thousand digits are never quoted back


@settings(max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_bad_line_input_is_a_catalogue_message_or_a_400(harness: Harness, data: Any) -> None:
    for user, language in USERS.items():
        harness.fake.profiles.setdefault(user, {"displayName": user, "language": language})
    if data.draw(st.booleans()):
        await _case_text(
            harness,
            data.draw(st.sampled_from(sorted(USERS))),
            data.draw(bad_value),
            as_storyboard=data.draw(st.booleans()),
            on_header=data.draw(st.booleans()),
        )
    else:
        status, _ = await harness.post(data.draw(bodies).encode())
        assert status in (200, 400), status
        await harness.settle()
    assert await harness.job_count() == 0
    assert await harness.bot.inbox.waiting() == 0
