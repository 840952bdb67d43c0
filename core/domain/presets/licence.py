"""Licence terms the operator must see when a preset is enabled (LTX-2's community licence).

A spec names a message key in ``licence_notice``; this module renders it and says it once
per process in the log (the worker's warm-up or first load of the preset), and
``reelbot doctor`` shows it for the configured preset. Torch-free, like every spec.
"""

from __future__ import annotations

import logging
import threading

from reelbot.domain.messages import render
from reelbot.domain.presets.spec import PresetSpec

_SHOWN: set[str] = set()
_LOCK = threading.Lock()


def licence_notice(spec: PresetSpec, locale: str | None = None) -> str | None:
    """The one-line notice of ``spec`` in ``locale`` (None: its licence needs none)."""
    if not spec.licence_notice:
        return None
    return render(spec.licence_notice, locale, preset=spec.name)


def announce_licence(spec: PresetSpec, logger: logging.Logger, locale: str | None = None) -> bool:
    """Log the notice as a warning the first time ``spec`` is enabled in this process."""
    notice = licence_notice(spec, locale)
    if notice is None:
        return False
    with _LOCK:
        if spec.name in _SHOWN:
            return False
        _SHOWN.add(spec.name)
    logger.warning("%s", notice)
    return True
