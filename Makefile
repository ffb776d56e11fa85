# Build and test tooling for the losant.platform Ansible collection.
#
#   make venv           .venv: pinned tests/requirements.txt + tests/requirements-docs.txt (re-run when they change)
#   make build          ansible-galaxy collection build  -> .build/losant-platform-<version>.tar.gz
#   make install        install that tarball into .build/collections (forced)
#   make units          pytest tests/unit tests/emulator
#   make integration    pytest tests/integration against the installed collection
#   make reliability    pytest tests/reliability: faults, races, secret audit, bad input, TLS (docs/reliability.md)
#   make conformance    pytest tests/conformance tests/emulator/test_conformance.py (what exists)
#   make sanity         ansible-test sanity on a fresh copy under .build/sanity, every supported Python found
#   make lint           ansible-lint, production profile, offline
#   make changelog-lint antsibull-changelog lint; CHANGELOG.rst matches changelogs/changelog.yaml
#   make docs-lint      antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs
#   make docs           the HTML docs site (antsibull-docs + Sphinx, warnings fail) -> docs/build/html
#   make ee             ansible-builder introspect + create on docs/execution-environment.yml -> .build/ee
#   make artifact       tarball size and file list; install it cleanly; ansible-doc every plugin and role
#   make test-2.18      units, integration and sanity on ansible-core 2.18 / Python 3.11 (.venv-2.18)
#   make static-checks  sanity lint changelog-lint docs-lint artifact ee docs
#   make test           all of the above (static-checks beside test-2.18)
#   make bench          benchmark of experience_users (figures for docs/performance.md; not a test)
#   make changelog      fold changelogs/fragments into the release of galaxy.yml's version, CHANGELOG.rst
#   make demo           run docs/examples/*.yml twice against the local emulator (tools/demo.sh)
#   make clean          remove .build and docs/build (keeps the venvs);  make distclean  also removes them
#
# Python: the venv is created with the first Python >= 3.12 that tools/find_python.sh
# finds ($(PYTHON) if set, python3.13/python3.12 on PATH, then pyenv's versions);
# .venv-2.18 with Python 3.11 ($(PYTHON_2.18) if set).
# To switch interpreters: make distclean venv PYTHON=/path/to/python3.x

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

# Interpreter used to create the venv (empty: let tools/find_python.sh decide).
PYTHON ?=
PYTHON_2.18 ?=

# CORE: empty for the newest ansible-core (tests/requirements.txt, .venv,
# .build), or an older release line with its own pinned requirements, venv,
# Python and build tree: `make CORE=2.18 units` (what `make test-2.18` runs).
# 2.18 is the oldest line that requires_ansible in meta/runtime.yml admits; it
# runs on Python 3.11, the oldest controller Python it shares with the newest.
CORE ?=
ifeq ($(CORE),)
VENV         := $(CURDIR)/.venv
REQUIREMENTS := tests/requirements.txt tests/requirements-docs.txt
VENV_PYVER   :=
BUILD        := $(CURDIR)/.build
# The integration targets run at -vvvv, their output kept for the secret audit of tests/reliability.
INTEGRATION_VERBOSITY := 4
else ifeq ($(CORE),2.18)
VENV         := $(CURDIR)/.venv-2.18
REQUIREMENTS := tests/requirements-2.18.txt
VENV_PYVER   := 3.11
override PYTHON := $(PYTHON_2.18)
BUILD        := $(CURDIR)/.build/core-2.18
# The secret audit reads the newest line's runs; here the targets only have to pass.
INTEGRATION_VERBOSITY := 0
else
$(error CORE=$(CORE): only 2.18 (or empty, for the newest) is known)
endif

VENV_BIN   := $(VENV)/bin
VPY        := $(VENV_BIN)/python
VENV_STAMP := $(VENV)/.requirements.stamp

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
# Symlinks pythonX.Y to every Python ansible-test supports that this machine has.
SANITY_PYTHONS   := $(BUILD)/pythons

# Python version for `ansible-test sanity --python`.  Empty: the controller
# tests run with the venv's Python (--local), and the tests that run per target
# Python (compile, import) run on every version ansible-test supports that
# tools/sanity_pythons.sh finds on this machine.
SANITY_PYTHON ?=

# Docs site: antsibull-docs sphinx-init writes its Sphinx project here, the
# HTML lands in docs/build/html.
DOCSITE    := $(BUILD)/docsite
DOCS_BUILD := $(CURDIR)/docs/build
EE_DIR     := $(BUILD)/ee
ARTIFACT_DIR := $(BUILD)/artifact

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

.PHONY: bench help venv build install pythonpath units integration reliability conformance sanity lint test demo clean distclean \
	changelog-lint changelog docs-lint docs ee artifact static-checks test-2.18

help:
	@sed -n '3,28s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

# ---------------------------------------------------------------- venv

venv: $(VENV_STAMP)

