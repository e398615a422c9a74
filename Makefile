# citydir: `make up` runs the whole system, `make test` runs every test. Both do all set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Re-install when the dependency list changes.
VENV_STAMP := $(VENV)/.installed-$(shell cat pyproject.toml verify/pyproject.toml | sha256sum | cut -c1-16)

.PHONY: help up down status clean test unit integration lint venv fabric bench node-deps browser

help:
	@echo "make up      set up everything, start the directory (on Fabric when found, else embedded)"
	@echo "make test    set up everything, run every test (REST suites on each ledger there is)"
	@echo "make down    stop the network (state kept); make clean removes it"
	@echo "make lint    ruff and mypy"

venv: $(VENV_STAMP)

# The offline verifier is its own package (verify/): the gateway's "Verify" runs it too.

$(VENV_STAMP): pyproject.toml verify/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ./verify -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

# The official Node client, for the interop test and the side-by-side benchmark.
NODE_STAMP := tests/interop/node_modules/.installed-$(shell sha256sum tests/interop/package-lock.json | cut -c1-16)
node-deps: $(NODE_STAMP)
$(NODE_STAMP): tests/interop/package-lock.json
	npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error
	@rm -f tests/interop/node_modules/.installed-* && touch $@

# Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser), and a
# CJK font so the zh pages' screenshots show Chinese rather than empty boxes.
BROWSER_DEBS := chromium fonts-wqy-zenhei
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wqy; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_DEBS) >/dev/null; \
	  else echo "!!! $(BROWSER_DEBS) not installed and this is not root: browser tests may be SKIPPED (apt-get install $(BROWSER_DEBS))"; fi; }

fabric: venv
	network/network.sh fabric

up: venv
	network/network.sh up

down:
	network/network.sh down

status:
	network/network.sh status

clean:
	network/network.sh clean

# Integration tests bring up networks of their own (temporary state dir, other ports): the REST
# suites on the embedded ledger always, and on Fabric too when its binaries are found (or built).
# Without Fabric the Fabric-only suites are skipped with the reason; CITYDIR_REQUIRE_FABRIC=1
# makes that a failure instead.
test: venv node-deps browser
	@mkdir -p .citydir && set -o pipefail && network/network.sh fabric 2>&1 | tee .citydir/fabric-build.log || \
	  echo "!!! Fabric binaries unavailable: the Fabric-only suites will be SKIPPED (reason above); the REST suites run on the embedded ledger"
	$(PY) -m pytest tests

unit: venv
	$(PY) -m pytest tests/unit

integration: venv node-deps browser
	$(PY) -m pytest tests/integration

# Benchmarks, not part of `make test`: uses the running `make up` network, else starts its own.
# make bench BENCH_ARGS=--quick   (~3 min smoke); .venv/bin/python -m bench --help for options.
bench: venv node-deps
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "!!! wrk is not installed and this is not root: REST reads use the Python client (apt-get install wrk)"; fi; }
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) -m bench $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check chaincode gateway network tests bench verify
	$(VENV)/bin/mypy chaincode gateway bench network/lib tests verify/citydir_verify
