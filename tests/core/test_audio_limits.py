"""The one set of audio limits: for every combination of failing limits, which message wins.

The table below is the documented order of precedence (``reelbot.domain.audio_limits``); each
row of facts is built to fail exactly the limits named, and the first of them in that order
must be the message — whatever else fails too, and whichever facts a caller does not know.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from reelbot.domain.audio_limits import PRECEDENCE, audio_refusal, refuse_bad_audio
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.finish_config import FinishSettings, MiB

FIN = FinishSettings(max_audio_bytes=2 * MiB, min_audio_seconds=0.5, max_audio_seconds=60.0)

#: Each failing limit, in the order it wins, with the facts that make it fail.
LIMITS: list[tuple[str, str, dict[str, Any]]] = [
    ("bad name", "finish.audio_not_audio", {"suffix": ".txt"}),
    ("too big", "finish.audio_too_big", {"size_bytes": 3 * MiB}),
    ("no audio", "finish.audio_not_audio", {"has_audio": False}),
    ("empty", "finish.audio_empty", {"seconds": 0.0}),
    ("too long", "finish.audio_too_long", {"seconds": 7200.0}),
]
PASSING: dict[str, Any] = {"suffix": ".mp3", "size_bytes": MiB, "has_audio": True, "seconds": 30.0}


def combinations() -> list[tuple[str, ...]]:
    """Every non-empty set of failing limits one track can have (one length: never both
    empty and too long)."""
    names = [name for name, _, _ in LIMITS]
    every = itertools.chain.from_iterable(itertools.combinations(names, n) for n in range(1, 6))
    return [combo for combo in every if not {"empty", "too long"} <= set(combo)]


def test_the_table_is_the_documented_order() -> None:
    assert tuple(key for _, key, _ in LIMITS) == PRECEDENCE


@pytest.mark.parametrize("failing", combinations(), ids=" + ".join)
def test_the_first_failing_limit_in_the_order_wins(failing: tuple[str, ...]) -> None:
    facts = dict(PASSING)
    for name, _, fails in LIMITS:
        if name in failing:
            facts.update(fails)
    winner = next(key for name, key, _ in LIMITS if name in failing)
    refusal = audio_refusal("song.mp3", FIN, **facts)
    assert refusal is not None and refusal.key == winner, (failing, facts)
    with pytest.raises(InvalidRequest) as raised:
        refuse_bad_audio("song.mp3", FIN, **facts)
    assert raised.value.key == winner and raised.value.details == refusal.details


@pytest.mark.parametrize("failing", combinations(), ids=" + ".join)
def test_unknown_facts_are_skipped_and_the_next_known_failure_wins(failing: tuple[str, ...]) -> None:
    """What LINE knows before a download (size, length) or the app without a probe (name,
    size): the facts a caller lacks drop out, the order among the rest stands."""
    for unknown in ("suffix", "size_bytes", "has_audio", "seconds"):
        facts = dict(PASSING)
        for name, _, fails in LIMITS:
            if name in failing:
                facts.update(fails)
        facts[unknown] = None
        known = [key for name, key, fails in LIMITS if name in failing and unknown not in fails]
        refusal = audio_refusal("song.mp3", FIN, **facts)
        assert key_of(refusal) == (known[0] if known else None), (failing, unknown)


def test_passing_and_unknown_facts_refuse_nothing() -> None:
    assert audio_refusal("song.mp3", FIN, **PASSING) is None
    assert audio_refusal("song.mp3", FIN) is None
    refuse_bad_audio("song.mp3", FIN, seconds=FIN.max_audio_seconds, size_bytes=FIN.max_audio_bytes)


def test_the_edges_and_the_messages_details() -> None:
    assert key_of(audio_refusal("a.wav", FIN, size_bytes=0)) == "finish.audio_not_audio"  # 0 bytes
    big = audio_refusal("a.wav", FIN, size_bytes=FIN.max_audio_bytes + 1)
    assert big is not None and big.details == {"name": "a.wav", "size_mb": "2.0", "limit_mb": "2"}
    long = audio_refusal("a.wav", FIN, seconds=7200.4)
    assert long is not None and long.details == {"name": "a.wav", "seconds": 7200, "limit": 60}
    assert audio_refusal("a.wav", FIN, seconds=FIN.min_audio_seconds) is None
    assert audio_refusal("a.WAV", FIN, suffix=".wav") is None
    assert key_of(audio_refusal("notes", FIN, suffix="")) == "finish.audio_not_audio"
    for locale, text in (
        ("en", "a.wav is 2.0 MB; the limit is 2 MB."),
        ("zh-TW", "a.wav 有 2.0 MB，上限是 2 MB。"),
    ):
        assert big.render(locale) == text


def key_of(refusal: InvalidRequest | None) -> str | None:
    return refusal.key if refusal is not None else None


#: The cases a person meets, written out (the walk above derives them from the order).
SPELLED_OUT = [
    ("a 30 MB text file named .txt", {"suffix": ".txt", "size_bytes": 30 * MiB}, "finish.audio_not_audio"),
    ("a 3 MB mp3 that is text", {"size_bytes": 3 * MiB, "has_audio": False}, "finish.audio_too_big"),
    ("a 3 MB mp3 of two hours", {"size_bytes": 3 * MiB, "seconds": 7200.0}, "finish.audio_too_big"),
    ("no audio stream, 0 s", {"has_audio": False, "seconds": 0.0}, "finish.audio_not_audio"),
    ("a 0-byte wav", {"suffix": ".wav", "size_bytes": 0, "seconds": 0.0}, "finish.audio_not_audio"),
    ("a silent 0-s wav", {"has_audio": True, "seconds": 0.0}, "finish.audio_empty"),
    ("LINE: a 2-hour audio message", {"size_bytes": None, "seconds": 7200.0}, "finish.audio_too_long"),
]


@pytest.mark.parametrize(("case", "facts", "key"), SPELLED_OUT, ids=[c for c, _, _ in SPELLED_OUT])
def test_the_cases_a_person_meets(case: str, facts: dict[str, Any], key: str) -> None:
    assert key_of(audio_refusal("track", FIN, **facts)) == key, case
