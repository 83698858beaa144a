#!/usr/bin/env bash
# The Place benchmark: every scenario of BENCHMARKS.md in one command, printing one markdown table.
#
#   bench/run.sh [--quick] [--build DIR] [--out FILE] [--only LIST] [--cluster] [--baseline FILE]
#
#   --quick      small counts and short windows (about two minutes), to see that it all works
#   --build DIR  the CMake build directory holding server/placed, bench/place-load, ... (default:
#                build/ next to this folder)
#   --out FILE   also write the table there (default: bench-results/<date>.md under the build dir)
#   --only LIST  comma-separated scenarios: limits,fanout,cost,rate,snapshot,clients,cluster,revert,
#                revert-cluster (the last two are not in the default list: name them)
#   --cluster    also run the cluster fan-out (Redis + Kafka + PostgreSQL + several placed on one
#                port; needs the packages of tests/cluster and a few minutes)
#   --baseline FILE  another placed binary (e.g. built from an older commit): the fan-out, cost
#                and durable-rate scenarios run it too, alternating with the one under test, so the
#                two are compared in one run on the same (possibly shared) machine
#
# Every server is started here on 127.0.0.1 with an ephemeral port and a temporary data
# directory, and every process started is stopped on exit, also on failure or Ctrl-C. Load goes
# to loopback only and every step has a time bound. When run as root, the servers and the load
# run at nice -10 so that other work on a shared machine disturbs the figures less.
set -uo pipefail
{ # the whole script is one compound command: bash reads it all before running any of it, so
  # editing this file while a run is under way cannot derail that run

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/build"
quick=0
only="limits,fanout,cost,rate,snapshot,clients"
out=""
baseline=""
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --build) build=$(cd "$2" && pwd); shift ;;
    --out) out=$2; shift ;;
    --only) only=$2; shift ;;
    --cluster) only="$only,cluster" ;;
    --baseline) baseline=$(realpath "$2"); shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

placed="$build/server/placed"
load="$build/bench/place-load"
limits="$build/bench/place-limits"
for b in "$placed" "$load" "$limits"; do
  [[ -x $b ]] || { echo "run.sh: $b is missing: build first (cmake --build $build)" >&2; exit 1; }
done

if [[ -z $out ]]; then
  mkdir -p "$build/bench-results"
  out="$build/bench-results/$(date -u +%Y%m%d-%H%M%S).md"
