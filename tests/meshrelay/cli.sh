#!/usr/bin/env bash
# meshrelay's command line and its following of a playlist, without a
# browser: usage errors (64), --env-file, a relay following a playlist sigd
# serves (segments fetched once, relay events, a clean stop on SIGTERM), and
# a playlist that answers 404 (named in the log; the relay keeps running).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
script_init meshrelay-cli
bin="${HLSMESH_BIN:?}"
relay="$bin/meshrelay"
fail_context() { for f in "$work"/*.log; do echo "--- $f"; tail -n 20 "$f"; done; }

"$relay" --help | grep -q -- "--max-upload" || fail "--help lacks --max-upload"
"$relay" --version | grep -q "meshrelay" || fail "--version"
expect_usage() { # description args...
  local what=$1 rc
  shift
  set +e
  "$relay" "$@" </dev/null >/dev/null 2>"$work/usage.err"; rc=$?
  set -e
  [[ $rc -eq 64 ]] || fail "$what: exit $rc, want 64 ($(cat "$work/usage.err"))"
}
expect_usage "no tracker" http://127.0.0.1:1/live.m3u8
expect_usage "an http tracker" http://127.0.0.1:1/live.m3u8 --tracker http://127.0.0.1:1/announce
expect_usage "a file path instead of a URL" /srv/live.m3u8 --tracker ws://127.0.0.1:1/announce
expect_usage "an unknown p2p-media-loader release" http://127.0.0.1:1/l.m3u8 --tracker ws://127.0.0.1:1/ --p2pml 1.9
grep -q "2.2 or 2.3" "$work/usage.err" || fail "the --p2pml message should name the releases"
expect_usage "an unknown --level-bitrate" http://127.0.0.1:1/l.m3u8 --tracker ws://127.0.0.1:1/ --level-bitrate peak
grep -q "bandwidth.*position" "$work/usage.err" || fail "the --level-bitrate message should name the choices"

# A live-looking playlist of 5 segments, served by sigd, which is also the tracker.
www="$work/www"
mkdir -p "$www/live"
{
  echo "#EXTM3U"; echo "#EXT-X-VERSION:3"; echo "#EXT-X-TARGETDURATION:2"; echo "#EXT-X-MEDIA-SEQUENCE:100"
  for k in 100 101 102 103 104; do
    head -c $((50000 + k)) /dev/urandom >"$www/live/seg$k.ts"
    echo "#EXTINF:2.000,"; echo "seg$k.ts"
  done
} >"$www/live/media.m3u8"
port=$(free_port)
spawn "$bin/sigd" --listen "127.0.0.1:$port" --www "$www" </dev/null 2>"$work/sigd.log"
wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$port/live/media.m3u8" || fail "sigd does not serve the playlist"

# Settings from an env file (flags would win over it).
cat >"$work/relay.env" <<ENV
MESHRELAY_TRACKER=ws://127.0.0.1:$port/announce
MESHRELAY_STATS_INTERVAL=1
ENV
"$relay" "http://127.0.0.1:$port/live/media.m3u8" --env-file "$work/relay.env" --backfill 3 \
  >"$work/relay.jsonl" 2>"$work/relay.log" &
pid=$!
started_pids+=("$pid")
wait_for 15 grep -q '"fetched_segments":3' "$work/relay.jsonl" || fail "the 3 newest segments were not fetched"
wait_for 10 grep -q 'joining swarm v2-http://127.0.0.1:'"$port"'/live/media.m3u8-main-0' "$work/relay.log" ||
  fail "no swarm joined"
grep -q "tracker ws://127.0.0.1:$port/announce connected" "$work/relay.log" || fail "the tracker was not connected"
last=$(tail -n 1 "$work/relay.jsonl")
[[ $(jq -r '.window_segments' <<<"$last") == 3 ]] || fail "window holds $(jq -r .window_segments <<<"$last") segments, want 3"
[[ $(jq -r '.window_bytes' <<<"$last") == $((50102 + 50103 + 50104)) ]] || fail "window bytes: $(jq .window_bytes <<<"$last")"
[[ $(jq -r '.streams | length' <<<"$last") == 2 ]] || fail "expected one swarm per release (2.2, 2.3): $last"
# A new segment appears: fetched once, on the next poll.
head -c 50105 /dev/urandom >"$www/live/seg105.ts"
printf '#EXTINF:2.000,\nseg105.ts\n' >>"$www/live/media.m3u8"
wait_for 10 grep -q '"fetched_segments":4' "$work/relay.jsonl" || fail "the new segment was not fetched"
sleep 2.5
tail -n 1 "$work/relay.jsonl" | grep -q '"fetched_segments":4' || fail "a segment was fetched twice"
kill -TERM "$pid"
set +e
wait "$pid"; rc=$?
set -e
[[ $rc -eq 0 ]] || fail "SIGTERM: exit $rc, want 0"
pass "follows a playlist, fetches each segment once, stops cleanly"

# The playlist answers 404: named in the log, the relay goes on.
"$relay" "http://127.0.0.1:$port/live/missing.m3u8" --tracker "ws://127.0.0.1:$port/announce" \
  >/dev/null 2>"$work/missing.log" &
pid=$!
started_pids+=("$pid")
wait_for 10 grep -q "missing.m3u8: HTTP 404" "$work/missing.log" || fail "a 404 playlist is not named in the log"
kill -0 "$pid" || fail "meshrelay exited on a 404 playlist"
kill -TERM "$pid"
pass "a 404 playlist is logged and retried"

# Reporting to sigd: with sigd's relay token (from the environment only) the
# relay's figures reach sigd's /relay-report; with a wrong one sigd's 403 is
# logged once and the relay goes on. The token never appears in a log.
token="relay-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
rport=$(free_port)
SIGD_RELAY_TOKEN="$token" spawn "$bin/sigd" --listen "127.0.0.1:$rport" --www "$www" </dev/null 2>"$work/sigd-relay.log"
wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$rport/health" || fail "the second sigd does not start"
MESHRELAY_RELAY_TOKEN="$token" spawn "$relay" "http://127.0.0.1:$rport/live/media.m3u8" \
  --tracker "ws://127.0.0.1:$rport/announce" --stats-interval 1 --backfill 2 >"$work/report.jsonl" 2>"$work/report.log"
reported() {
  curl -fs "http://127.0.0.1:$rport/stats.json" |
    jq '.delivery.relay_reports >= 2 and .delivery.relays == 1 and
           (.delivery.streams | map(select(.rendition == "0" and (.stream | endswith("/live/media.m3u8")))) | length) == 1' \
      | tail -n 1 | grep -qx true
}
wait_for 15 reported || fail "sigd shows no relay reports: $(curl -fs "http://127.0.0.1:$rport/stats.json")"
MESHRELAY_RELAY_TOKEN="not-$token" spawn "$relay" "http://127.0.0.1:$rport/live/media.m3u8" \
  --tracker "ws://127.0.0.1:$rport/announce" --stats-interval 0.5 --backfill 1 >/dev/null 2>"$work/wrong-token.log"
wait_for 10 grep -q "sigd refused or missed the relay's report (HTTP 403" "$work/wrong-token.log" ||
  fail "a refused report is not logged"
sleep 2
[[ $(grep -c "sigd refused or missed" "$work/wrong-token.log") == 1 ]] || fail "a refused report is logged more than once"
curl -fs "http://127.0.0.1:$rport/stats.json" | jq '.delivery.refused.relay_token >= 2' | tail -n 1 | grep -qx true ||
  fail "sigd does not count the wrong token's reports"
! grep -q -- "$token" "$work"/*.log || fail "the relay token appears in a log"
pass "reports what it served to sigd with the relay token; a wrong token is logged once"
