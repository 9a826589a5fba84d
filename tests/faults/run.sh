#!/usr/bin/env bash
# The whole pipeline under faults, checked from a viewer's side.
#   tests/faults/run.sh short      a few faults, about 2 minutes (ctest faults_short)
#   tests/faults/run.sh full       every fault on the local store (make soak)
#   tests/faults/run.sh s3         the store on s3rver behind s3_fault_proxy.mjs:
#                                  500, 503, slow and unreachable for 60 s each (make soak)
#   FAULTS_TABLE=FILE              append the markdown table rows there
#
# A live ffmpeg source (scripts/live-testsrc, 2 s segments) feeds
# scripts/hlsmesh-origin with the local store served by sigd; checker.mjs
# polls the published playlists every 100 ms and fetches every URI for the
# whole run. Each fault is followed by its recovery time: from the fault to
# the first segment published after it with the stage that was hit running
# again. Fails on any violation of the promise (checker.mjs), on a stage that
# was not restarted, on a source segment lost without an error naming it, and
# if Ctrl-C's ordered stop does not end every stage.
source "$(dirname "$0")/../lib/script.sh"
mode="${1:-short}"
src="${HLSMESH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
bin="${HLSMESH_BIN:-$src/build/bin}"
script_init "faults-$mode"
command -v ffmpeg >/dev/null || fail "ffmpeg is missing: run scripts/deps"

port="$(free_port)"
base="http://127.0.0.1:$port"
state="$work/state"
mkdir -p "$work/hls/0" "$state"
tmpfs_mounted=""
if [[ "$mode" == full && "$(id -u)" == 0 ]]; then
  # The state directory (and the local store inside it) on a small tmpfs of
  # its own: filling it and making it read-only touch nothing else.
  mount -t tmpfs -o size=96m hlsmesh-faults "$state" && tmpfs_mounted="$state"
fi
unmount_state() { [[ -z "$tmpfs_mounted" ]] || { umount -l "$tmpfs_mounted" 2>/dev/null; tmpfs_mounted=""; }; }
trap 'stop_origin; unmount_state; cleanup' EXIT

fail_context() {
  echo "--- origin log (last 40 lines)"; tail -40 "$work/origin.log"
  echo "--- violations"; head -20 "$work/violations.jsonl" 2>/dev/null
}

start_source() {
  setsid "$src/scripts/live-testsrc" "$work/hls/0" 2 6 >"$work/ffmpeg.log" 2>&1 &
  src_pid=$!; started_pids+=("$src_pid")
}
start_source
store_env=()
cdn="$base/live"
if [[ "$mode" == s3 ]]; then
  # s3rver holds the bucket; r2push reaches it through the fault proxy, the
  # checker reads the bucket directly, as viewers read a CDN, not the S3 API.
  export NODE_PATH="${NODE_PATH:-$src/node_modules}"
  mkdir -p "$work/s3.data"
  node --openssl-legacy-provider "$src/tests/r2push/lib/s3rver.cjs" -d "$work/s3.data" -a 127.0.0.1 -p 0 \
    --configure-bucket live -s >"$work/s3rver.log" 2>&1 &
  started_pids+=("$!")
  wait_for 20 grep -q "listening on" "$work/s3rver.log" || fail "s3rver did not start: $(cat "$work/s3rver.log")"
  s3_port="$(grep -o 'listening on [0-9.]*:[0-9]*' "$work/s3rver.log" | sed 's/.*://')"
  echo pass >"$work/s3.mode"
  node "$src/tests/faults/s3_fault_proxy.mjs" "$s3_port" "$work/s3.mode" >"$work/proxy.out" 2>&1 &
  started_pids+=("$!")
  wait_for 10 grep -q "listening on" "$work/proxy.out" || fail "s3 fault proxy did not start"
  # HLSMESH_CDN_URL is the bucket's public root; the pipeline writes under live/.
  cdn="http://127.0.0.1:$s3_port/live/live"
  store_env=(HLSMESH_STORE=s3://live/live HLSMESH_CDN_URL="http://127.0.0.1:$s3_port/live" R2_ENDPOINT="http://127.0.0.1:$(grep -o '[0-9]*$' "$work/proxy.out")"
    R2_ACCESS_KEY_ID=S3RVER R2_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1)
