"""What bench/gpu_bench.py imports fits a lent GPU machine: its image's packages plus the wheels
``make gpu-wheels`` carries (bench/gpu_device.sh). A new import of a package neither holds — the
way imageio-ffmpeg's 68 MB wheel once came in through the worker's batching — fails here, not
in the one short lease of a GPU."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The GPU image's distributions that reelbot's render path may use (the image's list, read
#: 2026-11-17: torch, transformers, accelerate, … — not diffusers, pydantic or redis).
GPU_IMAGE = {
    "torch", "transformers", "accelerate", "safetensors", "tokenizers", "sentencepiece",
    "huggingface-hub", "hf-xet", "numpy", "pillow", "rich", "markdown-it-py", "mdurl", "pygments",
    "regex", "requests", "urllib3", "idna", "certifi", "charset-normalizer", "filelock", "fsspec",
    "tqdm", "pyyaml", "psutil", "packaging", "typer", "click", "shellingham", "prometheus-client",
    "aiohttp", "jinja2", "markupsafe", "sympy", "mpmath", "networkx", "triton", "zipp", "httpx",
    "httpcore", "h11", "anyio", "scipy", "imageio", "setuptools",
}  # fmt: skip

PROBE = """
import json, runpy, sys
sys.argv = ["gpu_bench.py", "--help"]
try:
    runpy.run_path("bench/gpu_bench.py", run_name="__main__")
except SystemExit:
    pass
import reelbot.generator.worker.batch, reelbot.generator.hub_presets  # the rows' lazy imports
files = [getattr(m, "__file__", None) for name, m in list(sys.modules.items()) if name.startswith("reelbot")]
print(json.dumps(sorted({f for f in files if f})))
"""


def module_level_imports(path: Path) -> set[str]:
    """Top-level names a module imports when it loads (not inside functions, not under
    ``if TYPE_CHECKING``): what must exist on the machine for the import to succeed."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def carried() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    block = re.search(r"^GPU_WHEELS\s*:=(.*?)^GPU_PY", makefile, re.S | re.M)
    assert block is not None, "Makefile has no GPU_WHEELS list"
    return set(block.group(1).replace("\\", " ").split())


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_benchmark_imports_only_what_the_gpu_machine_has_or_is_carried() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = [ROOT / "bench" / "gpu_bench.py", *(Path(f) for f in json.loads(result.stdout.splitlines()[-1]))]
    assert any(f.name == "batch.py" for f in loaded)  # the probe reached the worker's batching
    tops = set().union(*(module_level_imports(f) for f in loaded)) - set(sys.stdlib_module_names)
    owners = importlib.metadata.packages_distributions()
    needed = {normal(d): top for top in tops - {"reelbot", "__future__"} for d in owners.get(top, [top])}
    allowed = {normal(d) for d in GPU_IMAGE | carried()}
    assert "torch" in needed and "pydantic" in needed  # the parse saw the render path's imports
    missing = {d: top for d, top in needed.items() if d not in allowed}
    assert not missing, f"imported when reelbot loads, yet neither on the GPU machine nor carried: {missing}"
