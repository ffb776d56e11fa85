# Build, test and demo the losant.platform collection.
#
#   make demo          docs/examples twice against the bundled Losant emulator: changes, then changed=0
#   make test          everything below, as CI runs it (.ci/run)
#   make units         ansible-test units: modules, module_utils and the emulator
#   make integration   ansible-test integration against the emulator (tests/integration/emulator_service.py);
#                      TARGETS="experience_group ..." runs only those targets
#   make sanity        ansible-test sanity on every supported Python found; no ignore entries allowed
#   make reliability   pytest tests/reliability: faults, races, secret audit, bad input, TLS and proxies
#   make nox           antsibull-nox: lint (flake8, yamllint), docs-check, extra-checks, build-import-check
#                      (galaxy-importer, zero warnings) and ansible-lint, as configured in antsibull-nox.toml
#   make changelog-lint  fragments lint; CHANGELOG.rst is what changelogs/changelog.yaml renders to
#   make docs          the HTML docs site -> docs/build/html
#   make ee            ansible-builder introspect + create (docs/execution-environment.yml)
#   make awx           tests/awx: ansible-runner as AWX runs jobs, the credential type, ansible-navigator,
#                      the execution environment's build context, the drift check, .github/workflows
#   make test-2.18     units, integration (COMPAT_TARGETS) and sanity on ansible-core 2.18 / Python 3.11
#   make build         the collection tarball -> .build/losant-platform-<version>.tar.gz
#   make bench         figures of experience_users at scale (docs/performance.md; not a test)
#   make test-live     the live lane against a real Losant application (never part of make test; see
#                      CONTRIBUTING.md "Testing against Losant"); make test-live-clean removes what runs left
#   make changelog     fold changelogs/fragments into the release of galaxy.yml's version
#   make clean         remove build output (keeps the venvs); make distclean also removes them
#
# The venv is made with the first Python >= 3.12 that tools/find_python.sh finds
# (PYTHON=/path/to/python to choose); .venv-2.18 with a Python 3.11 (PYTHON_2.18=...).
#
# ansible-test and antsibull-docs need the collection at .../ansible_collections/losant/platform.
# A checkout there is used in place; any other checkout is copied to
# .build/tree/ansible_collections/losant/platform (git's tracked and unignored files) first.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON ?=
PYTHON_2.18 ?=
# Empty for the newest ansible-core, or 2.18 (the oldest requires_ansible admits) with its own
# venv, Python and copy of the tree: `make CORE=2.18 units` (what `make test-2.18` runs).
CORE ?=
# Integration targets to run (all when empty).
TARGETS ?=
# ansible-test sanity tests to skip.
SANITY_SKIP ?=
# Set by `make test` for the checks it runs side by side in the one tree it has built.
TREE_READY ?=
# What depends on the ansible-core version (AnsiballZ, argument specs, the action plugin of
# experience_users, the role's argument_specs), for the oldest line: the bulk module and the role.
COMPAT_TARGETS := experience_users role_experience_access

STANDARD_PATH := /ansible_collections/losant/platform
BUILD := $(CURDIR)/.build

ifeq ($(CORE),)
VENV         := $(CURDIR)/.venv
REQUIREMENTS := tests/requirements.txt tests/requirements-docs.txt tests/requirements-awx.txt
VENV_PYVER   :=
LINE_BUILD   := $(BUILD)
else ifeq ($(CORE),2.18)
VENV         := $(CURDIR)/.venv-2.18
REQUIREMENTS := tests/requirements-2.18.txt
VENV_PYVER   := 3.11
override PYTHON := $(PYTHON_2.18)
LINE_BUILD   := $(BUILD)/core-2.18
else
$(error CORE=$(CORE): only 2.18 (or empty, for the newest) is known)
endif