fi
origin_bin="$bin"
if [[ "$mode" == full ]]; then
  # Each program through libfaketime (wall clock only, monotonic untouched),
  # its offset read from clock/<program> every second: a clock step per process.
  faketime_lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
  [[ -r "$faketime_lib" ]] || fail "libfaketime is missing: run scripts/deps (Debian faketime libfaketime)"
  mkdir -p "$work/bin" "$work/clock"
  for p in hlswatch r2push m3u8roll torrentseed sigd; do
    echo "+0" >"$work/clock/$p"
    printf '#!/bin/sh\nexec env LD_PRELOAD=%s FAKETIME_TIMESTAMP_FILE=%s FAKETIME_CACHE_DURATION=1 FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_DONT_RESET=1 %s "$@"\n' \
      "$faketime_lib" "$work/clock/$p" "$bin/$p" >"$work/bin/$p"
    chmod +x "$work/bin/$p"
  done
  origin_bin="$work/bin"
fi
env "${store_env[@]}" HLSMESH_BIN="$origin_bin" HLSMESH_SOURCE="$work/hls/0" HLSMESH_STATE_DIR="$state" HLSMESH_LISTEN="127.0.0.1:$port" \
  HLSMESH_WINDOW=10 HLSMESH_WWW="$bin/../www" HLSMESH_HLSWATCH_ARGS="${FAULTS_HLSWATCH_ARGS:-}" \
  setsid "$src/scripts/hlsmesh-origin" >"$work/origin.out" 2>"$work/origin.log" &
origin_pid=$!; started_pids+=("$origin_pid")
stop_origin() {
  [[ -n "${origin_pid:-}" ]] || return 0
  kill -TERM "$origin_pid" 2>/dev/null
  local n=300; while ((n-- > 0)) && kill -0 "$origin_pid" 2>/dev/null; do sleep 0.1; done
  wait "$origin_pid" 2>/dev/null; origin_rc=$?
  origin_pid=""
}

playlist="$cdn/stream.m3u8"
media_ready() { (($(curl -sf "$cdn/0.m3u8" | grep -c '^#EXTINF') >= 3)); }
wait_for 60 media_ready || fail "no published playlist with 3 segments at $cdn/0.m3u8 within 60 s"
pass "the pipeline publishes ($playlist)"

node "$src/tests/faults/checker.mjs" --playlist "$playlist" --source "$work/hls/0/stream.m3u8" \
  --out "$work/violations.jsonl" --summary "$work/summary.json" &
checker_pid=$!; started_pids+=("$checker_pid")

last_msn() { # the MSN of the newest published segment
  { curl -sf "$cdn/0.m3u8" || true; } | awk -F: '/^#EXT-X-MEDIA-SEQUENCE/{m=$2} /^#EXTINF/{n++} END{print m+n-1}'
}
stage_pid() { # NAME: the PID of the origin's child running it
  local want="$1"
  ps -o pid=,args= --ppid "$origin_pid" | while read -r pid args; do
    case "$want" in
      r2push-segments) [[ "$args" == */r2push\ * && "$args" != *--delete-expired* ]] && echo "$pid" ;;
      r2push-playlists) [[ "$args" == */r2push\ * && "$args" == *--delete-expired* ]] && echo "$pid" ;;
      *) [[ "$args" == */"$want"\ * || "$args" == */"$want" ]] && echo "$pid" ;;
    esac
  done | head -1 || true
}
now_ms() { date +%s%3N; }
violations_now() { [[ -f "$work/violations.jsonl" ]] && wc -l <"$work/violations.jsonl" || echo 0; }
# violations_since N KIND|-KIND: lines after the first N of that kind (-KIND: of any other kind).
violations_since() {
  tail -n +"$(($1 + 1))" "$work/violations.jsonl" 2>/dev/null | node -e '
    const k = process.argv[1]; let n = 0
    for (const l of require("fs").readFileSync(0, "utf8").split("\n")) {
      if (!l) continue
      const kind = JSON.parse(l).kind
      if (k.startsWith("-") ? kind !== k.slice(1) : kind === k) n++
    }
    console.log(n)' -- "$2"
}
down_expected=0
rows=()

