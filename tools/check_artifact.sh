#!/usr/bin/env bash
# Check the collection tarball the way Galaxy, AWX and docs.ansible.com meet it.
#
# usage: tools/check_artifact.sh TARBALL WORK_DIR
#
# 1. Size: at most $ARTIFACT_MAX_KIB KiB (default 1024).  The collection is
#    text (about 0.2 MiB today); a tarball several times that has picked up
#    build output, a venv or a cache that build_ignore in galaxy.yml missed.
# 2. File list: the files Galaxy and the docs site need are present; every
#    plugin and role in the source tree (found, not listed) is in it; build
#    output, venvs, caches, test output and development tooling are not.
# 3. It installs into an empty collections path (WORK_DIR/collections), and
#    from there, with nothing else on the collections path, `ansible-doc`
#    renders every plugin (modules: with EXAMPLES and RETURN) and
#    `ansible-doc -t role` every role - zero roles is fine.
#
# Run from the source tree (the Makefile does), with the venv's ansible-galaxy,
# ansible-doc and python first on PATH.
set -euo pipefail

tarball=${1:?TARBALL missing}
work=${2:?WORK_DIR missing}
max_kib=${ARTIFACT_MAX_KIB:-1024}
src=$(pwd)
errors=0

fail() {
    echo "check_artifact: $*" >&2
    errors=$((errors + 1))
}

namespace=$(sed -n 's/^namespace:[[:space:]]*//p' galaxy.yml | tr -d "\"' ")
name=$(sed -n 's/^name:[[:space:]]*//p' galaxy.yml | tr -d "\"' ")
collection="$namespace.$name"

# ---------------------------------------------------------------- 1. size
bytes=$(stat -c %s "$tarball")
echo "== artifact: $(basename "$tarball"): $bytes bytes ($((bytes / 1024)) KiB; limit $max_kib KiB)"
if [ "$bytes" -gt $((max_kib * 1024)) ]; then
    fail "the tarball is $((bytes / 1024)) KiB, over the $max_kib KiB limit: see what build_ignore misses"
fi

# ---------------------------------------------------------------- 2. file list
listing=$(tar -tzf "$tarball" | sed 's|^\./||' | grep -v '/$' | sort)
echo "== artifact: $(wc -l <<<"$listing") files"

has() {
    grep -qxF -- "$1" <<<"$listing"
}

required=(
    MANIFEST.json FILES.json README.md COPYING requirements.txt CHANGELOG.rst
    meta/runtime.yml meta/execution-environment.yml
    changelogs/changelog.yaml changelogs/config.yaml
    docs/docsite/links.yml docs/docsite/extra-docs.yml
)
for path in "${required[@]}"; do
    has "$path" || fail "required file missing from the tarball: $path"
done

