#!/usr/bin/env bash
# meshrelay under faults of what it depends on, without a browser (about
# 45 s): a tracker that sends garbage (not JSON, wrong shapes, 1 MB) and then
# one that goes away (reconnects with a backoff of 1, 2, 4 s, named in the
# log; announces again when it is back); one that goes silent without
# closing (pinged, dropped, reconnected); a playlist answering 404, 500 or
# nothing (named in the log; the segments held stay held; fetching resumes).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
script_init meshrelay-faults
bin="${HLSMESH_BIN:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fail_context() { for f in "$work"/*.log; do echo "--- $f"; tail -n 25 "$f"; done; }

spawn node "$here/fault-servers.mjs" --lifetime 120 >"$work/urls.json" 2>"$work/servers.log"
wait_for 10 test -s "$work/urls.json" || fail "the fault servers did not start"
playlist=$(jq -r .playlist "$work/urls.json")
tracker=$(jq -r .tracker "$work/urls.json")
control=$(jq -r .control "$work/urls.json")
set_mode() { curl -fs -X POST "$control?$1" >/dev/null || fail "control $1"; }
counts() { curl -fs "$control"; }
last_event() { tail -n 1 "$work/relay.jsonl"; }
log_has() { grep -q -- "$1" "$work/relay.log"; }

spawn "$bin/meshrelay" "$playlist" --tracker "$tracker" --stats-interval 1 --backfill 3 \
  >"$work/relay.jsonl" 2>"$work/relay.log"
relay_pid=$last_pid
wait_for 15 log_has "tracker $tracker connected" || fail "the tracker was never connected"
wait_for 15 sh -c "tail -n 1 '$work/relay.jsonl' | jq '.window_segments >= 3' | tail -n 1 | grep -qx true" || fail "no segments held"
wait_for 10 sh -c "curl -fs '$control' | jq '.announces >= 2' | tail -n 1 | grep -qx true" || fail "no announces reached the tracker"

# Garbage from the tracker: ignored, named, the connection closed by it is reopened.
before=$(counts | jq .connections)
set_mode tracker=garbage
wait_for 10 log_has "sent a message that is not a JSON object" || fail "garbage from the tracker is not named"
wait_for 10 sh -c "curl -fs '$control' | jq '.connections > $before' | tail -n 1 | grep -qx true" || fail "no reconnection after the tracker closed"
kill -0 "$relay_pid" || fail "meshrelay died on the tracker's garbage"
wait_for 3 sh -c "tail -n 1 '$work/relay.jsonl' | jq '.own_offers.malformed_answers >= 1 and .own_offers.unknown_answers >= 1' | grep -qx true" ||
  fail "a malformed answer and one to no offer of the relay's are not counted: $(last_event)"
pass "a tracker sending garbage: ignored, logged, reconnected; bad answers counted"

# The tracker goes away: backoff 1, 2, 4 s, each attempt named; back: announces again.
set_mode tracker=down
wait_for 15 log_has "reconnecting in 4 s" || fail "no backoff up to 4 s while the tracker is down"
for s in 1 2 4; do log_has "tracker $tracker: .*reconnecting in $s s" || fail "the ${s} s retry does not name the tracker"; done
announced=$(counts | jq .announces)
set_mode tracker=ok
wait_for 20 sh -c "curl -fs '$control' | jq '.announces > $announced' | tail -n 1 | grep -qx true" || fail "no announce after the tracker came back"
kill -0 "$relay_pid" || fail "meshrelay died while the tracker was away"
pass "a tracker that goes away: backoff 1, 2, 4 s named in the log; announces again when back"

# The tracker goes silent, the connection open: the PING goes unanswered,
# the relay drops the connection and reconnects (lws_client idle policy).
before=$(counts | jq .connections)
mark=$(wc -l <"$work/relay.log")
logged_since_mark() { tail -n "+$((mark + 1))" "$work/relay.log" | grep -q -- "$1"; }
set_mode tracker=silent
wait_for 35 logged_since_mark "tracker $tracker: .*; reconnecting in" || fail "a silent tracker was not dropped within 35 s"
set_mode tracker=ok
wait_for 10 sh -c "curl -fs '$control' | jq '.connections > $before' | tail -n 1 | grep -qx true" || fail "no reconnection after the silence"
pass "a tracker that goes silent without closing: pinged, dropped, reconnected"

# The playlist fails: each error named, what is held stays held, fetching resumes.
held=$(last_event | jq .window_segments)
for mode in 404 500; do
  set_mode "playlist=$mode"
  wait_for 10 log_has "media.m3u8: HTTP $mode; still serving the segments held" || fail "HTTP $mode is not named in the log"
done
set_mode playlist=stall
wait_for 12 log_has "media.m3u8: .*timed out.*still serving" || fail "a stalled playlist is not named in the log"
# The next relay event (every second) counts the three failures.
wait_for 3 sh -c "tail -n 1 '$work/relay.jsonl' | jq '.fetch_errors >= 3' | tail -n 1 | grep -qx true" ||
  fail "fetch_errors does not count the failures: $(last_event)"
event=$(last_event)
[[ $(jq .window_segments <<<"$event") -ge "$held" ]] || fail "segments held dropped from $held while the playlist failed: $event"
fetched=$(jq .fetched_segments <<<"$event")
set_mode playlist=ok
wait_for 10 sh -c "tail -n 1 '$work/relay.jsonl' | jq '.fetched_segments > $fetched' | tail -n 1 | grep -qx true" ||
  fail "fetching did not resume after the playlist recovered"
kill -TERM "$relay_pid"
set +e
wait "$relay_pid"; rc=$?
set -e
[[ $rc -eq 0 ]] || fail "SIGTERM after the faults: exit $rc, want 0"
pass "a playlist answering 404, 500 or nothing: named, segments kept, fetching resumes"
