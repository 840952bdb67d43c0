"""Write deploy/.env.example from the settings models, so the example never drifts from the code.

    .venv/bin/python deploy/env_example.py          # rewrite deploy/.env.example
    .venv/bin/python deploy/env_example.py --check  # exit 1 if it is out of date

Every ``REELBOT_*`` variable is listed with its default and description, commented out
(defaults need no line); secrets are listed empty and must be filled in. Variables that
only compose.yaml reads (``POSTGRES_PASSWORD``, ``REELBOT_WORKERS``, ...) come first, then the
core :class:`Settings`, then each chat platform's own settings classes (``REELBOT_DISCORD_*``,
``REELBOT_LINE_*``: every model a platform lists in ``settings_models``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from reelbot.domain.settings import Settings

OUT = Path(__file__).with_name(".env.example")
PREFIX = "REELBOT_"

# Read by compose.yaml / the images, not by Settings.
COMPOSE_VARIABLES: dict[str, tuple[str, str]] = {
    "POSTGRES_PASSWORD": ("", "required: password of the compose PostgreSQL (random, 24+ characters)"),
    "COMPOSE_PROFILES": ("discord,line", "which bots to start: discord, line or both"),
    "REELBOT_WORKERS": ("1", "worker containers, one GPU each"),
    "REELBOT_BOT_IMAGE": ("reelbot-bot:latest", "image for bots and media server"),
    "REELBOT_WORKER_IMAGE": ("reelbot-worker:latest", "image for GPU workers"),
    "REELBOT_LINE_PORT": ("8000", "host port of the LINE webhook (put HTTPS in front)"),
    "REELBOT_MEDIA_PORT": ("8080", "host port of the media server (put HTTPS in front)"),
    "REELBOT_HEALTH_URL": ("http://127.0.0.1:9102/healthz", "what the image HEALTHCHECK polls"),
}
COMPOSE_ONLY = frozenset(COMPOSE_VARIABLES)

# Must be set in production; listed uncommented (empty) so nobody misses them.
REQUIRED_SECRETS = frozenset({"REELBOT_MEDIA_SECRET"})


def walk(model: BaseModel, prefix: str = PREFIX) -> Iterator[tuple[str, FieldInfo, Any]]:
    """(variable name, field, default) for every leaf setting, nested sections joined by ``__``.

    Walks an instance built from defaults, so a section's own defaults (``quotas.user``
    = 600 GPU-s a day) show rather than its class's bare field defaults.
    """
    for name, field in type(model).model_fields.items():
        var = f"{prefix}{name.upper()}"
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from walk(value, var + "__")
        else:
            yield var, field, value


def defaults() -> Settings:
    """Settings with every default and nothing read from the environment or a .env file."""
    return Settings.model_construct()


def platform_models() -> list[tuple[str, type[BaseSettings]]]:
    """(platform name, settings class) for every registered chat platform, in registry order."""
    from reelbot.cli.platforms import load_platforms

    found = []
    for name, platform in load_platforms().items():
        for model in platform.settings_models:
            if isinstance(model, type) and issubclass(model, BaseSettings):
                found.append((name, model))
    return found


def all_settings() -> Iterator[tuple[str, str, FieldInfo, Any]]:
    """(section, variable, field, default): core Settings first, then each platform's models."""
    for var, field, default in walk(defaults()):
        parts = var.removeprefix(PREFIX).split("__")
        yield (parts[0] if len(parts) > 1 else "general"), var, field, default
    for name, model in platform_models():
        prefix = str(model.model_config.get("env_prefix", PREFIX)).upper()
        for var, field, default in walk(model.model_construct(), prefix):
            yield name, var, field, default


def variables() -> set[str]:
    """Every variable the settings models read (core and every platform)."""
    return {var for _, var, _, _ in all_settings()}


def _is_secret(field: FieldInfo) -> bool:
    return "SecretStr" in str(field.annotation)


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (frozenset, set, tuple, list)):
        return json.dumps(sorted(value) if isinstance(value, (set, frozenset)) else list(value))
    return str(value)


def _entry(var: str, field: FieldInfo, default: Any) -> list[str]:
    help_text = field.description or ""
    if _is_secret(field):
        return [
            f"# secret{': ' + help_text if help_text else ''}",
            f"{var}=" if var in REQUIRED_SECRETS else f"# {var}=",
        ]
    return ([f"# {help_text}"] if help_text else []) + [f"# {var}={_format(default)}"]


def render() -> str:
    lines = [
        "# reelbot environment — copy to deploy/.env (never commit it) and fill in the secrets.",
        "# Generated by deploy/env_example.py from the settings models (core and every platform);",
        "# regenerate after adding a setting.",
        "# Commented lines show defaults. Nested sections use __ (REELBOT_LIMITS__MAX_SECONDS=8).",
        '# Lists are JSON (REELBOT_SAFETY__EXTRA_TERMS=["word"]).',
        "",
        "## Deployment (compose.yaml / images)",
    ]
    platform_vars = {var for _, var, _, _ in all_settings()}
    for var, (default, help_text) in COMPOSE_VARIABLES.items():
        if var in platform_vars:
            help_text += " (the same variable the platform's settings read, listed below)"
            lines.append(f"# {help_text}")
            continue
        lines.append(f"# {help_text}")
        lines.append(f"{var}={default}" if var == "POSTGRES_PASSWORD" else f"# {var}={default}")
    sections: dict[str, list[str]] = {}  # in first-seen order; a section's lines stay together
    seen: set[str] = set()
    for section, var, field, default in all_settings():
        if var not in seen:  # a core field and a platform field reading the same variable: once
            seen.add(var)
            sections.setdefault(section, []).extend(_entry(var, field, default))
    for section, entries in sections.items():
        lines += ["", f"## {section}", *entries]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if deploy/.env.example is out of date")
    args = parser.parse_args()
    text = render()
    if args.check:
        current = OUT.read_text() if OUT.exists() else ""
        if current != text:
            sys.stderr.write("deploy/.env.example is out of date: run deploy/env_example.py\n")
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
