# Build and test tooling for the losant.platform Ansible collection.
#
#   make venv         .venv with the pinned tests/requirements.txt (only re-run when they change)
#   make build        ansible-galaxy collection build  -> .build/losant-platform-<version>.tar.gz
#   make install      install that tarball into .build/collections (forced)
#   make units        pytest tests/unit tests/emulator
#   make integration  pytest tests/integration against the installed collection
#   make conformance  pytest tests/conformance tests/emulator/test_conformance.py (what exists)
#   make sanity       ansible-test sanity on a fresh copy under .build/sanity (offline pip bootstrap)
#   make lint         ansible-lint, production profile, offline
#   make test         all of the above (venv units integration conformance sanity lint)
#   make demo         run docs/examples/*.yml twice against the local emulator (tools/demo.sh)
#   make clean        remove .build (keeps .venv);  make distclean  also removes .venv
#
# Python: the venv is created with the first Python >= 3.12 that tools/find_python.sh
# finds ($(PYTHON) if set, python3.13/python3.12 on PATH, then pyenv's versions).
# To switch interpreters: make distclean venv PYTHON=/path/to/python3.x

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

# Interpreter used to create the venv (empty: let tools/find_python.sh decide).
PYTHON ?=

VENV       := $(CURDIR)/.venv
VENV_BIN   := $(VENV)/bin
VPY        := $(VENV_BIN)/python
VENV_STAMP := $(VENV)/.requirements.stamp

BUILD            := $(CURDIR)/.build
COLLECTIONS_PATH := $(BUILD)/collections
# Folder holding ansible_collections/losant/platform -> repo root, for unit tests.
PYTHONPATH_DIR   := $(BUILD)/pythonpath
# ansible-test needs the tree at .../ansible_collections/<namespace>/<name>.
SANITY_ROOT      := $(BUILD)/sanity
SANITY_DIR       := $(SANITY_ROOT)/ansible_collections/losant/platform
# HOME for ansible-test: its venv cache and the offline pip bootstrap live here,
# so the real home is left alone.  Keep this path short: ansible-test puts its
# venvs under $HOME/.ansible/test/venv and Linux limits shebangs to 127 chars.
TEST_HOME        := $(BUILD)/home

# Python version for `ansible-test sanity --python`.  Empty: the venv's own
# version (with --local, ansible-test runs the tests with that interpreter).
SANITY_PYTHON ?=

