"""What one render really cost: the numbers stored with the clip and shown in Info / status.

Counted, not computed: ``passes`` is how many times the real transformer's ``forward`` ran
(a forward hook), ``passes_skipped`` how many of those a caching hook answered from its cache
without running the remaining blocks. Plain data, JSON both ways, so the worker can store it
with the clip and the bots can show it without the generator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class RenderReport:
    """One clip's render: mode, work done, where and how long."""

    preset: str
    mode: str  # SpeedMode value: quality / balanced / draft
    steps: int  # denoising steps the scheduler ran
    passes: int  # transformer forward calls (CFG: two per step; both experts counted for A14B)
    passes_skipped: int  # of those, answered by the cache (the remaining blocks did not run)
    attention_backend: str  # "native" (SDPA) unless a faster kernel was set
    memory_plan: str  # whole / model_offload / group_offload (cpu: whole)
    device: str  # "cpu" or "cuda:<name>"
    peak_gpu_memory_mb: float | None  # None on a CPU
    gpu_seconds: float  # wall seconds of the render on the device (text encode → VAE decode)
    lora: str | None = None  # the distilled adapter that was active, if any

    @property
    def passes_run(self) -> int:
        """Passes that ran every transformer block."""
        return self.passes - self.passes_skipped

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RenderReport:
        """Read a stored report; unknown keys (a newer worker's) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