# Where ansible-test, antsibull-* and ansible-playbook see the collection. A copy never
# lies under a standard-path checkout: a second ansible_collections in one path keeps
# ansible-core from naming the collection, so there it goes to the temporary folder.
ifeq ($(patsubst %$(STANDARD_PATH),,$(CURDIR))$(CORE),)
COLLECTION_DIR := $(CURDIR)
else ifeq ($(patsubst %$(STANDARD_PATH),,$(CURDIR)),)
COLLECTION_DIR := $(or $(TMPDIR),/tmp)/losant.platform-$(CORE)-$(shell printf %s "$(CURDIR)" | cksum | cut -d' ' -f1)$(STANDARD_PATH)
else
COLLECTION_DIR := $(LINE_BUILD)/tree$(STANDARD_PATH)
endif
COLLECTIONS_ROOT := $(patsubst %$(STANDARD_PATH),%,$(COLLECTION_DIR))

VPY        := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.requirements.stamp
# ansible-test's HOME: its venv cache and the offline pip bootstrap live there, not in the
# real home. Keep it short: its venvs' shebangs must stay under Linux's 127 characters.
TEST_HOME  := $(LINE_BUILD)/home
PYTHONS    := $(LINE_BUILD)/pythons
SANITY_PYTHON ?=
DOCSITE    := $(BUILD)/docsite
DOCS_BUILD := $(CURDIR)/docs/build

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_HOME := $(LINE_BUILD)/ansible-home
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS_ROOT)
# `.ci/run` sets it: a missing Losant contract (../shared/losant-api) fails instead of skipping.
ifdef LOSANT_CONFORMANCE_REQUIRED
export LOSANT_CONFORMANCE_REQUIRED
endif

# Run $(1) in the collection tree with ansible-test's HOME, its output also in $(LINE_BUILD)/$(2).log.
define in_tree
mkdir -p "$(LINE_BUILD)"; cd "$(COLLECTION_DIR)" && HOME="$(TEST_HOME)" $(1) 2>&1 | tee "$(LINE_BUILD)/$(2).log"
endef

.PHONY: help venv tree test-home build units integration sanity reliability nox changelog-lint changelog \
	docs ee awx static-checks test-2.18 test test-suites test-checks bench demo clean distclean test-live test-live-clean

help:
	@sed -n '3,21s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

# ---------------------------------------------------------------- set-up

venv: $(VENV_STAMP)

$(VENV_STAMP): $(REQUIREMENTS) requirements.txt tools/find_python.sh
	@if [ -n "$(VENV_PYVER)" ]; then check="import sys; assert '%d.%d' % sys.version_info[:2] == '$(VENV_PYVER)'"; \
	else check='import sys; assert sys.version_info >= (3, 12)'; fi; \
	if ! "$(VPY)" -c "$$check" >/dev/null 2>&1; then \
	  py="$$(PYTHON='$(PYTHON)' tools/find_python.sh $(VENV_PYVER))"; \
	  echo "== venv: creating $(VENV) with $$py ($$("$$py" -V 2>&1))"; \
	  rm -rf "$(VENV)"; "$$py" -m venv "$(VENV)"; \
	fi
	"$(VPY)" -m pip install --quiet --disable-pip-version-check $(addprefix -r ,$(REQUIREMENTS))
	@touch "$@"

# The collection at a standard path: git's tracked and unignored files, in an empty git
# repository of its own (ansible-test lists content through the nearest git work tree).
# A copy also gets the Losant contract (see tests/conformance_support.py) at shared/losant-api
# beside its ansible_collections, where the schema checks look when they run from it.
tree: $(VENV_STAMP)
ifeq ($(COLLECTION_DIR),$(CURDIR))
else ifneq ($(TREE_READY),)
else
	@rm -rf "$(COLLECTION_DIR)" && mkdir -p "$(COLLECTION_DIR)"
	@git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$(COLLECTION_DIR)"
	@git -C "$(COLLECTION_DIR)" -c init.defaultBranch=main init -q
	@contract=$$(cd tests && "$(VPY)" -c 'import conformance_support as c; print(c.SHARED_API_DIR)'); \
	if [ -d "$$contract/schemas" ]; then mkdir -p "$(COLLECTIONS_ROOT)/shared" && ln -sfn "$$contract" "$(COLLECTIONS_ROOT)/shared/losant-api"; fi
