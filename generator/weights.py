"""Weights ahead of time: fetch a preset's checkpoint and its draft LoRAs into the models folder,
and verify every file against the hub's own size and SHA-256.

Why: a GPU pod scaled up from zero should load from its volume in seconds, not download
gigabytes while the first creator waits; and a truncated download must be found before a
worker reports ready, not as a ``safetensors`` error mid-render. The layout is the one the
loaders read: ``<models>/<preset>/`` (a diffusers folder with ``model_index.json``, see
``hub_presets.weights_source``) and ``<models>/loras/<preset>/<file>`` (``speed.lora.resolve``).
Downloads go through huggingface_hub (resumable, ``HF_ENDPOINT`` / ``HF_TOKEN`` honoured).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reelbot.domain.errors import ReelbotError
from reelbot.domain.presets import PresetSpec

log = logging.getLogger(__name__)

CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class WeightSource:
    """One hub repo (or some of its files) and the folder it belongs in."""

    repo: str
    folder: Path
    files: tuple[str, ...] | None = None  # None: the whole repo


@dataclass
class PullReport:
    preset: str
    files: int = 0
    bytes: int = 0
    mismatched: list[str] = field(default_factory=list)  # "repo/file: why"

    @property
    def ok(self) -> bool:
        return not self.mismatched


def weight_sources(spec: PresetSpec, models_dir: Path) -> list[WeightSource]:
    """Where each of a preset's weights comes from and goes to (nothing for built-in presets)."""
    sources = []
    if spec.model_id is not None and not Path(spec.model_id).is_absolute():
        sources.append(WeightSource(spec.model_id, models_dir / spec.name))
    for mode in spec.modes.values():
        lora = mode.lora
        if lora is not None and lora.repo is not None:
            names = tuple(n for n in (lora.weight_name, lora.weight_name_2) if n)
            sources.append(WeightSource(lora.repo, models_dir / "loras" / spec.name, names))
    return sources


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_source(source: WeightSource) -> tuple[int, int, list[str]]:
    """(files, bytes, problems): each local file against the hub's size and, for LFS files, SHA-256."""
    from huggingface_hub import HfApi

    info = HfApi().model_info(source.repo, files_metadata=True)
    files = total = 0
    problems: list[str] = []
    for sibling in info.siblings or []:
        name = sibling.rfilename
        if source.files is not None and name not in source.files:
            continue
        local = source.folder / name
        if not local.is_file():
            problems.append(f"{source.repo}/{name}: missing")
            continue
        size = local.stat().st_size
        if sibling.size is not None and size != sibling.size:
            problems.append(f"{source.repo}/{name}: {size} bytes, the hub has {sibling.size}")
        elif sibling.lfs is not None and _sha256(local) != sibling.lfs.sha256:
            problems.append(f"{source.repo}/{name}: SHA-256 differs from the hub's")
        files, total = files + 1, total + size
    return files, total, problems


def pull_preset(
    spec: PresetSpec, models_dir: Path, *, on_file: Callable[[str], None] | None = None
) -> PullReport:
    """Download (or resume) every weight of ``spec`` and verify it; refused files are listed."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    report = PullReport(spec.name)
    for source in weight_sources(spec, models_dir):
        source.folder.mkdir(parents=True, exist_ok=True)
        try:
            snapshot_download(
                source.repo,
                local_dir=source.folder,
                allow_patterns=list(source.files) if source.files else None,
            )
            files, size, problems = verify_source(source)
        except (HfHubHTTPError, OSError) as exc:
            raise ReelbotError("models.pull_failed", repo=source.repo, error=str(exc)[:300]) from exc
        report.files += files
        report.bytes += size
        report.mismatched += problems
        if on_file is not None:
            on_file(f"{source.repo} → {source.folder} ({files} files)")
    return report