# Every plugin and role of the source tree ships, and every extra doc page.
while IFS= read -r path; do
    [ -n "$path" ] || continue
    case "$path" in
        */__pycache__/*|*.pyc) continue ;;
    esac
    has "$path" || fail "source file missing from the tarball: $path"
done < <(find plugins roles docs/docsite -type f 2>/dev/null | sort)

forbidden='(^|/)(\.venv[^/]*|\.build|\.git|\.ansible|\.cache|\.tox|\.pytest_cache|\.hypothesis|\.mypy_cache|\.ruff_cache|__pycache__)/'
forbidden+='|\.pyc$|\.tar\.gz$|^tests/output/|^docs/build/|^changelogs/\.plugin-cache\.yaml$'
forbidden+='|^\.ci/|^tools/|^Makefile$|^\.gitignore$|^\.ansible-lint$'
if bad=$(grep -E -- "$forbidden" <<<"$listing"); then
    fail "files that build_ignore in galaxy.yml should keep out: $(tr '\n' ' ' <<<"$bad")"
fi

# Files git does not track got in from the working tree (fine while a change is
# being written; a fresh clone, as in CI, has none).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    untracked=$(comm -23 <(grep -vxE 'MANIFEST\.json|FILES\.json' <<<"$listing") <(git ls-files | sort) || true)
    if [ -n "$untracked" ]; then
        echo "== artifact: note: not tracked by git, but in the tarball: $(tr '\n' ' ' <<<"$untracked")"
    fi
fi

# ---------------------------------------------------------------- 3. install, ansible-doc
rm -rf "$work"
mkdir -p "$work/collections" "$work/cwd"
ansible-galaxy collection install --offline -p "$work/collections" "$tarball" >"$work/install.log" 2>&1 \
    || { cat "$work/install.log" >&2; fail "ansible-galaxy collection install failed"; }
installed="$work/collections/ansible_collections/$namespace/$name"

python - "$installed/MANIFEST.json" <<'PY' || fail "MANIFEST.json lacks Galaxy metadata"
import json, sys
info = json.load(open(sys.argv[1]))["collection_info"]
missing = [key for key in ("license", "repository", "documentation", "issues", "tags", "description", "authors")
           if not info.get(key)]
if missing:
    sys.exit("MANIFEST.json: empty %s" % ", ".join(missing))
PY

export ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=False
# Plugin folder -> ansible-doc type; folders that hold no documented plugins are skipped.
declare -A types=(
    [modules]=module [become]=become [cache]=cache [callback]=callback [cliconf]=cliconf
    [connection]=connection [filter]=filter [httpapi]=httpapi [inventory]=inventory
    [lookup]=lookup [netconf]=netconf [shell]=shell [strategy]=strategy [test]=test [vars]=vars
)

# doc_check TYPE FQCN: ansible-doc renders it, says nothing on stderr, and the JSON holds the docs.
doc_check() {
    local type=$1 fqcn=$2 out err
    out="$work/doc-$type-$fqcn.json"
    err="$work/doc-$type-$fqcn.err"
    if ! (cd "$work/cwd" && ansible-doc -t "$type" --json "$fqcn" >"$out" 2>"$err"); then
        fail "ansible-doc -t $type $fqcn failed: $(cat "$err")"
        return
    fi
    # ansible-core 2.21's ansible-doc -t role warns about a collection of its
    # own (ansible._protomatter, no MANIFEST.json); that warning says nothing
    # about this collection.
    if grep -v '/ansible/_internal/ansible_collections/ansible/_protomatter' "$err" | grep -qE 'WARNING|ERROR'; then
        fail "ansible-doc -t $type $fqcn warned: $(cat "$err")"
    fi
    python - "$type" "$fqcn" "$out" <<'PY' || fail "ansible-doc -t $type $fqcn: incomplete documentation"
import json, sys
kind, fqcn, path = sys.argv[1:]
data = json.load(open(path)).get(fqcn)
if not data:
    sys.exit("%s: ansible-doc returned nothing" % fqcn)
if kind == "role":
    if not (data.get("entry_points") or {}).get("main"):
        sys.exit("%s: no main entry point in meta/argument_specs.yml" % fqcn)
else:
    if not (data.get("doc") or {}).get("short_description"):
        sys.exit("%s: no short_description" % fqcn)
    if kind == "module" and not (data.get("examples") and data.get("return")):
        sys.exit("%s: EXAMPLES or RETURN missing" % fqcn)
PY
    echo "   ok  ansible-doc -t $type $fqcn"
}

count=0
for folder in "$installed"/plugins/*/; do
    folder=$(basename "$folder")
    type=${types[$folder]:-}
    [ -n "$type" ] || continue
    for file in "$installed/plugins/$folder"/*; do
        base=$(basename "$file")
        case "$base" in
            __init__.py|*.pyc|__pycache__) continue ;;
            *.py|*.yml|*.yaml) ;;
            *) continue ;;
        esac
        doc_check "$type" "$collection.${base%.*}"
        count=$((count + 1))
    done
done
roles=0
for role in "$installed"/roles/*/; do
    [ -d "$role" ] || continue
    doc_check role "$collection.$(basename "$role")"
    roles=$((roles + 1))
done
echo "== artifact: ansible-doc rendered $count plugin(s) and $roles role(s) from $installed"
if [ "$count" -eq 0 ]; then
    fail "no plugin found in the installed collection"
fi

cd "$src"
if [ "$errors" -ne 0 ]; then
    echo "== artifact: $errors problem(s)" >&2
    exit 1
fi
echo "== artifact: OK"
