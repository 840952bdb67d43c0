"""`reelbot worker` whose preset's weights load waits for a gate file (test_worker_warmup.py).

usage: python gated_worker.py GATE_FILE worker [worker options] — settings from REELBOT_*.
Only the gate is test code: it lets the test see the worker *during* its warm-up without a
wall-clock window. The command line, the worker, the warm-up and the tiny engine are real.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

from reelbot.domain.presets import PRESETS
from reelbot.generator.presets import LoadContext, register_preset
from reelbot.generator.tiny import load_tiny

GATED = "tiny-gated"


def main(gate: Path, argv: list[str]) -> None:
    spec = dataclasses.replace(PRESETS["tiny"], name=GATED, title="tiny, loaded once a gate opens")

    @register_preset(spec)
    def load_gated(ctx: LoadContext) -> Any:
        while not gate.exists():
            time.sleep(0.02)
        return load_tiny(ctx)

    from reelbot.cli import main as reelbot_main

    sys.argv = ["reelbot", *argv]
    reelbot_main()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
