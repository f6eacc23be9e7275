# mailsec.postfix — developer and CI entry points.
#   make demo   harden a throwaway container configured like the user's legacy server
#   make test   everything CI runs: lint, sanity, unit/integration tests, molecule
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c

VENV      ?= .venv
PY        := $(VENV)/bin/python
BIN       := $(VENV)/bin
BUILD     := .build
COLL_ROOT := $(BUILD)/collections
COLL_DIR  := $(COLL_ROOT)/ansible_collections/mailsec/postfix
STAMP     := $(VENV)/.installed-$(shell sha256sum requirements-dev.txt | cut -c1-12)
TIMINGS   := $(BUILD)/timings.txt

export ANSIBLE_COLLECTIONS_PATH := $(abspath $(COLL_ROOT))
export MOLECULE_GLOB := molecule/*/molecule.yml
export PY_COLORS := 0
export NO_COLOR := 1
export ANSIBLE_FORCE_COLOR := 0
export ANSIBLE_NOCOLOR := 1
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: test demo demo-clean bench setup venv collection lint sanity unit molecule build clean

# ---------------------------------------------------------------- setup
setup:  ## host packages, podman tweaks, Debian base images (root, idempotent)
	bash scripts/setup-host.sh

$(STAMP): requirements-dev.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

# The repo must be importable as ansible_collections.mailsec.postfix
collection: venv
	mkdir -p $(dir $(COLL_DIR))
	ln -sfn $(abspath .) $(COLL_DIR)

# ---------------------------------------------------------------- gates
lint: collection
	$(BIN)/yamllint -s .
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ansible-lint --profile production

sanity: collection
	bash scripts/sanity.sh

unit: collection
	cd $(COLL_DIR)
	$(abspath $(BIN))/pytest -q -p no:cacheprovider tests/unit tests/integration

molecule: collection setup
	bash scripts/molecule-all.sh

# galaxy-importer pins its own ansible-core/ansible-lint: it gets a venv of its own.
IMPORTER_VENV := .venv-importer
IMPORTER_STAMP := $(IMPORTER_VENV)/.installed-$(shell sha256sum requirements-importer.txt | cut -c1-12)

$(IMPORTER_STAMP): requirements-importer.txt
	python3 -m venv $(IMPORTER_VENV)
	$(IMPORTER_VENV)/bin/pip install -q --disable-pip-version-check -r requirements-importer.txt
	rm -f $(IMPORTER_VENV)/.installed-*
	touch $@

build: collection $(IMPORTER_STAMP)
	rm -rf $(BUILD)/dist && mkdir -p $(BUILD)/dist
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist .
	cd $(BUILD)/dist && PATH=$(abspath $(IMPORTER_VENV))/bin:$$PATH \
	  $(abspath $(IMPORTER_VENV))/bin/python -m galaxy_importer.main mailsec-postfix-*.tar.gz | tee importer.log
	grep -q "Importer processing completed successfully" importer.log
	! grep -E "^(ERROR|WARNING)" importer.log

# ---------------------------------------------------------------- entry points
test:
	bash scripts/run-stages.sh setup venv collection lint sanity unit build molecule

# the demo runs one Debian 12 container: only that base image is built
demo: collection
	bash scripts/setup-host.sh bookworm
	bash scripts/demo.sh

demo-clean:
	bash scripts/demo.sh --clean

bench: collection setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(BUILD) tests/output
