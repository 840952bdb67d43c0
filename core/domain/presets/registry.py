"""The spec registry: a plain dict, filled by :func:`register_spec` (one line per preset)."""

from __future__ import annotations

from reelbot.domain.presets.spec import PresetSpec

PRESETS: dict[str, PresetSpec] = {}


def register_spec(spec: PresetSpec) -> PresetSpec:
    """Add ``spec`` to :data:`PRESETS`; a name registered twice is a programming error."""
    if spec.name in PRESETS:
        raise ValueError(f"preset {spec.name!r} registered twice")
    if not spec.modes:
        raise ValueError(f"preset {spec.name!r} offers no speed mode")
    PRESETS[spec.name] = spec
    return spec
