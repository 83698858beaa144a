#!/usr/bin/env bash
# The history benchmark (BENCHMARKS.md, "History"): a 2000x2000 canvas with a long history
# written straight into the store by place-history-gen (placing millions of pixels through the
# server would take hours at the durable rate); then
#   1. how long placed takes to store its checkpoints of that history (--checkpoint-every),
#   2. GET /api/v1/canvas/snapshot?seq=N at uniformly random N, one at a time: p50/p99/max,
#   3. GET /api/v1/canvas/heatmap?since=0 (the whole history, 10 million placements) the first
#      time (a scan) and again (kept counts), and meanwhile GET /api/v1/canvas/info every 50 ms:
#      its worst time shows whether the scan holds up the event loop,
#   4. placed --timelapse of the whole history to a GIF and --export-png at a random seq: time
#      and peak RSS (/usr/bin/time).
#
#   bench/history.sh --build build [--placements 10000000] [--samples 200] [--keep DIR] [--no-exports]
#
# Wall times on a shared machine move with its load; the server CPU time per snapshot (user +
# system of placed over the samples, divided by their number) and the exports' CPU time move less.
set -euo pipefail

build=build
placements=10000000
samples=200
keep=""
exports=1
while (($#)); do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --placements) placements=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --no-exports) exports=0; shift ;;
    *) echo "usage: $0 --build DIR [--placements N] [--samples N] [--keep DIR]" >&2; exit 2 ;;
  esac
done
placed=$build/server/placed
gen=$build/bench/place-history-gen
dir=${keep:-$(mktemp -d /tmp/place-history-bench.XXXXXX)}
mkdir -p "$dir"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  if [[ -z "$keep" ]]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

start() { # starts placed on $dir, sets pid and port
  "$placed" --data-dir "$dir" --width 2000 --height 2000 --port 0 --listen 127.0.0.1 \
    >"$dir/out.log" 2>"$dir/err.log" &
  pid=$!
  for _ in $(seq 9000); do # a store from an older layout is migrated first
    port=$(grep -o '127.0.0.1:[0-9]*' "$dir/out.log" 2>/dev/null | head -1 | cut -d: -f2) || true
    [[ -n "$port" ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "placed did not start: $(cat "$dir/err.log")" >&2
  exit 1
}
stop() {
  kill -TERM "$pid"
  wait "$pid" || true
  pid=""
}

if [[ ! -f "$dir/place.db" ]] || [[ $(sqlite3 "$dir/place.db" 'SELECT count(*) FROM placements') -lt $placements ]]; then
  rm -f "$dir"/place.db* "$dir"/history.db*
  start; stop # an empty store of the right size
  t0=$(date +%s.%N)
  "$gen" "$dir" "$placements" 2000 2000 >/dev/null
  echo "generated $placements placements in $(echo "$(date +%s.%N) - $t0" | bc) s ($(du -sh "$dir/place.db" | cut -f1))"
fi

# 1. the checkpoints of the whole history, made by placed in the background
rm -f "$dir"/history.db*
want=$((placements / 100000))
t0=$(date +%s.%N)
start
while :; do
  have=$(sqlite3 "$dir/history.db" 'SELECT count(*) FROM checkpoints' 2>/dev/null || echo 0)
  [[ "$have" -ge "$want" ]] && break
  sleep 0.5
done
echo "checkpoints: $want stored in $(echo "$(date +%s.%N) - $t0" | bc) s ($(du -sh "$dir/history.db" | cut -f1))"

cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; } # clock ticks of user + system time

# 2. past snapshots at random seqs, one at a time
cpu0=$(cpu)
times=()
for _ in $(seq "$samples"); do
  n=$(( (RANDOM * 32768 + RANDOM) % placements + 1 ))
  t=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{http_code} %{time_total}' \
    "http://127.0.0.1:$port/api/v1/canvas/snapshot?seq=$n")
  [[ "${t%% *}" == 200 ]] || { echo "snapshot?seq=$n: ${t%% *}" >&2; exit 1; }
  times+=("${t#* }")
done
cpu1=$(cpu)
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$samples" -v ticks=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" '
  { v[NR] = $1 * 1000 }
  END { printf "snapshot?seq=random (%d samples): p50 %.0f ms, p99 %.0f ms, max %.0f ms; server CPU %.0f ms a snapshot\n", n,
        v[int(n * 0.5 + 0.5)], v[int(n * 0.99 + 0.5)], v[n], ticks * 1000 / hz / n }'

# 3. the heatmap of the whole history, while the loop is watched
rm -f "$dir/heat.done"
( worst=0; end=$((SECONDS + 60))
  while ((SECONDS < end)) && [[ ! -f "$dir/heat.done" ]]; do
    t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/api/v1/canvas/info")
    worst=$(awk -v a="$t" -v b="$worst" 'BEGIN { print (a > b) ? a : b }')
    sleep 0.05
  done
  echo "$worst" >"$dir/info.worst" ) &
watcher=$!
t1=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{http_code} %{time_total} %{size_download}' \
  "http://127.0.0.1:$port/api/v1/canvas/heatmap?since=0")
t2=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{http_code} %{time_total} %{size_download}' \
  "http://127.0.0.1:$port/api/v1/canvas/heatmap?since=0")
touch "$dir/heat.done"
wait "$watcher"
echo "heatmap?since=0 over $placements placements: first ${t1#* } (status, s, bytes gzipped), again ${t2#* }; canvas/info meanwhile at worst $(cat "$dir/info.worst") s"
stop

# 4. exports, with no server running (the same files; a server beside them reads the same way)
((exports)) || exit 0
/usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" "$placed" --data-dir "$dir" --timelapse "$dir/all.gif" >/dev/null
read -r secs user sys kib <"$dir/time.txt"
echo "timelapse of $placements placements: $secs s ($user s user, $sys s system), peak RSS $((kib / 1024)) MiB, $(du -h "$dir/all.gif" | cut -f1) GIF"
n=$(( (RANDOM * 32768 + RANDOM) % placements + 1 ))
/usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" "$placed" --data-dir "$dir" --export-png "$dir/one.png" --seq "$n" >/dev/null
read -r secs user sys kib <"$dir/time.txt"
echo "export-png at seq $n: $secs s ($user s user, $sys s system), peak RSS $((kib / 1024)) MiB"