fi
logs="${out%.md}-logs"
mkdir -p "$logs" || exit 1
work=$(mktemp -d /tmp/place-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nice_cmd=()
if [[ $(id -u) -eq 0 ]]; then nice_cmd=(nice -n -10); fi
want() { [[ ",$only," == *",$1,"* ]]; }
# value of key $2 in the RESULT line of file $1
kv() { grep '^RESULT' "$1" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
fmt() { printf "%'.0f" "$1" 2>/dev/null || echo "$1"; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }

# start_placed NAME [flags...]: a fresh placed; sets PORT and PID
start_placed() {
  local name=$1; shift
  local dir="$work/data-$name"
  # KEEP_DIR=1: start on the directory as it is (a scenario prepared it)
  [[ -n ${KEEP_DIR:-} ]] || { rm -rf "$dir"; mkdir -p "$dir"; }
  local bin=${PLACED_BIN:-$placed} budget=() help flag
  # the load generator's players all come from 127.0.0.1: no per-address budgets (each flag only
  # if the binary has it, so that an older --baseline starts too)
  help=$("$bin" --help 2>/dev/null)
  for flag in --guests-per-hour --max-requests-per-ip --max-unread-per-ip --max-guests-per-ip; do
    grep -q -- "$flag " <<<"$help" && budget+=("$flag" 0)
  done
  "${nice_cmd[@]}" "$bin" --port 0 --listen 127.0.0.1 --data-dir "$dir" --cooldown 0 \
    --max-conns-per-ip 0 "${budget[@]}" "$@" >"$logs/$name.placed.out" 2>"$logs/$name.placed.err" &
  PID=$!
  pids+=("$PID")
  PORT=""
  for _ in $(seq 100); do
    PORT=$(sed -n 's|^placed: listening on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$logs/$name.placed.out")
    [[ -n $PORT ]] && return 0
    sleep 0.1
  done
  echo "run.sh: placed did not start for $name: $(cat "$logs/$name.placed.err")" >&2
  return 1
}
stop_placed() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }

# run_load NAME ARGS...: place-load against $PORT/$PID, output in $logs/NAME.load
run_load() {
  local name=$1; shift
  timeout 900 "${nice_cmd[@]}" "$load" --url "http://127.0.0.1:$PORT" --server-pid "$PID" "$@" \
    >"$logs/$name.load" 2>"$logs/$name.load.err"
}

rows=()
row() { rows+=("$1"); }
echo "run.sh: logs in $logs" >&2

# ---------------------------------------------------------------- the machine's limits
fanout_limit=0
if want limits; then
  echo "run.sh: machine limits" >&2
  secs=3; conns=5000
  ((quick)) && { secs=1; conns=2000; }
  "${nice_cmd[@]}" "$limits" tcp --seconds "$secs" >"$logs/limits.tcp" 2>&1
  "${nice_cmd[@]}" "$limits" fanout --seconds "$secs" --conns "$conns" >"$logs/limits.fanout" 2>&1
  tcp=$(kv "$logs/limits.tcp" tcp_gbytes_per_s)
  fanout_limit=$(kv "$logs/limits.fanout" fanout_writes_per_cpu_s)
  fanout_wall=$(kv "$logs/limits.fanout" fanout_writes_per_s)
  row "| limit | loopback TCP, one stream | $tcp GB/s | | | the ceiling for any one connection |"
  row "| limit | 1,036-byte frames written to $(fmt $conns) loopback sockets by one core | $(fmt "$fanout_limit") writes per CPU-second ($(fmt "$fanout_wall")/s wall) | | | the ceiling of a one-thread server's fan-out: viewers × batches/s must stay below it |"
fi

# ---------------------------------------------------------------- fan-out on one placed
if want fanout; then
  # VIEWERS[:BATCH_MS]; the last one shows what a longer batch interval buys
  counts="1000 10000 19000 19000:250"; dur=20
  ((quick)) && { counts="1000 2000"; dur=5; }
  for spec in $counts; do
   for variant in ${baseline:+baseline} current; do
    v=${spec%%:*}; bms=100
    [[ $spec == *:* ]] && bms=${spec#*:}
    name="fanout-$v-$bms"; label="fan-out"; PLACED_BIN=$placed
    if [[ $variant == baseline ]]; then name="fanout-baseline-$v-$bms"; label="fan-out (baseline)"; PLACED_BIN=$baseline; fi
    echo "run.sh: fan-out, $v viewers, batch $bms ms ($variant)" >&2
    la=$(loadavg)
    start_placed "$name" --batch-ms "$bms" || continue
    run_load "$name" --viewers "$v" --rate 1000 --duration "$dur" --warmup 3 --drain 3
    stop_placed
    f="$logs/$name.load"
    held=$(kv "$f" held); [[ -z $held ]] && { row "| $label | $v viewers | place-load failed: $(tail -1 "$f.err") | | | |"; continue; }
    per=$(kv "$f" rss_per_conn_b); total=$(kv "$f" server_rss_kb)
    need=$(( held * 1000 / bms ))
    perk=$(awk "BEGIN{printf \"%.1f\", $per/1024}")
    p99=$(kv "$f" vis_p99_ms)
    verdict="—"
    if [[ $variant == baseline ]]; then :
    elif [[ $v -eq 10000 && $bms -eq 100 ]]; then
      ok=$(awk "BEGIN{print ($p99 <= 250 && $(kv "$f" dropped) == 0) ? \"met\" : \"missed\"}")
      verdict="p99 ≤250 ms: **$ok**"
    elif [[ $v -eq 19000 && $bms -eq 100 ]]; then
      ok=$(awk "BEGIN{print ($perk <= 10 && $p99 <= 500 && $(kv "$f" dropped) == 0) ? \"met\" : \"missed\"}")
      verdict="≤10 KiB/conn, p99 ≤500 ms: **$ok**"
    fi
    # the interval the server really broadcast at: frames each connection got per second
    chosen=$(awk "BEGIN{b=$(kv "$f" batches_per_s); printf \"%.0f\", (b > 0 ? $held * 1000 / b : 0)}")
    # frames per CPU-second of the server: comparable with place-limits' writes per CPU-second
    # even when the machine is busy with other work and the server gets little of it
    eff=$(awk "BEGIN{c=$(kv "$f" server_cpu_pct); printf \"%.0f\", (c > 0 ? $(kv "$f" batches_per_s) * 100 / c : 0)}")
    row "| $label | $(fmt "$v") viewers + $(kv "$f" placers) placers, 1,000 placements/s, batch $bms ms | frames every $chosen ms on average; held $(fmt "$held"), failed $(kv "$f" failed), dropped $(kv "$f" dropped); visible p50/p99/max $(kv "$f" vis_p50_ms)/$p99/$(kv "$f" vis_max_ms) ms over $(fmt "$(kv "$f" vis_samples)") samples; ack p50/p99 $(kv "$f" ack_p50_ms)/$(kv "$f" ack_p99_ms) ms; acked $(kv "$f" acked_per_s)/s; delivered $(fmt "$(kv "$f" px_per_s)") px/s, $(fmt "$(kv "$f" batches_per_s)") frames/s, $(kv "$f" mbytes_per_s) MB/s; server CPU $(kv "$f" server_cpu_pct)% = $(kv "$f" cpu_per_conn_us) µs/s per conn ($(fmt "$eff") frames per CPU-second), RSS $(fmt "$total") KiB = $perk KiB/conn; load generator CPU $(kv "$f" load_cpu_pct)%; gaps $(kv "$f" gaps), resyncs $(kv "$f" resyncs), errors $(kv "$f" errors) | $verdict | needs $(fmt "$need") frames/s; one core writes $( ((fanout_limit)) && echo "$(fmt "$fanout_limit")/s" || echo "? (run limits too)") | load avg $la |"
   done
  done
fi

# ---------------------------------------------------------------- what one placement costs
# Server CPU (all threads, the broadcast included) and storage writes per acknowledged placement
# at 1,000/s with 1,000 viewers and 1 s batches, where the broadcast is cheap and the store's
# cost shows. CPU time is robust to other work on a shared machine; latencies are not. With
# --baseline the two binaries alternate, twice each.
if want cost; then
  dur=20; reps=2
  ((quick)) && { dur=4; reps=1; }
  for rep in $(seq $reps); do
    for variant in ${baseline:+baseline} current; do
      name="cost-$variant-$rep"; label="placement cost"; PLACED_BIN=$placed
      if [[ $variant == baseline ]]; then label="placement cost (baseline)"; PLACED_BIN=$baseline; fi
      echo "run.sh: cost of a placement, 1,000/s, 1,000 viewers, batch 1000 ms ($variant, $rep)" >&2
      la=$(loadavg)
      start_placed "$name" --batch-ms 1000 || continue
      run_load "$name" --viewers 1000 --rate 1000 --duration "$dur" --warmup 3 --drain 2
      stop_placed
      f="$logs/$name.load"
      cpu=$(kv "$f" cpu_per_ack_us); [[ -z $cpu ]] && continue
      # the writer's own count at its clean stop (binaries before issue 15 do not say it)
      wal=$(sed -n 's/^placed: store: \([0-9]*\) placements committed in \([0-9]*\) transactions.*: \([0-9]*\) WAL bytes a placement.*/\3 WAL bytes a placement (\1 placements in \2 transactions; canvas checkpoints apart)/p' "$logs/$name.placed.err")
      walb=$(sed -n 's/.*: \([0-9]*\) WAL bytes a placement.*/\1/p' "$logs/$name.placed.err")
      target="—"
      [[ $variant == current ]] && target="≤90 µs, WAL <500 B: **$(awk "BEGIN{print ($cpu <= 90 && \"$walb\" != \"\" && ${walb:-999999} < 500) ? \"met\" : \"missed\"}")**"
      row "| $label | 1,000/s offered, 1,000 viewers + $(kv "$f" placers) placers, batch 1000 ms | server CPU $cpu µs per acknowledged placement ($(kv "$f" server_cpu_pct)% of a core, acked $(kv "$f" acked_per_s)/s); storage writes $(fmt "$(kv "$f" disk_per_ack_b)") bytes per placement (WAL and database file, /proc/PID/io); ${wal:-WAL not reported by this binary}; ack p50/p99 $(kv "$f" ack_p50_ms)/$(kv "$f" ack_p99_ms) ms | $target | | load avg $la |"
    done
  done
fi

# ---------------------------------------------------------------- the highest durable rate
if want rate; then
  rates="1000 2000 3000 5000 10000 20000 30000"; dur=10
  ((quick)) && { rates="1000 3000"; dur=4; }
  best=0; best_file=""
  for r in $rates; do
   ok=0
   for variant in ${baseline:+baseline} current; do
    name="rate-$r"; label="durable rate"; PLACED_BIN=$placed
    if [[ $variant == baseline ]]; then name="rate-baseline-$r"; label="durable rate (baseline)"; PLACED_BIN=$baseline; fi
    echo "run.sh: placement rate $r/s with 1,000 viewers ($variant)" >&2
    la=$(loadavg)
    start_placed "$name" || continue
    # two workers: one process cannot send tens of thousands of placements a second here
    run_load "$name" --viewers 1000 --rate "$r" --duration "$dur" --warmup 2 --drain 2 --workers 2
    # the write-ahead log the run left behind (before the clean stop empties it)
    wal=$(stat -c %s "$work/data-$name/place.db-wal" 2>/dev/null || echo 0)
    stop_placed
    f="$logs/$name.load"
    acked=$(kv "$f" acked_per_s); [[ -z $acked ]] && continue
    p99=$(kv "$f" ack_p99_ms)
    # sustained: at least 95 % of the offered rate acknowledged in the window, and the queue not
    # growing past a second (ack p99 under 1 s)
    ok=$(awk "BEGIN{print ($acked >= 0.95 * $r && $p99 < 1000 && $(kv "$f" refused) == 0) ? 1 : 0}")
    target="—"
    [[ $r -eq 1000 && $variant == current ]] && target="ack p99 ≤10 ms: **$(awk "BEGIN{print ($p99 <= 10) ? \"met\" : \"missed\"}")**"
    row "| $label | $(fmt "$r")/s offered, 1,000 viewers, $(kv "$f" placers) placers | acked $(fmt "$acked")/s ($( ((ok)) && echo sustained || echo "not sustained")); ack p50/p99/max $(kv "$f" ack_p50_ms)/$p99/$(kv "$f" ack_max_ms) ms; visible p99 $(kv "$f" vis_p99_ms) ms; server CPU $(kv "$f" server_cpu_pct)%; load generator CPU $(kv "$f" load_cpu_pct)%; refused $(kv "$f" refused), not sent $(kv "$f" unsent); WAL at the end $(awk "BEGIN{printf \"%.1f\", $wal / 1048576}") MiB | $target | | load avg $la |"
   done
   if ((ok)); then best=$r; best_file=$f; else break; fi
  done
  verdict=$(awk "BEGIN{print ($best >= 30000) ? \"met\" : \"missed\"}")
  row "| durable rate | highest sustained rate (each placement committed to SQLite, synchronous=FULL, before \`placed\`) | $(fmt "$best")/s | ≥30,000/s: **$verdict** | | |"
fi

# ---------------------------------------------------------------- snapshot GETs
if want snapshot; then
  tcp=${tcp:-?} # measured by the limits step, when it ran
  if command -v wrk >/dev/null; then
    echo "run.sh: snapshot GETs" >&2
    dur=10; fill=5
    ((quick)) && { dur=3; fill=2; }
    la=$(loadavg)
    start_placed snapshot
    # put some content on the canvas first: an all-white canvas would gzip to almost nothing
    run_load snapshot-fill --viewers 0 --rate 20000 --duration "$fill" --warmup 0 --drain 1
    sleep 1.5 # the snapshot is rebuilt at most once a second
    url="http://127.0.0.1:$PORT/api/v1/canvas/snapshot"
    plain=$(curl -s -o /dev/null -w '%{size_download}' "$url")
    gz=$(curl -s -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: gzip' "$url")
    for mode in plain gzip; do
      hdr=(); [[ $mode == gzip ]] && hdr=(-H 'Accept-Encoding: gzip')
      a=$(awk '{print $14+$15}' "/proc/$PID/stat")
      timeout $((dur + 30)) "${nice_cmd[@]}" wrk -t2 -c32 -d"${dur}s" --latency "${hdr[@]}" "$url" >"$logs/snapshot-$mode.wrk" 2>&1
      b=$(awk '{print $14+$15}' "/proc/$PID/stat")
      rps=$(sed -n 's/^Requests\/sec: *//p' "$logs/snapshot-$mode.wrk")
      tps=$(sed -n 's/^Transfer\/sec: *//p' "$logs/snapshot-$mode.wrk")
      p99=$(awk '$1=="99%"{print $2}' "$logs/snapshot-$mode.wrk")
      non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$logs/snapshot-$mode.wrk")
      cpu=$(( (b - a) * 100 / $(getconf CLK_TCK) / dur ))
      size=$plain; [[ $mode == gzip ]] && size=$gz
      verdict=$(awk "BEGIN{print (${rps:-0} >= 1000) ? \"met\" : \"missed\"}")
      row "| snapshot | GET /api/v1/canvas/snapshot 2000×2000, $mode ($(fmt "$size") bytes), wrk 2 threads 32 connections | $(fmt "${rps:-0}") GETs/s, $tps, p99 $p99, non-2xx ${non2xx:-0}; server CPU ${cpu}% | ≥1,000/s: **$verdict** | loopback $tcp GB/s | load avg $la |"
    done
    stop_placed
  else
    row "| snapshot | wrk not installed (packaging/install-deps.sh installs it) | — | | | |"
  fi
fi

# ---------------------------------------------------------------- the clients' own benchmarks
if want clients; then
  tui="$build/client-tui/place-tui"
  sdl="$build/client-sdl/place-sdl"
  if [[ -x $tui ]]; then
    echo "run.sh: place-tui" >&2
    TERM=xterm-256color timeout 120 "$tui" --bench-redraw 200 >"$logs/tui.bench" 2>&1
    line=$(grep 'full redraws' "$logs/tui.bench" | sed 's/^bench-redraw: //')
    row "| place-tui | 200×60 terminal, whole-canvas zoom of 2000×2000 (--bench-redraw 200) | ${line:-failed, see $logs/tui.bench} | | | |"
    if command -v tmux >/dev/null; then
      start_placed tui-idle
      sock="$work/tmux.sock"
      # the shell writes its pid and becomes place-tui, so the pid is the client's own
      tmux -S "$sock" new-session -d -x 200 -y 60 \
        "echo \$\$ >$work/tui.pid; XDG_CONFIG_HOME=$work/tui-cfg TERM=tmux-256color exec $tui http://127.0.0.1:$PORT 2>$logs/tui-idle.err"
      sleep 4
      tpid=$(cat "$work/tui.pid" 2>/dev/null)
      if [[ -n $tpid && -r /proc/$tpid/stat ]]; then
        a=$(awk '{print $14+$15}' "/proc/$tpid/stat"); sleep 10
        b=$(awk '{print $14+$15}' "/proc/$tpid/stat")
        idle=$(awk "BEGIN{printf \"%.2f\", ($b - $a) * 100 / $(getconf CLK_TCK) / 10}")
        row "| place-tui | idle CPU, connected to an idle placed, 200×60 (10 s) | $idle % of a core | | | |"
      fi
      tmux -S "$sock" kill-server 2>/dev/null
      stop_placed
    fi
  fi
  if [[ -x $sdl ]] && command -v Xvfb >/dev/null; then
    echo "run.sh: place-sdl under Xvfb" >&2
    disp=":$((90 + RANDOM % 100))"
    Xvfb "$disp" -screen 0 1280x800x24 >/dev/null 2>&1 &
    pids+=("$!"); xpid=$!
    sleep 1
    DISPLAY=$disp timeout 120 "$sdl" --bench-frames 300 --bench-rate 10000 >"$logs/sdl.bench" 2>&1
    kill "$xpid" 2>/dev/null
    while read -r l; do
      row "| place-sdl | Xvfb (software GL), 10,000 px/s arriving: ${l%%:*} | ${l#*: } | | | |"
    done < <(grep -E 'scale' "$logs/sdl.bench" | sed 's/^bench-frames: //')
  fi
fi

# ---------------------------------------------------------------- a large revert under load
# One benchmark user painted N pixels of the 2000x2000 canvas (seeded into the store: the rows of
# N placements and the user, as placed writes them); placed starts on it with 1,000 viewers and
# others placing 1,000/s, and `placed --revert-user` reverts the N pixels meanwhile. The figures:
# how long the revert took, and the others' acks (p99 and max) over a window that the revert
# covers.
if want revert; then
  n=1000000; dur=60
  ((quick)) && { n=100000; dur=8; }
  echo "run.sh: revert of $(fmt $n) pixels, 1,000 viewers, 1,000 placements/s by others" >&2
  name=revert
  dir="$work/data-$name"
  start_placed "$name" && stop_placed # the schema
  mv "$logs/$name.placed.err" "$logs/$name-schema.placed.err"; rm -f "$logs/$name.placed.out"
  uid=b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0
  now=$(($(date +%s%3N) - 3600000))
  sqlite3 "$dir/place.db" "PRAGMA journal_mode=WAL; BEGIN;
    INSERT INTO users(id, name, pwhash, is_guest, is_admin, is_banned, created)
      VALUES('$uid', 'bench-painter', 'no login', 0, 0, 0, $now);
    WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < $n - 1)
    INSERT INTO placements(seq, x, y, color, user_id, time)
      SELECT k + 1, k % 2000, k / 2000, k % 15 + 1, '$uid', $now + k / 1000 FROM i;
    COMMIT;" >"$logs/revert.seed" 2>&1
  la=$(loadavg)
  if KEEP_DIR=1 start_placed "$name"; then
    run_load "$name" --viewers 1000 --rate 1000 --duration "$dur" --warmup 3 --drain 2 &
    lpid=$!
    sleep 5 # the viewers are connected and the placements flow
    t0=$(date +%s%3N)
    "$placed" --data-dir "$dir" --revert-user bench-painter >"$logs/revert.cli" 2>&1
    rrc=$?
    t1=$(date +%s%3N)
    wait "$lpid"
    stop_placed
    f="$logs/$name.load"
    secs=$(awk "BEGIN{printf \"%.1f\", ($t1 - $t0) / 1000}")
    changed=$(sed -n 's/.*done, \([0-9]*\) pixels changed.*/\1/p' "$logs/revert.cli")
    p99=$(kv "$f" ack_p99_ms)
    verdict="done, others' ack p99 <1 s: **$(awk "BEGIN{print ($rrc == 0 && ${changed:-0} > 0.99 * $n && ${p99:-99999} < 1000) ? \"met\" : \"missed\"}")**"
    row "| revert | \`placed --revert-user\` of $(fmt $n) pixels painted by one user (2000×2000), 1,000 viewers + $(kv "$f" placers) placers at 1,000/s meanwhile | $(fmt "${changed:-0}") pixels changed (the rest painted over by others meanwhile) in $secs s ($(awk "BEGIN{printf \"%.0f\", ${changed:-0} * 1000 / ($t1 - $t0)}") px/s, exit $rrc); others' ack p50/p99/max $(kv "$f" ack_p50_ms)/$p99/$(kv "$f" ack_max_ms) ms, acked $(kv "$f" acked_per_s)/s over the $dur s window; viewers held $(kv "$f" held), dropped $(kv "$f" dropped), resyncs $(kv "$f" resyncs); visible p99 $(kv "$f" vis_p99_ms) ms; delivered $(fmt "$(kv "$f" px_per_s)") px/s, $(kv "$f" mbytes_per_s) MB/s; server CPU $(kv "$f" server_cpu_pct)% | $verdict | | load avg $la |"
  fi
fi

# ---------------------------------------------------------------- a revert in cluster mode
# Redis + Kafka + PostgreSQL + two placed on their own ports (bench/cluster.mjs). One registered
# player paints for a while through place-load (every connection with its session), then 1,000
# viewers over both servers and others placing 1,000/s, and `placed --revert-user` through the
# first server's control socket meanwhile.
if want revert-cluster; then
  # REVERT_PAINT_S / REVERT_WINDOW_S: how long the player paints, and the others' load window
  # (a million pixels on 2000x2000 wants REVERT_PAINT_S=300 REVERT_WINDOW_S=150)
  paint_s=${REVERT_PAINT_S:-30}; dur=${REVERT_WINDOW_S:-40}
  ((quick)) && { paint_s=4; dur=10; }
  if command -v node >/dev/null && command -v redis-server >/dev/null; then
    echo "run.sh: revert in cluster mode (starting Redis, PostgreSQL, Kafka)" >&2
    ready="$build/tests/cluster/place-kafka-ready"
    mkfifo "$work/rc.in"
    PLACE_BENCH_LOGS=$logs PLACE_KAFKA_READY=$([[ -x $ready ]] && echo "$ready") timeout 1200 "${nice_cmd[@]}" node "$here/cluster.mjs" "$placed" 2 --own-ports \
      <"$work/rc.in" >"$logs/revert-cluster.out" 2>>"$logs/revert-cluster.err" &
    cpid=$!
    pids+=("$cpid")
    exec 8>"$work/rc.in"
    for _ in $(seq 240); do
      grep -q '^READY' "$logs/revert-cluster.out" && break
      kill -0 "$cpid" 2>/dev/null || break
      sleep 0.5
    done
    if grep -q '^READY' "$logs/revert-cluster.out"; then
      read -r _ ports spids cdirs <"$logs/revert-cluster.out"
      p1=${ports%%,*}; d1=${cdirs%%,*}
      args=(); for p in ${ports//,/ }; do args+=(--url "http://127.0.0.1:$p"); done
      for p in ${spids//,/ }; do args+=(--server-pid "$p"); done
      tok=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
        -d '{"username":"bench-painter","password":"bench painter passphrase"}' \
        "http://127.0.0.1:$p1/api/v1/auth/register" | sed -n 's/.*place_session=\([0-9a-f]\{64\}\).*/\1/p')
      # --first: the painter's placements are numbered from 2,000,000, so they go to other pixels
      # (and in other colours) than the others' later on, which number from 0: with the same
      # numbers the others re-placed the painter's pixels in the painter's colours, the act's
      # colour check could not tell them apart, and the act's pixels were counted as the
      # others' placements arriving late (runs N and S: visible p99 4.8 and 22 s)
      timeout 600 "${nice_cmd[@]}" "$load" --url "http://127.0.0.1:$p1" --viewers 0 --rate 5000 \
        --duration "$paint_s" --warmup 1 --drain 3 --token "$tok" --first 2000000 \
        >"$logs/revert-cluster-paint.load" 2>&1
      sleep $((paint_s > 60 ? 20 : 3)) # the history writer catches up
      la=$(loadavg)
      timeout 900 "${nice_cmd[@]}" "$load" "${args[@]}" --viewers 1000 --rate 1000 --duration "$dur" \
        --warmup 3 --drain 3 >"$logs/revert-cluster.load" 2>"$logs/revert-cluster.load.err" &
      lpid=$!
      sleep 5
      t0=$(date +%s%3N)
      "$placed" --data-dir "$d1" --revert-user bench-painter >"$logs/revert-cluster.cli" 2>&1
      rrc=$?
      t1=$(date +%s%3N)
      wait "$lpid"
      f="$logs/revert-cluster.load"
      secs=$(awk "BEGIN{printf \"%.1f\", ($t1 - $t0) / 1000}")
      changed=$(sed -n 's/.*done, \([0-9]*\) pixels changed.*/\1/p' "$logs/revert-cluster.cli")
      painted=$(kv "$logs/revert-cluster-paint.load" acked_per_s)
      p99=$(kv "$f" ack_p99_ms)
      verdict="done, others' ack p99 <1 s: **$(awk "BEGIN{print ($rrc == 0 && ${changed:-0} > 0 && ${p99:-99999} < 1000) ? \"met\" : \"missed\"}")**"
      row "| revert (cluster) | \`placed --revert-user\` through one of 2 placed (Redis + Kafka + PostgreSQL) of a player who painted ${paint_s} s at ${painted:-?}/s, 1,000 viewers + $(kv "$f" placers) placers at 1,000/s meanwhile | $(fmt "${changed:-0}") pixels changed in $secs s ($(awk "BEGIN{printf \"%.0f\", ${changed:-0} * 1000 / ($t1 - $t0)}") px/s, exit $rrc); others' ack p50/p99/max $(kv "$f" ack_p50_ms)/$p99/$(kv "$f" ack_max_ms) ms, acked $(kv "$f" acked_per_s)/s over the $dur s window; viewers held $(kv "$f" held), dropped $(kv "$f" dropped), resyncs $(kv "$f" resyncs); visible p99 $(kv "$f" vis_p99_ms) ms; servers' CPU $(kv "$f" server_cpu_pct)% | $verdict | | load avg $la |"
    else
      row "| revert (cluster) | — | the cluster did not start: $(tail -1 "$logs/revert-cluster.err") | | | |"
    fi
    exec 8>&-
    wait "$cpid" 2>/dev/null
  else
    row "| revert (cluster) | — | not run: node or redis-server missing | | | |"
  fi
fi

# ---------------------------------------------------------------- cluster fan-out
# Redis + Kafka + PostgreSQL + several placed in cluster mode (bench/cluster.mjs), the viewers
# spread over the servers by place-load. The warm-up is longer: the first placements wait for
# Kafka to create the topic and the consumers to join.
if want cluster; then
  counts="50000 100000"; dur=20; nsrv=6
  ((quick)) && { counts="3000"; dur=5; nsrv=2; }
  if command -v node >/dev/null && command -v redis-server >/dev/null; then
    echo "run.sh: cluster of $nsrv placed (starting Redis, PostgreSQL, Kafka)" >&2
    ready="$build/tests/cluster/place-kafka-ready"
    ok=0
    for attempt in 1 2 3; do
      mkfifo "$work/cluster.in.$attempt"
      mode=""; ((attempt == 3)) && mode="--own-ports" # last try without the shared port
      PLACE_KAFKA_READY=$([[ -x $ready ]] && echo "$ready") timeout 1200 "${nice_cmd[@]}" node "$here/cluster.mjs" "$placed" "$nsrv" $mode \
        <"$work/cluster.in.$attempt" >"$logs/cluster.out" 2>>"$logs/cluster.err" &
      cpid=$!
      pids+=("$cpid")
      exec 9>"$work/cluster.in.$attempt" # held open: the cluster lives until this closes
      for _ in $(seq 240); do
        grep -q '^READY' "$logs/cluster.out" && { ok=1; break; }
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.5
      done
      ((ok)) && break
      exec 9>&-
      wait "$cpid" 2>/dev/null
    done
    if ((ok)); then
      read -r _ ports spids _ <"$logs/cluster.out"
      how="on their own ports"
      [[ $(tr ',' '\n' <<<"$ports" | sort -u | wc -l) -eq 1 ]] && how="sharing one port"
      args=()
      for p in ${ports//,/ }; do args+=(--url "http://127.0.0.1:$p"); done
      for p in ${spids//,/ }; do args+=(--server-pid "$p"); done
      for v in $counts; do
        echo "run.sh: cluster fan-out, $v viewers over $nsrv placed" >&2
        la=$(loadavg)
        timeout 1200 "${nice_cmd[@]}" "$load" "${args[@]}" --viewers "$v" --rate 1000 --duration "$dur" \
          --warmup 10 --drain 5 --ramp-timeout 300 >"$logs/cluster-$v.load" 2>"$logs/cluster-$v.load.err"
        f="$logs/cluster-$v.load"
        held=$(kv "$f" held)
        if [[ -z $held ]]; then row "| cluster fan-out | $(fmt "$v") viewers | place-load failed: $(tail -1 "$f.err") | | | |"; continue; fi
        p99=$(kv "$f" vis_p99_ms)
        verdict="—"
        [[ $v -eq 100000 ]] && verdict="none dropped, p99 ≤1 s: **$(awk "BEGIN{print ($(kv "$f" dropped) == 0 && $(kv "$f" failed) == 0 && $held >= $v && $p99 <= 1000) ? \"met\" : \"missed\"}")**"
        row "| cluster fan-out | $(fmt "$v") viewers + $(kv "$f" placers) placers over $nsrv placed $how (Redis + Kafka + PostgreSQL), 1,000 placements/s | held $(fmt "$held"), failed $(kv "$f" failed), dropped $(kv "$f" dropped), connecting $(kv "$f" connect_s) s; visible p50/p99/max $(kv "$f" vis_p50_ms)/$p99/$(kv "$f" vis_max_ms) ms over $(fmt "$(kv "$f" vis_samples)") samples; ack p50/p99 $(kv "$f" ack_p50_ms)/$(kv "$f" ack_p99_ms) ms; acked $(kv "$f" acked_per_s)/s; delivered $(fmt "$(kv "$f" px_per_s)") px/s, $(fmt "$(kv "$f" batches_per_s)") frames/s, $(kv "$f" mbytes_per_s) MB/s; servers' CPU $(kv "$f" server_cpu_pct)% = $(kv "$f" cpu_per_conn_us) µs/s per conn, RSS $(fmt "$(kv "$f" server_rss_kb)") KiB = $(awk "BEGIN{printf \"%.1f\", $(kv "$f" rss_per_conn_b)/1024}") KiB/conn; load generator CPU $(kv "$f" load_cpu_pct)%; gaps $(kv "$f" gaps), resyncs $(kv "$f" resyncs), errors $(kv "$f" errors) | $verdict | needs $(fmt $((held * 10))) frames/s; one core writes $( ((fanout_limit)) && echo "$(fmt "$fanout_limit")/s" || echo "? (run limits too)") | load avg $la |"
      done
      exec 9>&-
      wait "$cpid" 2>/dev/null
    else
      row "| cluster fan-out | $counts viewers | the cluster did not start: $(tail -1 "$logs/cluster.err") | | | |"
    fi
  else
    row "| cluster fan-out | $counts viewers | not run: node or redis-server missing | | | |"
  fi
fi

# ---------------------------------------------------------------- the table
{
  echo "## Place benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')$( ((quick)) && echo ' (quick)')"
  echo
  echo "Source: commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- server common 2>/dev/null || echo ' (with uncommitted changes in server/ or common/)'), binaries from $build."
  echo
  echo "Machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); load average at the start of each scenario in the last column."
  echo
  echo "| scenario | what | measured | target | machine limit | context |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for r in "${rows[@]}"; do echo "$r"; done
  echo
  echo "Raw output of every step: $logs/"
} >"$work/table.md"
cat "$work/table.md"
cp "$work/table.md" "$out"
echo "run.sh: table written to $out" >&2
exit 0
}