endif

# Each sanity venv gets pip offline: tools/get_pip_offline.py stands in for the bootstrap
# script ansible-test would download.
test-home: $(VENV_STAMP)
ifeq ($(TREE_READY),)
	@tools/prepare_ansible_test_home.sh "$(TEST_HOME)" "$(VPY)"
endif

build: $(VENV_STAMP)
	@mkdir -p "$(BUILD)" && rm -f "$(BUILD)"/losant-platform-*.tar.gz
	ansible-galaxy collection build --force --output-path "$(BUILD)" .
	@junk=$$(tar -tzf "$(BUILD)"/losant-platform-*.tar.gz | grep -E '(^|/)(\.venv[^/]*|\.build|\.nox|\.ansible|tests/output|__pycache__|Makefile|tools)(/|$$)' || true); \
	if [ -n "$$junk" ]; then echo "== build: build output or tooling in the tarball (see build_ignore):" >&2; echo "$$junk" >&2; exit 1; fi

# ---------------------------------------------------------------- tests

units: $(VENV_STAMP) tree test-home
	@$(call in_tree,ansible-test units --local --python "$$("$(VPY)" -c 'import sys; print("%d.%d" % sys.version_info[:2])')",units)
	@if [ "$${LOSANT_CONFORMANCE_REQUIRED:-}" = 1 ] && grep -q 'Losant API contract not found' "$(LINE_BUILD)/units.log"; then \
	  echo "== units: LOSANT_CONFORMANCE_REQUIRED=1 but the schema tests found no Losant contract" >&2; exit 1; fi

# The emulator runs for the whole ansible-test run (tests/integration/emulator_service.py writes
# tests/integration/integration_config.yml); ansible-playbook runs at -vvvv, its output and log kept
# beside $(LINE_BUILD)/integration.log for the secret audit of `make reliability`.
integration: $(VENV_STAMP) tree test-home
	@cd "$(COLLECTION_DIR)" && LOSANT_INTEGRATION_LOG="$(LINE_BUILD)/integration.log" "$(VPY)" tests/integration/emulator_service.py start
	@trap 'cd "$(COLLECTION_DIR)" && "$(VPY)" tests/integration/emulator_service.py stop' EXIT; rc=0; \
	(cd "$(COLLECTION_DIR)" && HOME="$(TEST_HOME)" ansible-test integration --local -vvvv \
	  --python "$$("$(VPY)" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" $(TARGETS)) >"$(LINE_BUILD)/integration.log" 2>&1 || rc=$$?; \
	grep -E '^(Running .* integration test role|testhost +:)' "$(LINE_BUILD)/integration.log" || true; \
	if [ $$rc -ne 0 ]; then tail -n 300 "$(LINE_BUILD)/integration.log"; fi; \
	echo "== integration: exit $$rc; the whole -vvvv output is in $(LINE_BUILD)/integration.log"; exit $$rc

# Sanity must pass with no ignore entries. Without SANITY_PYTHON, the controller tests run on
# the venv's Python and compile/import on every version ansible-test supports that is here.
sanity: $(VENV_STAMP) tree test-home
	@if grep -v -h -E '^[[:space:]]*(#|$$)' tests/sanity/ignore-*.txt 2>/dev/null; then \
	  echo "== sanity: ignore entries are not allowed" >&2; exit 1; fi
	@if [ -n "$(SANITY_PYTHON)" ]; then args="--python $(SANITY_PYTHON)"; \
	else echo "== sanity: target Pythons found: $$(tools/sanity_pythons.sh "$(PYTHONS)" "$(VPY)")"; args=; fi; \
	args="$$args $(addprefix --skip-test ,$(SANITY_SKIP))"; \
	export PATH="$(PYTHONS):$$PATH"; \
	$(call in_tree,ansible-test sanity --local $$args,sanity)

