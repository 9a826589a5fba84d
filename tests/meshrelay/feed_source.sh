#!/usr/bin/env bash
# meshrelay --feed against the real pipeline (ffmpeg → hlsmesh-origin: hlswatch,
# r2push, m3u8roll, sigd), about 45 s, no browser:
# - a relay on sigd's feed holds each segment as it is published: earlier than a
#   relay polling the playlist, and no later than the playlist lists it; the
#   per-segment times are printed (the figures in docs/meshrelay.md);
# - a relay on a feed that sends garbage (named, counted, skipped) and then goes
#   away (reconnects after 1, 2, 4 s, named in the log; the playlist is polled
#   at the usual pace meanwhile) and comes back (segments from the feed again).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
script_init meshrelay-feed
bin="${HLSMESH_BIN:?}"
src="${HLSMESH_SRC:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fail_context() { for f in "$work"/*.log; do echo "--- $f"; tail -n 15 "$f"; done; }
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg missing"; exit 77; }

port=$(free_port)
mkdir -p "$work/src"
spawn "$src/scripts/live-testsrc" "$work/src" 2 10 2>"$work/ffmpeg.log"
HLSMESH_BIN="$bin" HLSMESH_SOURCE="$work/src" HLSMESH_STATE_DIR="$work/state" HLSMESH_WINDOW=30 HLSMESH_SEED=0 \
  HLSMESH_LISTEN="127.0.0.1:$port" spawn "$src/scripts/hlsmesh-origin" 2>"$work/origin.log"
master="http://127.0.0.1:$port/live/stream.m3u8"
wait_for 40 sh -c "curl -fs '$master' | grep -q '^[^#]'" || fail "the pipeline published no master playlist"
media="$(curl -fs "$master" | grep -v '^#' | head -n 1)"
[[ "$media" == http* ]] || media="http://127.0.0.1:$port/live/$media"

spawn node "$here/listing-watch.mjs" "$media" --lifetime 70 >"$work/listed.jsonl" 2>"$work/watch.log"
spawn node "$here/feed-proxy.mjs" --upstream "ws://127.0.0.1:$port/events" --lifetime 90 >"$work/proxy.json" 2>"$work/proxy.log"
wait_for 10 test -s "$work/proxy.json" || fail "the feed proxy did not start"
proxy_feed=$(jq -r .feed "$work/proxy.json")
control=$(jq -r .control "$work/proxy.json")
relay() { # name, extra options…
  local name=$1; shift
  spawn "$bin/meshrelay" "$master" --tracker "ws://127.0.0.1:$port/announce" --backfill 2 --stats-interval 1 \
    -v --log-format json "$@" >"$work/$name.jsonl" 2>"$work/$name.log"
}
relay feed --feed "ws://127.0.0.1:$port/events"
relay poll
relay faults --feed "$proxy_feed"
faults_pid=$last_pid
last() { tail -n 1 "$work/$1.jsonl"; }
holds() { last "$1" | jq -e -s "last | ($2)" >/dev/null; } # jq 1.6 -e passes on no input
log_has() { grep -q -- "$2" "$work/$1.log"; }

wait_for 20 holds feed '.feed.segments >= 1' || fail "the relay took no segment from sigd's feed: $(last feed)"
wait_for 20 holds faults '.feed.segments >= 1' || fail "the relay took no segment through the proxy: $(last faults)"

# Garbage: each bad line named with its number, counted, skipped; the feed goes on.
before=$(last faults | jq .feed.segments)
curl -fs -X POST "$control?mode=garbage" >/dev/null || fail "proxy control"
wait_for 10 holds faults '.feed.bad_lines >= 6 and .feed.unplaced >= 1' || fail "garbage not counted: $(last faults | jq -c .feed)"
log_has faults 'line [0-9]* is not a JSON event' || fail "a line that is not JSON is not named in the log"
log_has faults 'without an integer msn' || fail "a segment event without a number is not named in the log"
log_has faults 'a message over 1 MiB; skipped' || fail "the 2 MiB message is not named in the log"
log_has faults 'segments of elsewhere/hd .* are under no playlist the relay follows' || fail "the unplaced segment is not named"
wait_for 10 holds faults ".feed.segments > $before" || fail "no segment from the feed after the garbage"
kill -0 "$faults_pid" || fail "meshrelay died on the feed's garbage"
pass "a feed sending garbage: $(last faults | jq .feed.bad_lines) bad lines named and skipped, the feed goes on"

