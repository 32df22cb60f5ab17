#!/usr/bin/env bash
# The MiCADO loop end to end (scripts/micado-loop) as a ctest: real load
# through haproxy scales the app up and, once it stops, down; no request
# fails; the lb is reconfigured, never replaced. Skipped (77) outside CI
# when a component is missing.
set -uo pipefail
occam=$1
source_dir=$(cd "$(dirname "$0")/.." && pwd)
for p in prometheus prometheus-alertmanager haproxy redis-server redis-cli hey curl; do
  if ! command -v "$p" >/dev/null; then
    [ "${CI:-}" = true ] && { echo "CI needs $p (scripts/setup installs it)"; exit 1; }
    echo "SKIP: $p is not installed (scripts/setup installs it)"; exit 77
  fi
done
out=$("$source_dir/scripts/micado-loop" "$occam" 2>&1)
rc=$?
echo "$out"
fail() { echo "FAILED: $*"; exit 1; }
[ $rc -eq 0 ] || fail "scripts/micado-loop exited $rc"
echo "$out" | grep -Eq 'app: [2-4] serving' || fail "the app never scaled up"
echo "$out" | grep -Eq 'load start -> new instance serving through haproxy: [0-9.]+ s' ||
  fail "no new instance answered through haproxy"
echo "$out" | grep -Eq 'load stop -> first instance removed: [0-9.]+ s' ||
  fail "the app never scaled down"
echo "$out" | tail -1 | grep -Eq '^requests: [1-9][0-9]*, errors: 0$' || fail "requests failed"
echo "$out" | grep -q 'lb\[0\]: the same haproxy throughout' || fail "the lb was replaced"
echo "PASSED"
