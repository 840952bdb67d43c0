# Two commands for a fresh machine (see README.md):
#   make demo   install, then render one tiny clip through Redis, the database and a worker
#   make test   install, then lint, type-check and run the whole test suite
# Everything installs into .venv with Python 3.11 (torch's CPU wheel is pinned in pyproject).

PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install install-cuda gpu-wheels demo test test-busy lint redis postgres clean system-packages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Re-run the editable install when pyproject changes. strict mode builds a link tree so the
# namespace folder queue/ resolves as reelbot.queue (see pyproject.toml).
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]' --config-settings editable_mode=strict
	touch $(STAMP)

install: $(STAMP)
	@# The strict editable link tree must learn about modules added since the last install.
	@$(PY) -m pip install -q --no-deps --no-build-isolation -e . --config-settings editable_mode=strict

# Debian packages the tests need, in ONE apt step (add yours to the list): chromium drives
# tests/web through Playwright (browser downloads are impossible here), fonts-noto-cjk draws
# zh-TW text in the browser and in rendered captions. Idempotent: apt runs only when a
# package is missing, and only as root (CI runs as root).
SYSTEM_PACKAGES := chromium fonts-noto-cjk

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing Debian packages:$$missing (run: sudo apt-get install$$missing)" >&2; exit 1; fi; \
	  echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# GPU machines (Linux, or Windows through WSL2): the same install, then torch's CUDA build of the
# pinned version in place of the CPU one. CUDA picks the wheel (cu128: NVIDIA driver 570+; cu130
# for newer drivers); `nvidia-smi` shows the driver's CUDA version.
CUDA          ?= cu128
TORCH_VERSION ?= 2.13.0
install-cuda: install
	$(PY) -m pip install -q --upgrade --index-url https://download.pytorch.org/whl/$(CUDA) \
		--extra-index-url https://pypi.org/simple 'torch==$(TORCH_VERSION)+$(CUDA)'
	$(PY) -c "import torch; ok = torch.cuda.is_available(); print('torch', torch.__version__, '| CUDA', torch.version.cuda, '| GPU', torch.cuda.get_device_name(0) if ok else 'none visible')"
	$(VENV)/bin/reelbot doctor || true

# The wheels a lent GPU machine (torch, transformers, accelerate already there; no network)
# needs for bench/gpu_device.sh, at the versions this venv runs, for its Python (3.12): the
# benchmark imports the worker (its batching), which imports the queue, database and encoder
# (not imageio-ffmpeg's 68 MB wheel: the encoder looks its binary up only when it encodes).
GPU_WHEELS    := diffusers peft pydantic pydantic-core pydantic-settings python-dotenv annotated-types \
                 typing-inspection typing-extensions importlib-metadata ftfy wcwidth \
                 redis sqlalchemy sqlmodel ffmpeg-python future setuptools
GPU_PY        ?= 3.12
GPU_WHEEL_DIR ?= .whl
gpu-wheels: install
	rm -rf $(GPU_WHEEL_DIR) && mkdir -p $(GPU_WHEEL_DIR)
	$(PY) -c "import importlib.metadata as m; print('\n'.join(f'{n}=={m.version(n)}' for n in '$(GPU_WHEELS)'.split()))" \
		> $(GPU_WHEEL_DIR)/pins.txt
	$(PY) -m pip download -q --no-deps --only-binary=:all: --python-version $(GPU_PY) --implementation cp \
		--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
		-d $(GPU_WHEEL_DIR) -r $(GPU_WHEEL_DIR)/pins.txt
	@ls $(GPU_WHEEL_DIR) && du -sh $(GPU_WHEEL_DIR)

redis:
	@bash scripts/ensure-redis.sh

postgres:
	@bash scripts/ensure-postgres.sh

demo: install redis
	$(VENV)/bin/reelbot demo

lint: install
	$(VENV)/bin/ruff check core bots generator queue storage tests bench
	$(VENV)/bin/ruff format --check core bots generator queue storage tests bench
	$(VENV)/bin/mypy core bots generator queue storage

test: install system-packages redis postgres lint
	$(VENV)/bin/pytest

# The suite on a busy machine: one `yes > /dev/null` per core beside it, killed afterwards
# (a green CI must not depend on an idle machine; see docs/reliability.md).
test-busy: install system-packages redis postgres
	@set -e; pids=""; for _ in $$(seq $$(nproc)); do yes > /dev/null & pids="$$pids $$!"; done; \
	trap 'kill $$pids 2>/dev/null' EXIT; echo "busy: $$(nproc) x yes ($$pids)"; \
	$(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf build $(VENV) data
