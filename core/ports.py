"""Ports: what the application needs from the generator, as protocols the composition root wires.

The application (``reelbot.app``) never imports the generator; render-side work it needs
(a storyboard draft, Finish for Shorts) goes to the workers as a task on the queue
(:mod:`reelbot.app.tasks`). What a bot must do in-process (shrink a clip under an upload
cap, probe an uploaded track) it calls through a port here, and ``reelbot.cli.wiring.wire``
plugs the generator's implementation in at start-up. A port left unwired is a bug in the
composition root and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from reelbot.domain.settings import EncodeSettings


class ClipShrinker(Protocol):
    def __call__(self, data: bytes, limit: int, encode: EncodeSettings) -> bytes:
        """The same clip encoded again to fit ``limit`` bytes (ffmpeg only, no torch). Blocking."""
        ...


@dataclass(frozen=True)
class AudioFacts:
    """What an :class:`AudioProbe` read from an uploaded track."""

    has_audio: bool  # False: no audio stream, or one that does not decode
    seconds: float  # seconds that decode (the header's, when it alone is already too long)


class AudioProbe(Protocol):
    def __call__(self, data: bytes, suffix: str, limit_s: float) -> AudioFacts:
        """Probe a track up front (ffmpeg only, no torch), so an upload that is not audio, empty
        or too long is refused before it is stored; stops decoding past ``limit_s``. Blocking."""
        ...


class JobObserver(Protocol):
    """What a worker reports about jobs (Prometheus counters in ``reelbot.ops.metrics``, which
    satisfies this protocol as a module; the composition root hands it to the worker)."""

    def observe_job_state(self, state: str) -> None: ...

    def observe_job_started(self, preset: str, wait_s: float) -> None: ...

    def observe_job_finished(
        self,
        preset: str,
        state: str,
        *,
        render_s: float,
        gpu_s: float | None = None,
        reason: str | None = None,
    ) -> None: ...

    def observe_failure(self, reason: str | None) -> None: ...

    def observe_dead_letter(self, depth: int | None = None) -> None: ...

    def observe_stage(self, stage: str, preset: str, seconds: float) -> None: ...

    def observe_cold_start(self, preset: str, marks: Mapping[str, float]) -> None:
        """Seconds from process start to the end of each start-up phase (imports, weights,
        warmup, ready)."""
        ...


class NoObserver:
    """Reports nothing (a worker built without the composition root, e.g. in a benchmark)."""

    def observe_job_state(self, state: str) -> None:
        pass

    def observe_job_started(self, preset: str, wait_s: float) -> None:
        pass

    def observe_job_finished(
        self,
        preset: str,
        state: str,
        *,
        render_s: float,
        gpu_s: float | None = None,
        reason: str | None = None,
    ) -> None:
        pass

    def observe_failure(self, reason: str | None) -> None:
        pass

    def observe_dead_letter(self, depth: int | None = None) -> None:
        pass

    def observe_stage(self, stage: str, preset: str, seconds: float) -> None:
        pass

    def observe_cold_start(self, preset: str, marks: Mapping[str, float]) -> None:
        pass


@dataclass
class Ports:
    """The wired implementations (None until the composition root sets them)."""

    clip_shrinker: ClipShrinker | None = None
    # Optional: a process without it keeps the name/size checks and leaves the rest to the worker.
    audio_probe: AudioProbe | None = None

    def require_clip_shrinker(self) -> ClipShrinker:
        return _wired(self.clip_shrinker, "clip_shrinker")


def _wired(port: Any, name: str) -> Any:
    if port is None:
        raise RuntimeError(f"ports.{name} is not wired (reelbot.cli.wiring.wire)")
    return port


PORTS = Ports()
