# Everything a fresh Debian machine needs, installed and started by the project itself.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup venv docker images demo test test-fast lint bench gvisor clean

setup: venv docker images

venv: $(STAMP)
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

docker:
	@bash scripts/ensure-docker.sh

images: venv docker
	$(BIN)/sandbox images build

## The main job: verify every exercise, then grade an example submission and a whole example class.
demo: setup
	$(BIN)/sandbox verify
	@echo "==> grading the http-handler starter, as a learner would (it is meant to fall short)"
	@$(BIN)/sandbox check exercises/http-handler/starter --exercise http-handler; code=$$?; \
	  if [ $$code -eq 1 ]; then echo "(exit 1: below full marks, as a starter should be)"; else exit $$code; fi
	$(BIN)/sandbox grade http-handler examples/http-handler-class/submissions -o out/http-handler-class \
	    --roster examples/http-handler-class/roster.csv
	@echo "Open the class report: out/http-handler-class/report.html"

## The test suite: lint, unit tests, then integration and adversarial tests on real Docker.
test: setup tools lint
	$(BIN)/python -m pytest

test-fast: venv
	$(BIN)/python -m pytest tests/unit

lint: venv
	$(BIN)/ruff check sandbox tests bench graders
	$(BIN)/mypy

## Optional: gVisor (Debian's runsc) as Docker runtime "runsc", for `--isolation gvisor`.
## Reloads dockerd (SIGHUP); restarts it only if a reload is not enough (set NO_DOCKERD_RESTART=1
## to refuse that) — never while tests run.
gvisor: docker
	@bash scripts/ensure-gvisor.sh

bench: setup
	cd bench && ../$(BIN)/python check_overhead.py && ../$(BIN)/python watch_loop.py && ../$(BIN)/python grade_throughput.py && ../$(BIN)/python services_start.py && ../$(BIN)/python broker_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## What the tests drive as a person would: headless Chromium (the class report), tmux
## (`sandbox watch` in a real terminal) and redis-server (the broker of distributed grading; the
## tests start their own, on free ports, and stop it).
.PHONY: browser tools
browser: tools
tools:
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v tmux >/dev/null || missing="$$missing tmux"; \
	  command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	  if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