# recover NAME STAGE_OR_EMPTY T0 MSN0: waits for a segment after MSN0 with the stage running again.
recover() {
  local name="$1" stage="$2" t0="$3" msn0="$4" v0="$5" limit="${6:-90}"
  local deadline=$((SECONDS + limit)) msn
  while ((SECONDS < deadline)); do
    msn="$(last_msn 2>/dev/null || echo -1)"
    if [[ -n "$msn" && "$msn" -gt "$msn0" ]] && { [[ -z "$stage" ]] || [[ -n "$(stage_pid "$stage")" ]]; }; then
      local secs; secs="$(awk -v a="$t0" -v b="$(now_ms)" 'BEGIN{printf "%.1f", (b-a)/1000}')"
      sleep 3  # violations show up after the fact (a URI fetched later)
      local v down
      v="$(violations_since "$v0" -server-down)"; down="$(violations_since "$v0" server-down)"
      [[ "$stage" != sigd ]] || down_expected=$((down_expected + down))
      rows+=("| $name | $secs s | $v | $down |")
      echo "fault: $name: recovered in $secs s, $v violations, $down polls found no server listening"
      return 0
    fi
    sleep 0.2
  done
  rows+=("| $name | not within ${limit} s | $(violations_since "$v0" -server-down) | $(violations_since "$v0" server-down) |")
  fail "$name: no new segment published within $limit s (stage ${stage:-none} running: $(stage_pid "$stage"))"
}

kill_stage() {
  local stage="$1" pid msn t0 v0
  pid="$(stage_pid "$stage")"; [[ -n "$pid" ]] || fail "no running $stage under hlsmesh-origin (pid $origin_pid)"
  msn="$(last_msn)"; v0="$(violations_now)"; t0="$(now_ms)"
  kill -KILL "$pid"
  recover "kill -9 $stage" "$stage" "$t0" "$msn" "$v0"
  [[ "$(stage_pid "$stage")" != "$pid" ]] || fail "$stage still has the killed PID"
}

restart_encoder() { # ffmpeg starts again at stream0.ts: new bytes under names listed moments ago
  local msn t0 v0
  msn="$(last_msn)"; v0="$(violations_now)"; t0="$(now_ms)"
  kill -TERM "$src_pid"; wait "$src_pid" 2>/dev/null || true
  sleep 2
  start_source
  recover "encoder restart" "" "$t0" "$msn" "$v0"
  encoder_restarted=1
}

fill_store() { # the state tmpfs full for 20 s, then freed; recovery from the freeing
  local msn t0 v0
  [[ -n "$tmpfs_mounted" ]] || { echo "skip: store full (needs root for the tmpfs)"; return 0; }
  v0="$(violations_now)"
  dd if=/dev/zero of="$state/filler" bs=1M 2>/dev/null || true
  sleep 20
  rm -f "$state/filler"
  msn="$(last_msn)"; t0="$(now_ms)"  # recovery counts from the moment space is freed
  recover "store filesystem full 20 s" "" "$t0" "$msn" "$v0"
}

state_readonly() { # the state directory read-only for 20 s
  local msn t0 v0
  [[ -n "$tmpfs_mounted" ]] || { echo "skip: state unwritable (needs root for the tmpfs)"; return 0; }
  v0="$(violations_now)"
  mount -o remount,ro "$state"
  sleep 20
  mount -o remount,rw "$state"
  msn="$(last_msn)"; t0="$(now_ms)"  # recovery counts from the moment it is writable again
  recover "state directory read-only 20 s" "" "$t0" "$msn" "$v0"
}

clock_step() { # PROGRAM: its wall clock +1 h for 15 s, then back (a -1 h step)
  local p="$1" msn t0 v0
  msn="$(last_msn)"; v0="$(violations_now)"; t0="$(now_ms)"
  echo "+1h" >"$work/clock/$p"
  recover "clock +1 h: $p" "" "$t0" "$msn" "$v0"
  sleep 10
  msn="$(last_msn)"; v0="$(violations_now)"; t0="$(now_ms)"
  echo "+0" >"$work/clock/$p"
  recover "clock -1 h (back): $p" "" "$t0" "$msn" "$v0"
  sleep 10
}