$(VENV_STAMP): $(REQUIREMENTS) requirements.txt tools/find_python.sh
	@if [ -n "$(VENV_PYVER)" ]; then check="import sys; assert '%d.%d' % sys.version_info[:2] == '$(VENV_PYVER)'"; \
	else check='import sys; assert sys.version_info >= (3, 12)'; fi; \
	if ! [ -x "$(VPY)" ] || ! "$(VPY)" -c "$$check" >/dev/null 2>&1; then \
	  py="$$(PYTHON='$(PYTHON)' tools/find_python.sh $(VENV_PYVER))"; \
	  echo "== venv: creating $(VENV) with $$py ($$("$$py" -V 2>&1))"; \
	  rm -rf "$(VENV)"; \
	  "$$py" -m venv "$(VENV)"; \
	fi
	@echo "== venv: installing $(REQUIREMENTS)"
	"$(VPY)" -m pip install --quiet --disable-pip-version-check $(addprefix -r ,$(REQUIREMENTS))
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

# Integration tests run ansible against the built and installed collection, at -vvvv,
# keeping each target's output and log in .build/integration-output for the secret
# audit of `make reliability` (which runs a target itself when its output is not fresh).
integration: $(VENV_STAMP) install
	@export ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH)" PYTHONPATH="$(COLLECTIONS_PATH)" \
	  LOSANT_INTEGRATION_VERBOSITY=$(INTEGRATION_VERBOSITY) LOSANT_INTEGRATION_OUTPUT="$(BUILD)/integration-output"; \
	$(call run_pytest,tests/integration,integration,)

# Faults, races, the secret audit, bad input, permissions, TLS and proxies, through ansible-playbook
# against the installed collection; prints a table of cases and outcomes (also .build/reliability-report.md).
reliability: $(VENV_STAMP) install
	@export ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH)" PYTHONPATH="$(COLLECTIONS_PATH)"; \
	$(call run_pytest,tests/reliability,reliability,)

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
	@for f in "$$HOME/.config/pip/pip.conf" "$$HOME/.pip/pip.conf"; do \
	  if [ -z "$${PIP_CONFIG_FILE:-}" ] && [ -f "$$f" ]; then export PIP_CONFIG_FILE="$$f"; fi; \
	done; \
	if [ -n "$(SANITY_PYTHON)" ]; then args=(--python "$(SANITY_PYTHON)"); pythons="$(SANITY_PYTHON)"; \
	else args=(); pythons=$$(tools/sanity_pythons.sh "$(SANITY_PYTHONS)" "$(VPY)"); export PATH="$(SANITY_PYTHONS):$$PATH"; fi; \
	core=$$("$(VPY)" -c 'from ansible.release import __version__; print(__version__)'); \
	echo "== sanity: ansible-test $$core sanity --local $${args[*]} in $(SANITY_DIR); target Pythons found: $$pythons"; \
	cd "$(SANITY_DIR)" && HOME="$(TEST_HOME)" ansible-test sanity --local "$${args[@]}" 2>&1 | tee "$(BUILD)/sanity.log"; \
	ran=$$(sed -n 's/^Running sanity test "compile" on Python \([0-9.]*\)$$/\1/p' "$(BUILD)/sanity.log" | tr '\n' ' '); \
	echo "== sanity: ansible-core $$core passed; compile and import ran on Python $${ran:-(none reported)}"

# ansible-lint (config: .ansible-lint).  With `offline: true` it does not install
# the collection it lints, so playbooks using losant.platform.* would not
# resolve: point ANSIBLE_COLLECTIONS_PATH at the symlinked working tree instead.
lint: $(VENV_STAMP) pythonpath
	ANSIBLE_COLLECTIONS_PATH="$(PYTHONPATH_DIR)" ansible-lint

# ---------------------------------------------------------------- changelog

# Lint the fragments and changelog.yaml; CHANGELOG.rst must be what
# changelog.yaml renders to (regenerated in a copy and compared).
changelog-lint: $(VENV_STAMP)
	antsibull-changelog lint
	@rm -rf "$(BUILD)/changelog" && mkdir -p "$(BUILD)/changelog"
	@cp -r changelogs galaxy.yml "$(BUILD)/changelog/"
	@cd "$(BUILD)/changelog" && antsibull-changelog generate --output CHANGELOG.rst --output-format rst >/dev/null
	@if ! diff -u CHANGELOG.rst "$(BUILD)/changelog/CHANGELOG.rst"; then \
	  echo "== changelog-lint: CHANGELOG.rst is not what changelogs/changelog.yaml renders to; run make changelog" >&2; exit 1; fi
	@pending=$$(find changelogs/fragments -name '*.y*ml' 2>/dev/null | wc -l); \
	echo "== changelog-lint: OK; $$pending fragment(s) not yet in a release (make changelog folds them in)"

