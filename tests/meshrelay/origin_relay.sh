#!/usr/bin/env bash
# HLSMESH_RELAY=1 through scripts/hlsmesh-origin (what `make demo` runs):
# meshrelay starts beside the pipeline, follows the public playlist and
# sigd's event feed (segments fetched because the feed named them), joins
# the swarms on the origin's sigd and reports to it with the relay token the
# two share through the environment; the token is on no command line and in
# no log. No browser: about 40 s (ffmpeg's first 12 segments).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
script_init meshrelay-origin
bin="${HLSMESH_BIN:?}"
src="${HLSMESH_SRC:?}"
fail_context() { for f in "$work"/*.log; do echo "--- $f"; tail -n 20 "$f"; done; }
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg missing"; exit 77; }

port=$(free_port)
mkdir -p "$work/src"
spawn "$src/scripts/live-testsrc" "$work/src" 2 10 2>"$work/ffmpeg.log"
HLSMESH_RELAY=1 HLSMESH_BIN="$bin" HLSMESH_SOURCE="$work/src" HLSMESH_STATE_DIR="$work/state" HLSMESH_WINDOW=30 \
  HLSMESH_LISTEN="127.0.0.1:$port" HLSMESH_MESHRELAY_ARGS="--stats-interval 2" \
  spawn "$src/scripts/hlsmesh-origin" 2>"$work/origin.log"
relay_events() { grep '"event":"relay"' "$work/state/relay.jsonl" 2>/dev/null; }
fetched() { relay_events | tail -n 1 | jq '.fetched_segments >= 2 and (.streams | length) >= 2' | tail -n 1 | grep -qx true; }
wait_for 90 fetched || fail "meshrelay wrote no relay event with fetched segments and joined swarms"
from_feed() { relay_events | tail -n 1 | jq '.feed.connected == true and .feed.segments >= 1' | tail -n 1 | grep -qx true; }
wait_for 30 from_feed || fail "meshrelay took no segment from sigd's feed: $(relay_events | tail -n 1 | jq -c .feed)"
stats() { curl -fs "http://127.0.0.1:$port/stats.json"; }
wait_for 15 sh -c "curl -fs 'http://127.0.0.1:$port/stats.json' | jq '.delivery.relay_reports >= 1' | tail -n 1 | grep -qx true" ||
  fail "sigd took no report from the relay: $(stats | jq -c .delivery)"
[[ $(stats | jq '.delivery.refused.relay_token') == 0 ]] || fail "sigd refused the relay's token"

# This origin's meshrelay: its first argument is this test's playlist URL
# (ctest runs other meshrelay tests beside this one).
relay_pid=$(pgrep -f -- "^$bin/meshrelay http://127.0.0.1:$port/" | head -n 1)
[[ -n "$relay_pid" ]] || fail "no meshrelay process"
token=$(tr '\0' '\n' <"/proc/$relay_pid/environ" | sed -n 's/^MESHRELAY_RELAY_TOKEN=//p')
[[ ${#token} -ge 16 ]] || fail "meshrelay has no relay token in its environment"
for p in $(pgrep -f -- "^$bin/"); do
  ! tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- "$token" || fail "the relay token is on a command line ($p)"
done
! grep -rq -- "$token" "$work"/*.log "$work/state" || fail "the relay token appears in a log or the state directory"
pass "HLSMESH_RELAY=1: meshrelay follows the playlist and the feed, announces and reports to the origin's sigd with the shared token"
