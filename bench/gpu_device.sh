#!/usr/bin/env bash
# bench/gpu_bench.py as ONE prepared command on a lent GPU machine that has torch, transformers,
# accelerate and safetensors but no network (no pip index, no model hub). What it lacks travels
# as wheels in .whl/ (`make gpu-wheels` here, once); reelbot itself is built from this tree
# there, so the benchmark always runs the code that is checked out, never a stale wheel.
#
#   bash bench/gpu_device.sh                     # Wan 2.1 1.3B at production settings, < 8 min
#   bash bench/gpu_device.sh --preset wan-2.2-ti2v-5b --seconds 2 --no-compile --batch ""
#   bash bench/gpu_device.sh --preset wan-2.2-t2v-a14b --steps 10 --seconds 1 --no-compile --batch ""
#
# Arguments go to gpu_bench.py. Environment: OUT (where the log, the JSON and the machine's
# facts land; default out/), PYTHON (python3), WHEELS (.whl), BENCH_TIMEOUT_S (470: the hard
# stop, inside an 8-minute command), BENCH_BUDGET_S (420: optional rows that would end later
# are skipped). Rows are written to the JSON as they finish, so a hard stop keeps them.
set -uo pipefail

out=${OUT:-out}
python=${PYTHON:-python3}
wheels=${WHEELS:-.whl}
site=${SITE:-/tmp/reelbot-site}
mkdir -p "$out"
name=$(printf '%s' "${*:-wan21}" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-60)

started=$(date +%s)
"$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target "$site" "$wheels"/*.whl || { echo "carried wheels did not install (make gpu-wheels)"; exit 2; }
export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
# built with the carried setuptools (on PYTHONPATH now): the image's may predate pyproject's floor
"$python" -m pip install -q --no-index --no-deps --no-build-isolation --no-compile --no-cache-dir \
  --target "$site" . || { echo "reelbot did not build from this tree"; exit 2; }
echo "install: $(( $(date +%s) - started )) s"

{
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv 2>&1 || true
  "$python" - <<'PY'
import diffusers, peft, torch, transformers
print("torch", torch.__version__, "cuda", torch.version.cuda, "| diffusers", diffusers.__version__,
      "| transformers", transformers.__version__, "| peft", peft.__version__)
print("device:", torch.cuda.get_device_name() if torch.cuda.is_available() else "no CUDA device")
PY
} 2>&1 | tee "$out/machine.txt"

timeout "${BENCH_TIMEOUT_S:-470}" "$python" bench/gpu_bench.py --budget-s "${BENCH_BUDGET_S:-420}" \
  --json "$out/gpu-$name.json" "$@" 2>&1 | grep -v "Attention backends are an experimental" | tee "$out/gpu-$name.log"
status=${PIPESTATUS[0]}
[ "$status" = 124 ] && echo "stopped at ${BENCH_TIMEOUT_S:-470} s: the rows above are in $out/gpu-$name.json"
echo "whole command: $(( $(date +%s) - started )) s"
exit "$status"
