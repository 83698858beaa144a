#!/usr/bin/env bash
# Cluster vs embedded, side by side in one run: sustained placements/s and p99 placement ->
# visible, with two placed on real Redis, Kafka and PostgreSQL (bench/cluster.mjs starts them on
# loopback) against one embedded placed, at the same offered rates and viewers.
#
#   bench/cluster/placement.sh [--build DIR] [--rates "1000 2000 4000"] [--viewers N] [--duration S]
#
# Prints one markdown table (the rows of the "Cluster mode" section of BENCHMARKS.md). Every
# process it starts is stopped on exit, also on failure or Ctrl-C.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build"
rates="1000 2000 4000"
viewers=200
dur=10
while (($#)); do
  case "$1" in
    --build) build=$(cd "$2" && pwd); shift ;;
    --rates) rates=$2; shift ;;
    --viewers) viewers=$2; shift ;;
    --duration) dur=$2; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "placement.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
placed="$build/server/placed"
load="$build/bench/place-load"
for b in "$placed" "$load"; do
  [[ -x $b ]] || { echo "placement.sh: $b is missing: build first" >&2; exit 1; }
done
export PLACE_KAFKA_READY="$build/tests/cluster/place-kafka-ready"

work=$(mktemp -d /tmp/place-bench-cluster.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 2
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kv() { grep '^RESULT' "$1" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# run_rate MODE RATE PIDS URL...: one measured run; prints a table row
run_rate() {
  local mode=$1 rate=$2 spids=$3; shift 3
  local f="$work/$mode-$rate.load" urls=() sp=()
  for u in "$@"; do urls+=(--url "$u"); done
  IFS=, read -ra ps <<<"$spids"
  for p in "${ps[@]}"; do sp+=(--server-pid "$p"); done
  "$load" "${urls[@]}" "${sp[@]}" --viewers "$viewers" --rate "$rate" --duration "$dur" \
    --warmup 2 --drain 3 >"$f" 2>&1
  local acked
  acked=$(kv "$f" acked_per_s)
  local ok=0
  if [[ -n $acked ]] && awk -v a="$acked" -v r="$rate" 'BEGIN{exit !(a >= 0.95 * r)}'; then ok=1; fi
  echo "| $mode | $rate/s | $viewers | ${acked:-?}/s ($( ((ok)) && echo sustained || echo "not sustained")) | $(kv "$f" ack_p50_ms) / $(kv "$f" ack_p99_ms) | $(kv "$f" vis_p50_ms) / $(kv "$f" vis_p99_ms) | $(kv "$f" server_cpu_pct)% | $(kv "$f" refused) |"
}

echo "| mode | offered | viewers | acknowledged | ack p50 / p99 ms | visible p50 / p99 ms | server CPU | refused |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"

# embedded: one placed, SQLite
edir="$work/embedded"
mkdir -p "$edir"
"$placed" --port 0 --listen 127.0.0.1 --data-dir "$edir" --cooldown 0 --max-conns-per-ip 0 \
  --guests-per-hour 0 --max-requests-per-ip 0 --max-unread-per-ip 0 --max-guests-per-ip 0 \
  >"$work/embedded.out" 2>"$work/embedded.err" &
epid=$!
pids+=("$epid")
eport=""
for _ in $(seq 100); do
  eport=$(sed -n 's|^placed: listening on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$work/embedded.out")
  [[ -n $eport ]] && break
  sleep 0.1
done
[[ -n $eport ]] || { echo "placement.sh: embedded placed did not start" >&2; exit 1; }
for r in $rates; do run_rate embedded "$r" "$epid" "http://127.0.0.1:$eport"; done
kill "$epid"

# cluster: Redis + Kafka + PostgreSQL + history writer + two placed (bench/cluster.mjs)
fifo="$work/cluster.in"
mkfifo "$fifo"
node "$root/bench/cluster.mjs" "$placed" 2 <"$fifo" >"$work/cluster.out" 2>"$work/cluster.err" &
cpid=$!
pids+=("$cpid")
exec 7>"$fifo" # held open: cluster.mjs stops everything when it closes
ready=""
for _ in $(seq 1200); do
  ready=$(grep '^READY' "$work/cluster.out" || true)
  [[ -n $ready ]] && break
  kill -0 "$cpid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $ready ]] || { echo "placement.sh: the cluster did not start: $(cat "$work/cluster.err")" >&2; exit 1; }
read -r _ ports cpids <<<"$ready"
IFS=, read -ra cports <<<"$ports"
curls=()
for p in "${cports[@]}"; do curls+=("http://127.0.0.1:$p"); done
for r in $rates; do run_rate "cluster (2 placed)" "$r" "$cpids" "${curls[@]}"; done
exec 7>&-
wait "$cpid" 2>/dev/null
