"""The one step callback every engine hands diffusers (``callback_on_step_end``).

It reports progress, honours cancellation the documented diffusers way — set the pipeline's
``_interrupt`` flag, here and nowhere else — and runs the step hooks a speed mode installed
for this render (the motion mitigation switches the distilled adapter on after its
full-guidance steps).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from reelbot.domain.errors import ReelbotError


class Progress(Protocol):
    def __call__(self, step: int, total: int) -> bool: ...


StepHook = Callable[[Any, int], None]  # (pipeline, finished step index)
_STEP_HOOKS: ContextVar[tuple[StepHook, ...]] = ContextVar("reelbot_step_hooks", default=())


@contextmanager
def step_hooks(*hooks: StepHook) -> Iterator[None]:
    """Run ``hooks`` after every denoising step of renders started inside this block."""
    token = _STEP_HOOKS.set(_STEP_HOOKS.get() + hooks)
    try:
        yield
    finally:
        _STEP_HOOKS.reset(token)


def interrupt(pipe: Any) -> None:
    """Stop a running diffusers pipeline: its ``interrupt`` property reads ``_interrupt``."""
    pipe._interrupt = True


def step_callback(on_step: Progress | None, total: int) -> Callable[..., dict[str, Any]]:
    """A diffusers ``callback_on_step_end``: progress, step hooks, cancellation.

    ``on_step`` returning False interrupts the pipeline and raises
    ``ReelbotError("job.interrupted")`` so the VAE decode is not spent on a cancelled job.
    """
    hooks = _STEP_HOOKS.get()

    def callback(pipe: Any, step: int, _timestep: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        for hook in hooks:
            hook(pipe, step)
        if on_step is not None and on_step(step + 1, total) is False:
            interrupt(pipe)
            raise ReelbotError("job.interrupted")
        return kwargs

    return callback
