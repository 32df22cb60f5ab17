#!/usr/bin/env bash
# The MiCADO loop's pace (scripts/micado-loop, examples/micado-loop): load
# start -> a new app instance answering through haproxy, and load stop ->
# the first instance removed; medians of RUNS runs (default 3). Timings
# of the loop: Prometheus scrapes and evaluates every 1 s (a quarter of the
# policy's for_up 2s), rate over 5s, for_up 2s / for_down 4s, Alertmanager
# group_wait/group_interval 1 s, serve --interval 2s, cooldown 5s.
#   bench/micado_loop.sh [OCCAM] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
occam=${1:-build/release/cli/occam}
runs=${2:-3}
up=() down=()
for i in $(seq "$runs"); do
  out=$(scripts/micado-loop "$occam")
  u=$(echo "$out" | sed -n 's/^load start -> new instance serving through haproxy: \([0-9.]*\) s$/\1/p')
  d=$(echo "$out" | sed -n 's/^load stop -> first instance removed: \([0-9.]*\) s$/\1/p')
  last=$(echo "$out" | tail -1)
  echo "run $i: up ${u:-never} s, down ${d:-never} s, $last"
  up+=("${u:-999}") down+=("${d:-999}")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "median of $runs: load start -> new instance serving $(median "${up[@]}") s; load stop -> first removal $(median "${down[@]}") s"
