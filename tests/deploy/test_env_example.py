"""deploy/.env.example lists every setting of every settings model, and nothing else.

The models are the truth: core ``Settings`` (nested sections joined by ``__``) and each chat
platform's own classes (``DiscordConfig``, ``LineConfig``: whatever a platform lists in
``settings_models``). The file must be exactly what ``deploy/env_example.py`` writes today.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import BaseModel

from reelbot.bots.discord.config import DiscordConfig
from reelbot.bots.line.config import LineConfig
from reelbot.domain.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture(scope="module")
def env_example() -> ModuleType:
    sys.path.insert(0, str(DEPLOY))
    try:
        import env_example
    finally:
        sys.path.remove(str(DEPLOY))
    return env_example


def named_in_file() -> set[str]:
    names = set()
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        name = line.lstrip("# ").split("=", 1)[0]
        if "=" in line and name.isupper() and name.replace("_", "").isalnum():
            names.add(name)
    return names


def model_variables(model: type[BaseModel], prefix: str) -> set[str]:
    """Every leaf variable of ``model``, read from the class itself (not from the generator)."""
    found = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found |= model_variables(annotation, f"{prefix}{name.upper()}__")
        else:
            found.add(f"{prefix}{name.upper()}")
    return found


def test_file_is_what_the_generator_writes(env_example: ModuleType) -> None:
    assert (DEPLOY / ".env.example").read_text() == env_example.render(), (
        "deploy/.env.example is out of date: run .venv/bin/python deploy/env_example.py"
    )


@pytest.mark.parametrize(
    ("model", "prefix"),
    [(Settings, "REELBOT_"), (DiscordConfig, "REELBOT_DISCORD_"), (LineConfig, "REELBOT_LINE_")],
)
def test_every_setting_is_listed(model: type[BaseModel], prefix: str) -> None:
    missing = model_variables(model, prefix) - named_in_file()
    assert not missing, f"settings missing from deploy/.env.example: {sorted(missing)}"


def test_nothing_listed_that_no_model_reads(env_example: ModuleType) -> None:
    known = (
        model_variables(Settings, "REELBOT_")
        | model_variables(DiscordConfig, "REELBOT_DISCORD_")
        | model_variables(LineConfig, "REELBOT_LINE_")
        | env_example.COMPOSE_ONLY
    )
    assert named_in_file() - known == set()


def test_secrets_are_never_given_a_value() -> None:
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        name, _, value = line.lstrip("# ").partition("=")
        if any(word in name for word in ("TOKEN", "SECRET", "PASSWORD")) and not name.endswith("_FILE"):
            assert value == "", line
