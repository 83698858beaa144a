#!/usr/bin/env bash
# bench_smoke: starts placed on an ephemeral loopback port with a temporary data directory,
# runs place-load for two seconds with two worker processes and two source addresses, and
# checks the counts it reports; then runs place-limits' two tests briefly. The server is
# stopped and the directory removed however the test ends.
set -uo pipefail
placed=$1 load=$2 limits=$3
dir=$(mktemp -d /tmp/place-bench-smoke.XXXXXX)
pid=""
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && sleep 0.2 && kill -9 "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
fails=0
check() { # check NAME OP VALUE: compares the RESULT field NAME of the load run
  local v
  v=$(grep '^RESULT' "$dir/load.out" | tr ' ' '\n' | sed -n "s/^$1=//p")
  if [[ -z $v ]] || ! awk "BEGIN{exit !($v $2 $3)}"; then
    echo "FAIL: $1 = '${v}', expected $2 $3"
    fails=$((fails + 1))
  else
    echo "ok: $1 = $v ($2 $3)"
  fi
}

"$placed" --port 0 --listen 127.0.0.1 --data-dir "$dir/data" --cooldown 0 --max-conns-per-ip 0 \
  --width 200 --height 100 --batch-ms 50 >"$dir/placed.out" 2>"$dir/placed.err" &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|^placed: listening on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$dir/placed.out")
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || { echo "FAIL: placed did not start: $(cat "$dir/placed.err")"; exit 1; }

timeout 60 "$load" --url "http://127.0.0.1:$port" --server-pid "$pid" --viewers 40 --placers 6 \
  --rate 60 --duration 2 --warmup 0.5 --drain 1 --workers 2 --sources 2 \
  >"$dir/load.out" 2>"$dir/load.err"
echo "place-load exited $?"
cat "$dir/load.out"
check held == 46
check failed == 0
check dropped == 0
check workers_failed == 0
check acked '>' 0
check px_per_s '>' 0
check batches_per_s '>' 0
check vis_samples '>' 0
check errors == 0
check gaps == 0
check server_rss_kb '>' 0

"$limits" tcp --seconds 0.3 >"$dir/tcp.out" 2>&1
"$limits" fanout --seconds 0.3 --conns 50 >"$dir/fanout.out" 2>&1
cat "$dir/tcp.out" "$dir/fanout.out"
for key in tcp_gbytes_per_s fanout_writes_per_s; do
  v=$(cat "$dir/tcp.out" "$dir/fanout.out" | grep '^RESULT' | tr ' ' '\n' | sed -n "s/^$key=//p")
  if [[ -n $v ]] && awk "BEGIN{exit !($v > 0)}"; then echo "ok: $key = $v"; else echo "FAIL: $key = '$v'"; fails=$((fails + 1)); fi
done
((fails == 0)) || { echo "$fails checks failed; server stderr:"; cat "$dir/placed.err" "$dir/load.err"; exit 1; }
echo "all checks passed"