# Faults, races, the secret audit, bad input, permissions, TLS and proxies, through
# ansible-playbook against the tree; prints a table of cases and outcomes.
reliability: $(VENV_STAMP) tree
	@cd "$(COLLECTION_DIR)" && PYTHONPATH="$(COLLECTIONS_ROOT)" LOSANT_INTEGRATION_LOG="$(BUILD)/integration.log" \
	  "$(VPY)" -m pytest -p no:cacheprovider tests/reliability

# antsibull-nox's sessions, each in its own venv under .build/nox. Galaxy's import check
# must print no warning: its WARNING and ERROR lines fail the target.
NOX_SESSIONS := lint docs-check extra-checks build-import-check ansible-lint
nox: $(VENV_STAMP) tree
	@$(call in_tree,nox --envdir "$(BUILD)/nox" --reuse-venv=yes -e $(NOX_SESSIONS),nox)
	@warnings=$$(sed -n '/^ *Importing with galaxy-importer/,/^ *Importer processing completed/p' "$(LINE_BUILD)/nox.log" \
	  | grep -E '^ *(WARNING|ERROR):' || true); \
	if [ -n "$$warnings" ]; then echo "== nox: galaxy-importer warned:" >&2; echo "$$warnings" >&2; exit 1; fi; \
	grep -q 'Importer processing completed successfully' "$(LINE_BUILD)/nox.log"; \
	echo "== nox: $(NOX_SESSIONS) passed; galaxy-importer: 0 warnings"

# ---------------------------------------------------------------- changelog

changelog-lint: $(VENV_STAMP)
	antsibull-changelog lint
	@rm -rf "$(BUILD)/changelog" && mkdir -p "$(BUILD)/changelog" && cp -r changelogs galaxy.yml "$(BUILD)/changelog/"
	@cd "$(BUILD)/changelog" && antsibull-changelog generate --output CHANGELOG.rst --output-format rst >/dev/null
	@diff -u CHANGELOG.rst "$(BUILD)/changelog/CHANGELOG.rst" || \
	  { echo "== changelog-lint: CHANGELOG.rst is not what changelogs/changelog.yaml renders to; run make changelog" >&2; exit 1; }

# While galaxy.yml's version is unreleased this updates its release in place.
changelog: $(VENV_STAMP) tree
	@version=$$(sed -n 's/^version:[[:space:]]*//p' galaxy.yml | tr -d "\"' "); \
	antsibull-changelog release --version "$$version" --update-existing --reload-plugins

# ---------------------------------------------------------------- docs and execution environment