# Fold the fragments into the release of galaxy.yml's version and rewrite
# CHANGELOG.rst.  While that version is unpublished this updates it in place
# (--update-existing); after a version bump it starts the next release.
changelog: $(VENV_STAMP) pythonpath
	@version=$$(sed -n 's/^version:[[:space:]]*//p' galaxy.yml | tr -d "\"' "); \
	echo "== changelog: release $$version"; \
	ANSIBLE_COLLECTIONS_PATH="$(PYTHONPATH_DIR)" antsibull-changelog release --version "$$version" --update-existing --reload-plugins

# ---------------------------------------------------------------- docs

# antsibull-docs needs the collection at .../ansible_collections/losant/platform.
docs-lint: $(VENV_STAMP) pythonpath
	cd "$(PYTHONPATH_DIR)/ansible_collections/losant/platform" && \
	  ANSIBLE_COLLECTIONS_PATH="$(PYTHONPATH_DIR)" antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs .

# A Sphinx project from antsibull-docs sphinx-init (fresh each time), rendering
# the collection as installed from its tarball, then its build.sh: Sphinx with
# -W (warnings are errors).  Offline: tools/docsite_conf.py replaces the
# intersphinx inventories that conf.py would download with a local one.
docs: $(VENV_STAMP) install
	@rm -rf "$(DOCSITE)" "$(DOCS_BUILD)"
	@mkdir -p -m 700 "$(DOCSITE)"
	ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH)" antsibull-docs sphinx-init --use-current --fail-on-error \
	  --dest-dir "$(DOCSITE)" --project losant.platform --title "losant.platform collection" \
	  --copyright "losant.platform contributors" losant.platform
	@cat tools/docsite_conf.py >>"$(DOCSITE)/conf.py"
	@"$(VPY)" tools/docsite_inventory.py "$(DOCSITE)/ansible_devel.inv"
	cd "$(DOCSITE)" && ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH)" ./build.sh
	@mkdir -p "$(DOCS_BUILD)"
	@cp -r "$(DOCSITE)/build/html" "$(DOCS_BUILD)/html"
	@echo "== docs: $(DOCS_BUILD)/html/index.html ($$(find "$(DOCS_BUILD)/html" -name '*.html' | wc -l) pages)"

# ---------------------------------------------------------------- execution environment

# ansible-builder introspect: the installed collection declares its Python needs
# (meta/execution-environment.yml -> requirements.txt); create: the build
# context of docs/execution-environment.yml (no container engine needed).
ee: $(VENV_STAMP) install
	@rm -rf "$(EE_DIR)"
	@ansible-builder introspect "$(COLLECTIONS_PATH)" >"$(BUILD)/introspect.txt"
	@cat "$(BUILD)/introspect.txt"
	@grep -q 'from collection losant.platform' "$(BUILD)/introspect.txt" || \
	  { echo "== ee: ansible-builder found no Python requirement of losant.platform" >&2; exit 1; }
	ansible-builder create -f docs/execution-environment.yml --context "$(EE_DIR)" --output-filename Containerfile
	@test -s "$(EE_DIR)/Containerfile"
	@echo "== ee: build context in $(EE_DIR)"

# ---------------------------------------------------------------- artifact

artifact: $(VENV_STAMP) build
	@tools/check_artifact.sh "$$(ls "$(BUILD)"/losant-platform-*.tar.gz)" "$(ARTIFACT_DIR)"

# ---------------------------------------------------------------- version matrix

# The oldest ansible-core line requires_ansible admits: the same units,
# integration and sanity recipes with CORE=2.18 (its own venv and build tree),
# sanity on its controller Python; the newest line's sanity covers every
# target Python. Part of `make test`.
test-2.18:
	@$(MAKE) CORE=2.18 SANITY_PYTHON=3.11 venv units integration sanity

# The checks that measure no time, one after another; `make test` runs them beside test-2.18.
static-checks: sanity lint changelog-lint docs-lint artifact ee docs

# The suites with timing in them (reliability's faults and races) run alone first;
# then the static checks and the 2.18 line run side by side, each into its own log
# (.build/side-by-side/), printed whole when both are done.
test: venv units integration reliability conformance
	@tools/side_by_side.sh "$(BUILD)/side-by-side" "$(MAKE)" static-checks test-2.18

# Figures, not a test: experience_users at 1,000 and 10,000 users against the emulator (docs/performance.md).
bench: $(VENV_STAMP) install
	@ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH)" "$(VPY)" tests/bench/bench.py --markdown "$(BUILD)/bench.md"

# ---------------------------------------------------------------- demo

demo: $(VENV_STAMP) install
	@ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH)" tools/demo.sh

# ---------------------------------------------------------------- cleanup

clean:
	rm -rf "$(BUILD)" "$(DOCS_BUILD)" tests/output .pytest_cache changelogs/.plugin-cache.yaml

distclean: clean
	rm -rf "$(CURDIR)/.venv" "$(CURDIR)/.venv-2.18" .ansible .hypothesis
