"""A preset's draft LoRA files on this worker's disk, looked at without loading them.

Why: a real load needs the preset's engine in memory, and a worker warms its default preset
only; every other preset it serves would be found broken by a creator's failed job. A look at
the files is cheap: is each where ``generator/speed/lora.py`` would read it (the operator's
local copy, else the hub cache), and is its safetensors header readable. It cannot see a LoRA
made for another model (only a load can), so it can call a file broken, never good. The same
look gives each file's *state* (``missing`` or size and mtime), which a worker's mark records
so that a file put in place or replaced ends the mark before its TTL (``mode_marks``).
"""

from __future__ import annotations

from pathlib import Path

from reelbot.domain.presets import PRESETS, LoraSource, PresetSpec
from reelbot.domain.types import SpeedMode
from reelbot.generator.card import plan_on
from reelbot.generator.presets import LoadContext, engine_loader
from reelbot.generator.speed.lora import TINY_LORA_NAME, lora_dir


def draft_lora(preset: PresetSpec) -> LoraSource | None:
    draft = preset.mode(SpeedMode.DRAFT)
    return draft.lora if draft is not None else None


def served(context: LoadContext) -> list[PresetSpec]:
    """The presets with a draft LoRA this worker would render: an engine registered here and a
    device that runs it (a CPU: no GPU preset; a card: a memory plan that does not refuse)."""
    offload = context.engine.offload if context.engine is not None else "auto"
    found = []
    for spec in list(PRESETS.values()):
        if draft_lora(spec) is None or engine_loader(spec.name) is None:
            continue
        if context.device != "cuda":
            runs = not spec.needs_gpu
        else:
            runs = context.card_gb is None or plan_on(spec, context.card_gb, offload) != "refuse"
        if runs:
            found.append(spec)
    return found


def broken(preset: PresetSpec, models_dir: str | None) -> str | None:
    """The error a load would surely raise (``generator.lora_missing`` / ``lora_mismatch`` for an
    unreadable file), or None: the files may load (or may still not fit: unknown here)."""
    source = draft_lora(preset)
    if source is None:
        return None
    for name in _names(source):
        path = _where(preset, source, models_dir, name)
        if path is None and not _appears(source, name):
            return "generator.lora_missing"
        if path is not None and not _readable(path):
            return "generator.lora_mismatch"
    return None


def state(preset: PresetSpec, models_dir: str | None) -> str:
    """What the draft files are now: ``missing`` or ``<bytes>:<mtime ns>`` each, comma-joined
    (a hub download or a file replaced or touched by an operator changes it)."""
    source = draft_lora(preset)
    if source is None:
        return ""
    parts = []
    for name in _names(source):
        path = _where(preset, source, models_dir, name)
        try:
            stat = path.stat() if path is not None else None
        except OSError:
            stat = None
        parts.append("missing" if stat is None else f"{stat.st_size}:{stat.st_mtime_ns}")
    return ",".join(parts)


def _names(source: LoraSource) -> list[str]:
    return [source.weight_name] + ([source.weight_name_2] if source.weight_name_2 else [])


def _where(preset: PresetSpec, source: LoraSource, models_dir: str | None, name: str) -> Path | None:
    """The file a load reads: the local copy first, else the hub cache; None if neither has it."""
    local = lora_dir(models_dir, preset) / name
    if local.is_file():
        return local
    if source.repo is None:
        return None
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(source.repo, name, cache_dir=models_dir)
    return Path(cached) if isinstance(cached, str) else None


def _appears(source: LoraSource, name: str) -> bool:
    """Whether the load itself makes an absent file: builds the tiny LoRA, or downloads (online)."""
    if source.repo is None:
        return name == TINY_LORA_NAME
    from huggingface_hub import constants

    return not constants.HF_HUB_OFFLINE


def _readable(path: Path) -> bool:
    """A safetensors header that parses (names, shapes, offsets); no tensor is read."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as handle:
            handle.keys()
    except Exception:  # SafetensorError (not an OSError), OSError: either way the load fails
        return False
    return True
