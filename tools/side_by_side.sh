#!/usr/bin/env bash
# Run make targets at the same time, each in its own make with its output in
# LOGDIR/<target>.log, then print every log whole, in the order given, with
# the seconds each target took, and fail if any of them failed.
#
# usage: tools/side_by_side.sh LOGDIR MAKE TARGET...
#
# `make test` runs the suites that serve an emulator (units, integration,
# reliability) beside the checks (sanity, lint, docs, the artifact, the
# execution environment, AWX, the ansible-core 2.18 line), so that both cores
# work; the seconds show which side to lighten when the suite grows.
set -uo pipefail

logdir=${1:?LOGDIR missing}
make_cmd=${2:?MAKE missing}
shift 2
mkdir -p "$logdir"

declare -A pids
for target in "$@"; do
  (
    started=$SECONDS
    "$make_cmd" "$target" >"$logdir/$target.log" 2>&1
    status=$?
    echo $((SECONDS - started)) >"$logdir/$target.seconds"
    exit "$status"
  ) &
  pids[$target]=$!
done
echo "== side by side: $* (logs in $logdir)"

failed=()
for target in "$@"; do
  if wait "${pids[$target]}"; then status=0; else status=$?; fi
  echo "== side by side: $target (exit $status, $(cat "$logdir/$target.seconds" 2>/dev/null || echo '?') s) ------------------------"
  cat "$logdir/$target.log"
  if [ "$status" -ne 0 ]; then failed+=("$target"); fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "== side by side: failed: ${failed[*]}" >&2
  exit 1
fi
echo "== side by side: all passed: $*"
