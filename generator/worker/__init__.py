"""The queue worker, built from parts (see :mod:`.parts`), never from the service.

``loop`` holds the claim → process → ack loop and its fault handling, ``stages`` the render
path as named stages, ``kinds`` the registry of task kinds (``assemble_draft``).
"""

from __future__ import annotations

from reelbot.generator.worker.faults import TRANSIENT_ERRORS, JobTakenOver, is_transient
from reelbot.generator.worker.kinds import TASK_KINDS, AssembleDraft, run_task, task_kind
from reelbot.generator.worker.loop import Worker
from reelbot.generator.worker.parts import WorkerParts

__all__ = [
    "TASK_KINDS",
    "TRANSIENT_ERRORS",
    "AssembleDraft",
    "JobTakenOver",
    "Worker",
    "WorkerParts",
    "is_transient",
    "run_task",
    "task_kind",
]
