"""Invalid settings fail at start-up with one line naming the variable."""

from __future__ import annotations

import pytest

from reelbot.domain.errors import ConfigError
from reelbot.domain.settings import load_settings


def test_invalid_nested_limit_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELBOT_LIMITS__MAX_SECONDS", "-3")
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    line = info.value.render("en")
    assert "REELBOT_LIMITS__MAX_SECONDS" in line and "\n" not in line


@pytest.mark.parametrize("variable, value", [("WIDTH", "32"), ("HEIGHT", "8192")])
def test_a_finish_size_no_finish_task_takes_is_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """Chat finishes use the server's size; one outside a finish task's 64..4096 would fail every
    Short at queueing, so it fails here instead."""
    monkeypatch.setenv(f"REELBOT_FINISH__{variable}", value)
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    assert f"REELBOT_FINISH__{variable}" in info.value.render("en")


def test_bad_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELBOT_REDIS_URL", "http://localhost:6379")
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    assert "REELBOT_REDIS_URL" in info.value.render("en")


def test_placeholder_secret_is_refused_and_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELBOT_MEDIA_SECRET", "changeme")
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    assert "REELBOT_MEDIA_SECRET" in info.value.render("en")
    assert "changeme" not in info.value.render("en")


def test_defaults_are_embedded_and_local(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    settings = load_settings(_env_file=None)
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    key = settings.media_signing_key
    assert len(key) >= 32 and load_settings(_env_file=None).media_signing_key == key  # persisted once
