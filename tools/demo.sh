#!/usr/bin/env bash
# Run every docs/examples/*.yml playbook twice against the local Losant API
# emulator: the first pass makes the changes, the second must report none.
#
# Called by `make demo` after `make venv install`, with .venv/bin first on PATH
# and ANSIBLE_COLLECTIONS_PATH pointing at the installed collection.
#
# - Starts tests/emulator/losant_emulator.py on a free port of 127.0.0.1,
#   waits for its URL file, seeds it with docs/examples/emulator_seed.json (the
#   experience groups and users the examples expect), and stops it on exit,
#   failure or interrupt.
# - Exports LOSANT_API_URL, LOSANT_API_TOKEN and LOSANT_APPLICATION_ID, which
#   the modules read when the tasks do not set api_url/api_token/application_id.
# - Exit status: non-zero if a playbook fails or the second pass changes anything.
#
# Inventory: none is needed.  We pass `-i localhost,` (silences the "no inventory
# was parsed" / "provided hosts list is empty" warnings) with `-c local`.  An
# explicit `localhost` is no longer the implicit one: ansible would discover
# /usr/bin/python3 for it, which may lack `requests`.  So we also pass
# `-e ansible_python_interpreter={{ ansible_playbook_python }}`, which makes
# the modules run with the venv's Python whatever the playbook sets.  (Running
# with no -i at all works too, as the implicit localhost already uses
# ansible_playbook_python, but prints the two warnings above.)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=${DEMO_PYTHON:-python3}
if [ -x .venv/bin/python ]; then
    PY=.venv/bin/python
fi
PLAYBOOK=${ANSIBLE_PLAYBOOK:-ansible-playbook}
EMULATOR=tests/emulator/losant_emulator.py
SEED=docs/examples/emulator_seed.json

shopt -s nullglob
playbooks=(docs/examples/*.yml)
shopt -u nullglob
if [ ${#playbooks[@]} -eq 0 ]; then
    echo "demo: no playbooks in docs/examples/" >&2
    exit 1
fi
if [ ! -f "$EMULATOR" ]; then
    echo "demo: $EMULATOR not found" >&2
    exit 1
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/losant-demo.XXXXXX")
emulator_pid=

# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill -TERM "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- emulator
"$PY" "$EMULATOR" --port 0 --url-file "$workdir/url" --quiet >"$workdir/emulator.out" 2>&1 &
emulator_pid=$!

for _ in $(seq 1 100); do
    [ -s "$workdir/url" ] && break
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        echo "demo: the emulator exited early:" >&2
        cat "$workdir/emulator.out" >&2
        exit 1
    fi
    sleep 0.1
done
if [ ! -s "$workdir/url" ]; then
    echo "demo: the emulator wrote no URL within 10 s" >&2
    exit 1
fi

LOSANT_API_URL=$(head -n 1 "$workdir/url")
LOSANT_API_TOKEN=${DEMO_API_TOKEN:-losant-emulator-token}
LOSANT_APPLICATION_ID=${DEMO_APPLICATION_ID:-5f6a7b8c9d0e1f2a3b4c5d6e}
export LOSANT_API_URL LOSANT_API_TOKEN LOSANT_APPLICATION_ID
echo "demo: Losant API emulator at $LOSANT_API_URL (application $LOSANT_APPLICATION_ID)"

if [ -f "$SEED" ]; then
    "$PY" - "$LOSANT_API_URL/_emulator/seed" "$SEED" <<'PY'
import json, sys, urllib.request
url, path = sys.argv[1], sys.argv[2]
with open(path, 'rb') as fh:
    body = fh.read()
json.loads(body)  # fail early on a broken seed file
req = urllib.request.Request(url, data=body, method='POST',
                             headers={'Content-Type': 'application/json'})
with urllib.request.urlopen(req, timeout=30) as resp:
    resp.read()
PY
    echo "demo: seeded the emulator from $SEED"
fi

# ---------------------------------------------------------------- passes
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0

# run_pass N: run every playbook once with --diff; print its output (the tasks,
# what changed, the play recap); set pass_changed.
run_pass() {
    local pass=$1 playbook log changed failed=0
    pass_changed=0
    echo
    echo "==================================================================="
    echo "== demo pass $pass of 2: ${playbooks[*]}"
    echo "==================================================================="
    for playbook in "${playbooks[@]}"; do
        echo
        echo "---- pass $pass: ansible-playbook $playbook"
        log="$workdir/pass$pass-$(basename "$playbook" .yml).log"
        if ! "$PLAYBOOK" -i localhost, -c local \
                -e 'ansible_python_interpreter={{ ansible_playbook_python }}' \
                --diff "$playbook" >"$log" 2>&1; then
            cat "$log"
            echo "demo: pass $pass: $playbook FAILED" >&2
            failed=1
            continue
        fi
        grep -v '^$' "$log"
        changed=$(sed -n 's/.*[[:space:]]changed=\([0-9][0-9]*\).*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
        pass_changed=$((pass_changed + changed))
    done
    return "$failed"
}

status=0
summary=()

if run_pass 1; then
    summary+=("demo pass 1: changed=$pass_changed in total over ${#playbooks[@]} playbook(s)")
else
    summary+=("demo pass 1: FAILED (changed=$pass_changed in the playbooks that ran)")
    status=1
fi

if run_pass 2; then
    summary+=("demo pass 2: changed=$pass_changed in total over ${#playbooks[@]} playbook(s)")
    if [ "$pass_changed" -ne 0 ]; then
        summary+=("demo: NOT idempotent: the second pass changed $pass_changed thing(s)")
        status=1
    fi
else
    summary+=("demo pass 2: FAILED (changed=$pass_changed in the playbooks that ran)")
    status=1
fi

echo
printf '%s\n' "${summary[@]}"
if [ "$status" -eq 0 ]; then
    echo "demo: OK (second pass made no change)"
fi
exit "$status"