s3_fault() { # MODE: the S3 endpoint fails that way for 60 s; recovery from its return
  local m="$1" msn t0 v0
  v0="$(violations_now)"
  echo "$m" >"$work/s3.mode"; sleep 60; echo pass >"$work/s3.mode"
  msn="$(last_msn)"; t0="$(now_ms)"
  recover "S3 $m for 60 s" "" "$t0" "$msn" "$v0" 180
}

sleep 6
if [[ "$mode" == s3 ]]; then
  for m in 500 503 slow down; do s3_fault "$m"; sleep 10; done
  kill_stage r2push-segments
elif [[ "$mode" == short ]]; then
  # First, while the names it reuses are still listed and cached: a reused
  # key would show as content-changed when the checker fetches them again.
  restart_encoder; sleep 4
  kill_stage m3u8roll
  kill_stage r2push-segments
  kill_stage sigd
else
  for s in hlswatch r2push-segments m3u8roll torrentseed r2push-playlists sigd; do kill_stage "$s"; sleep 6; done
  restart_encoder; sleep 6
  fill_store; sleep 6
  state_readonly; sleep 6
  for p in hlswatch r2push m3u8roll torrentseed sigd; do clock_step "$p"; sleep 4; done
  if [[ -n "${FAULTS_SOAK_SECONDS:-}" ]]; then
    echo "soak: ${FAULTS_SOAK_SECONDS} s"
    bash "$src/tests/faults/soak.sh" "$origin_pid" "$base" "$FAULTS_SOAK_SECONDS" "$work/soak.tsv" || fail "soak: see above"
  fi
fi
sleep 4

kill -TERM "$checker_pid"; wait "$checker_pid" 2>/dev/null || true
stop_origin
[[ "${origin_rc:-1}" == 0 ]] || fail "hlsmesh-origin did not exit 0 on SIGTERM after the faults (status ${origin_rc:-?})"
pass "the ordered stop still works after the restarts (exit 0)"

summary="$(cat "$work/summary.json")"
echo "checker: $(node -e 'const s=JSON.parse(process.argv[1]); console.log(`${s.polls} polls, ${s.versions} playlist versions, ${s.uris} URIs, ${s.fetched} fetches, ${s.rechecked} re-checks at availability end, ${s.final} at the end of the run, ${s.violations} violations ${JSON.stringify(s.byKind)}`)' "$summary")"
# A source segment never published must be named in an error (the origin's log).
lost=0
for name in $(node -e 'for (const n of JSON.parse(process.argv[1]).unpublished) console.log(n)' "$summary"); do
  # The final error, not a retry's warning: "<program>: error: ... NAME ...".
  if grep -E -q ": error: .*${name//./\\.}" "$work/origin.log"; then echo "unpublished source segment $name: named in an error"
  else echo "LOST without an error: $name"; lost=$((lost + 1)); fi
done
echo "| fault | recovery | violations | polls with no server (100 ms each) |"; echo "|---|---|---|---|"; printf '%s\n' "${rows[@]}"
[[ -z "${FAULTS_TABLE:-}" ]] || printf '%s\n' "${rows[@]}" >>"$FAULTS_TABLE"
grep -n "restarted\|starting it again" "$work/origin.log" | head -20
# With the local store, sigd is the HTTP server: while it restarts nothing
# listens (a viewer's player rides it out on its buffer and retries). That is
# the only outage allowed, and only during sigd's own restart.
other="$(violations_since 0 -server-down)"; down="$(violations_since 0 server-down)"
[[ "$other" == 0 ]] || { grep -v server-down "$work/violations.jsonl" | head -20 >&2; fail "$other violations of the promise"; }
[[ "$down" == "$down_expected" ]] || fail "$((down - down_expected)) polls found no server outside sigd's restart"
[[ "$lost" == 0 ]] || fail "$lost source segments lost without an error naming them"
if [[ -n "${encoder_restarted:-}" ]]; then
  # Segment keys name their bytes ({hash}): the restarted encoder's stream0.ts
  # is a new key, so neither r2push nor m3u8roll sees a reused name.
  if grep -E "uploaded earlier in this run with other content|the source reused segment name" "$work/origin.log"; then
    fail "the encoder restart reused a segment key"
  fi
  pass "encoder restart: no segment key or playlist URI reused"
fi
pass "no violation, no segment lost silently"
