#!/usr/bin/env bash
# The losant.platform.applications inventory against the emulator: ansible-inventory
# lists every seeded application with its variables and groups; one play over the
# inventory manages each application, 5 forks at a time, changes and then none; an
# application token is refused with a clear error; the user token is in no output.
# (No `set -x`: the token is read from a file and must not be echoed.)
set -eu

config=../../integration_config.yml
[ -f "$config" ] || { echo "runme.sh: $config is missing (start tests/integration/emulator_service.py)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ANSIBLE_PYTHON_INTERPRETER=$(command -v python 2>/dev/null || command -v python3)
export ANSIBLE_PYTHON_INTERPRETER

ansible-playbook -i localhost, -c local setup.yml -e "@$config" -e "work=$work" "$@"
LOSANT_API_TOKEN=$(cat "$work/user-token")
export LOSANT_API_TOKEN

ansible-inventory -i "$work/apps.losant.yml" --list --output "$work/list.json" -vvvv >"$work/list.out" 2>"$work/list.err"
"$ANSIBLE_PYTHON_INTERPRETER" - "$work" <<'PY'
import json, sys
def plain(node):
    if isinstance(node, dict):
        return plain(node["__ansible_unsafe"]) if set(node) == {"__ansible_unsafe"} else {k: plain(v) for k, v in node.items()}
    return [plain(item) for item in node] if isinstance(node, list) else node
listed = json.load(open(sys.argv[1] + "/list.json"))
json.dump(plain(listed), open(sys.argv[1] + "/plain.json", "w"))
PY
ansible-playbook -i localhost, -c local verify.yml -e "work=$work" "$@"

# Only the URL from integration_config.yml: its losant_application_id, as an extra var, would
# override every host's own.
printf '{"losant_emulator_url": "%s"}\n' "$(cat "$work/url")" >"$work/url.json"
for run in 1 2; do
  ansible-playbook -i "$work/apps.losant.yml" -f 5 many.yml -e "@$work/url.json" "$@" >"$work/many-$run.out"
  cat "$work/many-$run.out"
done
ansible-playbook -i localhost, -c local recaps.yml -e "work=$work" "$@"

# An application token cannot list applications: the inventory fails, saying why.
if LOSANT_API_TOKEN=$(cat "$work/app-token") ANSIBLE_INVENTORY_UNPARSED_FAILED=1 \
    ansible-inventory -i "$work/apps.losant.yml" --list >"$work/refused.out" 2>"$work/refused.err"; then
  echo "runme.sh: an application token listed applications" >&2; exit 1
fi
grep -q "needs a user or organization API token" "$work/refused.err"
for file in "$work"/*.out "$work"/*.err "$work/list.json"; do
  if grep -qF "$LOSANT_API_TOKEN" "$file" || grep -qF "$(cat "$work/app-token")" "$file"; then
    echo "runme.sh: a token is in $(basename "$file")" >&2; exit 1
  fi
done
echo "runme.sh: passed"
