# Two commands for a fresh machine (see README.md):
#   make demo   install, then render one tiny clip through Redis, the database and a worker
#   make test   install, then lint, type-check and run the whole test suite
# Everything installs into .venv with Python 3.11 (torch's CPU wheel is pinned in pyproject).

PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint redis postgres clean

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

redis:
	@bash scripts/ensure-redis.sh

postgres:
	@bash scripts/ensure-postgres.sh

demo: install redis
	$(VENV)/bin/reelbot demo

lint: install
	$(VENV)/bin/ruff check core bots generator queue storage tests bench
	$(VENV)/bin/mypy core bots generator queue storage

test: install redis postgres lint
	$(VENV)/bin/pytest

clean:
	rm -rf build $(VENV) data