# antsibull-docs sphinx-init's project with the collection's own front page (docs/docsite/index.rst)
# and the Markdown guides of docs/ that Galaxy shows, rendered by myst-parser; offline
# (tools/docsite_conf.py keeps intersphinx local), built with Sphinx -W (warnings are errors).
docs: $(VENV_STAMP) tree
	@rm -rf "$(DOCSITE)" "$(DOCS_BUILD)" && mkdir -p -m 700 "$(DOCSITE)"
	antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$(DOCSITE)" --project losant.platform \
	  --title "losant.platform collection" --copyright "losant.platform contributors" \
	  --index-rst-source "$(COLLECTION_DIR)/docs/docsite/index.rst" losant.platform
	@cat tools/docsite_conf.py >>"$(DOCSITE)/conf.py"
	@"$(VPY)" tools/docsite_inventory.py "$(DOCSITE)/ansible_devel.inv"
	@cp "$(COLLECTION_DIR)"/docs/*.md "$(DOCSITE)/rst/"
	cd "$(DOCSITE)" && ./build.sh
	@mkdir -p "$(DOCS_BUILD)" && cp -r "$(DOCSITE)/build/html" "$(DOCS_BUILD)/html"
	@echo "== docs: $(DOCS_BUILD)/html/index.html ($$(find "$(DOCS_BUILD)/html" -name '*.html' | wc -l) pages)"

# The installed collection declares its Python needs to ansible-builder (meta/execution-environment.yml).
ee: $(VENV_STAMP) tree
	@ansible-builder introspect "$(COLLECTIONS_ROOT)" | tee "$(BUILD)/introspect.txt"
	@grep -q 'from collection losant.platform' "$(BUILD)/introspect.txt"
	ansible-builder create -f docs/execution-environment.yml --context "$(BUILD)/ee" --output-filename Containerfile
	@test -s "$(BUILD)/ee/Containerfile"

# How AWX, Automation Platform and CI run the collection (tests/awx; docs/awx.md).
awx: $(VENV_STAMP) tree
	@cd "$(COLLECTION_DIR)" && PYTHONPATH="$(COLLECTIONS_ROOT)" BUILD_DIR="$(BUILD)" \
	  "$(VPY)" -m pytest -p no:cacheprovider tests/awx

# ---------------------------------------------------------------- everything

# The oldest ansible-core line: units (every module's main() on 2.18's AnsibleModule), the
# integration targets of COMPAT_TARGETS, and sanity without the style checks (pylint, pep8: their
# rules do not change with ansible-core, and the newest line runs them).
test-2.18:
	@$(MAKE) CORE=2.18 TREE_READY= SANITY_PYTHON=3.11 SANITY_SKIP="pylint pep8" TARGETS="$(COMPAT_TARGETS)" \
	  venv units integration sanity

static-checks: sanity nox changelog-lint build docs ee

# The tree and ansible-test's HOME are made once; then the suites that serve an emulator run on
# one side and the static checks, the AWX suite and the oldest line on the other, each side's
# output in its own log.
test: venv tree test-home
	@TREE_READY=1 tools/side_by_side.sh "$(BUILD)/side-by-side" "$(MAKE)" test-suites test-checks

test-suites: units integration reliability

test-checks: static-checks awx test-2.18

# BENCH_ARGS for a quick run, e.g. make bench BENCH_ARGS="--sizes 1000 --no-loop" (see bench.py --help);
# BENCH_MANY_ARGS for many_applications.py (one play over 20 applications, forks 1 and 10).
bench: $(VENV_STAMP) tree
	@"$(VPY)" tests/bench/bench.py --markdown "$(BUILD)/bench.md" --json "$(BUILD)/bench.json" $(BENCH_ARGS)
	@"$(VPY)" tests/bench/many_applications.py --markdown "$(BUILD)/bench-many-applications.md" $(BENCH_MANY_ARGS)

# LOSANT_API_TOKEN, LOSANT_APPLICATION_ID (and LOSANT_API_URL), and LOSANT_LIVE_CONFIRM set to the
# application id; the recording goes to tests/live/recordings/ of this checkout (LIVE_RECORDINGS=dir).
LIVE_RECORDINGS ?= $(CURDIR)/tests/live/recordings
test-live: $(VENV_STAMP) tree test-home
	@cd "$(COLLECTION_DIR)" && HOME="$(TEST_HOME)" "$(VPY)" tests/live/lane.py run --recordings "$(LIVE_RECORDINGS)" -- \
	  ansible-test integration --local -v --python "$$("$(VPY)" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
	  live_users live_groups

test-live-clean: $(VENV_STAMP) tree
	@cd "$(COLLECTION_DIR)" && "$(VPY)" tests/live/lane.py clean --ansible-playbook "$(VENV)/bin/ansible-playbook"

demo: $(VENV_STAMP) tree
	@tools/demo.sh

clean:
	rm -rf "$(BUILD)" "$(DOCS_BUILD)" tests/output .nox changelogs/.plugin-cache.yaml \
	  $(or $(TMPDIR),/tmp)/losant.platform-2.18-$(shell printf %s "$(CURDIR)" | cksum | cut -d' ' -f1)

distclean: clean
	rm -rf "$(CURDIR)/.venv" "$(CURDIR)/.venv-2.18" .ansible .hypothesis