# Gone: backoff named in the log, the playlist polled at the usual pace meanwhile.
curl -fs -X POST "$control?mode=down" >/dev/null || fail "proxy control"
sleep 0.5
from_feed=$(last faults | jq .feed.segments)
fetched=$(last faults | jq .fetched_segments)
wait_for 15 log_has faults "reconnecting in 4 s" || fail "no backoff up to 4 s while the feed is down"
for s in 1 2 4; do log_has faults "feed $proxy_feed: .*reconnecting in $s s" || fail "the ${s} s retry does not name the feed"; done
wait_for 6 holds faults ".fetched_segments > $fetched" || fail "nothing fetched from the playlist while the feed was down"
holds faults ".feed.segments == $from_feed and .feed.connected == false" || fail "feed counts moved while it was down: $(last faults | jq -c .feed)"
curl -fs -X POST "$control?mode=ok" >/dev/null || fail "proxy control"
wait_for 20 holds faults ".feed.connects >= 2 and .feed.segments > $from_feed" ||
  fail "no segment from the feed after it came back: $(last faults | jq -c .feed)"
kill -0 "$faults_pid" || fail "meshrelay died while the feed was away"
pass "a feed that goes away: backoff 1, 2, 4 s named, the playlist polled meanwhile, the feed taken again when back"

# When each relay held each segment, against when the playlist listed it.
wait_for 30 sh -c "[ \$(grep -c 'held from the feed' '$work/feed.log') -ge 12 ]" || fail "too few segments from the feed"
node - "$work" <<'JS' || fail "the relay on the feed did not hold segments before the polling relay"
const fs = require('fs');
const dir = process.argv[2];
const lines = (f) => fs.readFileSync(`${dir}/${f}`, 'utf8').split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
const held = (f, how) => new Map(lines(f).filter((l) => l.message?.includes(`held from the ${how}`)).map((l) => [l.url, Date.parse(l.time)]));
const feed = held('feed.log', 'feed'), poll = held('poll.log', 'playlist');
const listed = new Map(lines('listed.jsonl').filter((l) => !l.initial).map((l) => [l.url, l.listed_ms]));
const rows = [...feed].filter(([url]) => poll.has(url) && listed.has(url))
  .map(([url, t]) => ({ url, lead_over_poll: poll.get(url) - t, after_listing: t - listed.get(url) }));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const earlier = rows.filter((r) => r.lead_over_poll > 0).length;
const before = rows.filter((r) => r.after_listing <= 0).length;
console.log(`segments: ${rows.length}; held from the feed before the polling relay: ${earlier}, median lead ${median(rows.map((r) => r.lead_over_poll))} ms`);
console.log(`held from the feed no later than a 50 ms poller saw it listed: ${before}; median (held - listed) ${median(rows.map((r) => r.after_listing))} ms, max ${Math.max(...rows.map((r) => r.after_listing))} ms`);
for (const r of rows) console.log(`  ${r.url.split('/').pop()}: ${r.lead_over_poll} ms before the poller relay, ${-r.after_listing} ms before listed`);
// The polling relay's lead depends on where its polls fall against the
// publications (0 to 1 s): only that it is behind is asserted. Held within
// 200 ms of the listing (about 30 ms before it on a quiet machine) leaves
// room for a loaded one; a poller is 500 ms behind on average.
process.exit(rows.length >= 8 && earlier >= 0.8 * rows.length && median(rows.map((r) => r.after_listing)) <= 200 ? 0 : 1);
JS
pass "the relay on sigd's feed holds each segment as it is published, before a relay polling the playlist"
