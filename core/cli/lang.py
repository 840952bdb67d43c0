"""Which language the command line speaks: ``--lang``, else ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG``.

POSIX order: ``LC_ALL`` overrides ``LC_MESSAGES``, which overrides ``LANG``. A Taiwanese
terminal (``LANG=zh_TW.UTF-8``) gets zh-TW messages; ``C`` / ``POSIX`` / unset read as English.
``--lang`` (a global option, ``reelbot --lang zh-TW doctor``) beats the environment.
"""

from __future__ import annotations

import os

from reelbot.domain.messages import EN, normalize_locale

_chosen: str | None = None


def set_lang(value: str | None) -> None:
    """Remember ``--lang`` for this process (None: back to the environment)."""
    global _chosen
    _chosen = normalize_locale(value) if value else None


def cli_locale() -> str:
    """The catalogue locale for this terminal (``en`` or ``zh-TW``)."""
    if _chosen:
        return _chosen
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").split(".")[0].split("@")[0]
        if value:
            return EN if value in ("C", "POSIX") else normalize_locale(value)
    return EN