PYTEST_ARGS ?=
PYTEST      := $(VPY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# Use the venv's tools (ansible-galaxy, ansible-test, ansible-lint, ansible-playbook).
export PATH := $(VENV_BIN):$(PATH)

# Keep ansible's own state (tmp, ansible-lint's cache) out of the real ~/.ansible.
export ANSIBLE_HOME := $(BUILD)/ansible-home

# Passed through unchanged: set means set, unset stays unset.
ifdef LOSANT_CONFORMANCE_REQUIRED
export LOSANT_CONFORMANCE_REQUIRED
endif

# Run pytest on the existing paths in $(1); "no tests collected" (exit 5) is
# reported, not failed, so a suite whose folder is still empty does not break `make test`.
define run_pytest
paths=(); for p in $(1); do if [ -e "$$p" ]; then paths+=("$$p"); fi; done; \
if [ $${#paths[@]} -eq 0 ]; then echo "== $(2): nothing to run (none of: $(1))"; exit 0; fi; \
echo "== $(2): pytest $${paths[*]}"; \
rc=0; $(PYTEST) $(3) "$${paths[@]}" || rc=$$?; \
if [ $$rc -eq 5 ]; then echo "== $(2): no tests collected"; rc=0; fi; \
exit $$rc
endef

.PHONY: help venv build install pythonpath units integration conformance sanity lint test demo clean distclean

help:
	@sed -n '3,14s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

# ---------------------------------------------------------------- venv

venv: $(VENV_STAMP)

$(VENV_STAMP): tests/requirements.txt requirements.txt tools/find_python.sh
	@if ! [ -x "$(VPY)" ] || ! "$(VPY)" -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then \
	  py="$$(PYTHON='$(PYTHON)' tools/find_python.sh)"; \
	  echo "== venv: creating $(VENV) with $$py ($$("$$py" -V 2>&1))"; \
	  rm -rf "$(VENV)"; \
	  "$$py" -m venv "$(VENV)"; \
	fi
	@echo "== venv: installing tests/requirements.txt"
	"$(VPY)" -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	@touch "$@"

# ---------------------------------------------------------------- build / install

build: $(VENV_STAMP)
	@mkdir -p "$(BUILD)"
	@rm -f "$(BUILD)"/losant-platform-*.tar.gz
	ansible-galaxy collection build --force --output-path "$(BUILD)" .

install: build
	@rm -rf "$(COLLECTIONS_PATH)/ansible_collections/losant/platform"
	ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH)" ansible-galaxy collection install --offline --force \
	  -p "$(COLLECTIONS_PATH)" "$(BUILD)"/losant-platform-*.tar.gz

# ---------------------------------------------------------------- tests

pythonpath:
	@mkdir -p "$(PYTHONPATH_DIR)/ansible_collections/losant"
	@ln -sfn "$(CURDIR)" "$(PYTHONPATH_DIR)/ansible_collections/losant/platform"

# Unit tests import the collection from the working tree through the symlink.
# tests/emulator/test_conformance.py belongs to `make conformance`.
units: $(VENV_STAMP) pythonpath
	@export PYTHONPATH="$(PYTHONPATH_DIR)"; \
	$(call run_pytest,tests/unit tests/emulator,units,--ignore=tests/emulator/test_conformance.py)

# Integration tests run ansible against the built and installed collection.
integration: $(VENV_STAMP) install
	@export ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH)" PYTHONPATH="$(COLLECTIONS_PATH)"; \
	$(call run_pytest,tests/integration,integration,)

conformance: $(VENV_STAMP) pythonpath
	@export PYTHONPATH="$(PYTHONPATH_DIR)"; \
	$(call run_pytest,tests/conformance tests/emulator/test_conformance.py,conformance,)

# ansible-test sanity on a fresh copy of the git-tracked and untracked-but-not-ignored
# files, placed at .build/sanity/ansible_collections/losant/platform.  The copy gets
# an empty `git init`: ansible-test lists content with the nearest git work tree
# above it (`git ls-files --cached --others --exclude-standard`), which would
# otherwise be this repo, where .build/ is ignored, and it would find nothing.
# Sanity must pass with no ignore entries: an ignore file with entries fails the target.
sanity: $(VENV_STAMP)
	@ignores=$$(ls tests/sanity/ignore-*.txt 2>/dev/null || true); \
	if [ -n "$$ignores" ] && grep -v -h -E '^[[:space:]]*(#|$$)' $$ignores >/dev/null; then \
	  echo "== sanity: ignore entries are not allowed, found in: $$ignores" >&2; exit 1; \
	fi
	@rm -rf "$(SANITY_ROOT)"
	@mkdir -p "$(SANITY_DIR)"
	@git ls-files -z -co --exclude-standard \
	  | tar --null --ignore-failed-read -T - -cf - \
	  | tar -xf - -C "$(SANITY_DIR)"
	@git -C "$(SANITY_DIR)" -c init.defaultBranch=main init -q
	@tools/prepare_ansible_test_home.sh "$(TEST_HOME)" "$(VPY)"
	@pyver="$(SANITY_PYTHON)"; \
	if [ -z "$$pyver" ]; then pyver=$$("$(VPY)" -c 'import sys; print("%d.%d" % sys.version_info[:2])'); fi; \
	for f in "$$HOME/.config/pip/pip.conf" "$$HOME/.pip/pip.conf"; do \
	  if [ -z "$${PIP_CONFIG_FILE:-}" ] && [ -f "$$f" ]; then export PIP_CONFIG_FILE="$$f"; fi; \
	done; \
	echo "== sanity: ansible-test sanity --local --python $$pyver in $(SANITY_DIR)"; \
	cd "$(SANITY_DIR)" && HOME="$(TEST_HOME)" ansible-test sanity --local --python "$$pyver"

# ansible-lint (config: .ansible-lint).  With `offline: true` it does not install
# the collection it lints, so playbooks using losant.platform.* would not
# resolve: point ANSIBLE_COLLECTIONS_PATH at the symlinked working tree instead.
lint: $(VENV_STAMP) pythonpath
	ANSIBLE_COLLECTIONS_PATH="$(PYTHONPATH_DIR)" ansible-lint

test: venv units integration conformance sanity lint

# ---------------------------------------------------------------- demo

demo: $(VENV_STAMP) install
	@ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH)" tools/demo.sh

# ---------------------------------------------------------------- cleanup

clean:
	rm -rf "$(BUILD)" tests/output .pytest_cache

distclean: clean
	rm -rf "$(VENV)" .ansible .hypothesis
