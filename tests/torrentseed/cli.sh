#!/usr/bin/env bash
# torrentseed as a filter: options, pass-through in order, added fields, the
# embedded .torrent, errors (unreadable segment, bad line) with counters.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$TS_BIN" --help | grep -q -- "--ws-tracker" || fail "--help lacks --ws-tracker"
"$TS_BIN" --help | grep -q -- "--hash-threads" || fail "--help lacks --hash-threads"
"$TS_BIN" follow --help | grep -q -- "--no-web-seed" || fail "follow --help lacks --no-web-seed"
"$TS_BIN" --version | grep -q "torrentseed (hlsmesh)" || fail "--version"
set +e
"$TS_BIN" --tracker wss://t.example/announce </dev/null 2>"$WORK/err"; rc=$?
set -e
[[ $rc -eq 64 ]] || fail "ws tracker given to --tracker: exit $rc, want 64"
grep -q -- "--ws-tracker" "$WORK/err" || fail "the message should point at --ws-tracker"
set +e
"$TS_BIN" --bogus </dev/null 2>/dev/null; rc=$?
set -e
[[ $rc -eq 64 ]] || fail "unknown option: exit $rc, want 64"

make_segment "$WORK/seg1.ts" 700000
make_segment "$WORK/seg2.ts" 300000
port=$(free_port)
{
  echo '{"event":"master","renditions":[],"custom":{"keep":true}}'
  echo "{\"event\":\"segment\",\"msn\":1,\"path\":\"$WORK/seg1.ts\",\"url\":\"https://cdn.example.com/live/seg1.ts\",\"extra\":\"x\"}"
  echo 'this is not json'
  echo "{\"event\":\"segment\",\"msn\":2,\"path\":\"$WORK/missing.ts\",\"url\":\"https://cdn.example.com/live/missing.ts\"}"
  echo "{\"event\":\"segment\",\"msn\":3,\"path\":\"$WORK/seg2.ts\"}"
  echo "{\"event\":\"segment\",\"msn\":4,\"path\":\"$WORK/seg2.ts\",\"url\":\"https://cdn.example.com/live/seg2.ts\"}"
  echo "{\"event\":\"expire\",\"msn\":1,\"path\":\"$WORK/seg1.ts\"}"
  echo '{"event":"end"}'
} | "$TS_BIN" --listen "127.0.0.1:$port" --no-lsd --store "$WORK/store" --embed-torrent \
  --tracker "http://127.0.0.1:9/announce" --ws-tracker "wss://tracker.example/announce" \
  --stats-interval 0.2 --linger 1 >"$WORK/out" 2>"$WORK/err" || fail "torrentseed exited $? ($(cat "$WORK/err"))"

# Every event, in order (the bad line is reported, not passed), plus the final seedstats.
order=$(jq -r '.event + ":" + ((.msn // "") | tostring)' "$WORK/out" | grep -v '^seedstats' | tr '\n' ' ')
[[ "$order" == "master: segment:1 segment:2 segment:3 segment:4 expire:1 end: " ]] || fail "order: $order"
jq -s -e 'map(select(.event=="master"))[0].custom.keep == true' "$WORK/out" >/dev/null || fail "unknown fields kept"
grep -q "line 3: not valid JSON" "$WORK/err" || fail "bad line not reported: $(cat "$WORK/err")"

seg1=$(jq -c 'select(.event=="segment" and .msn==1)' "$WORK/out")
ih=$(jq -r .infohash <<<"$seg1")
[[ "$ih" =~ ^[0-9a-f]{40}$ ]] || fail "infohash: $ih"
[[ "$(jq -r .extra <<<"$seg1")" == "x" ]] || fail "fields of the event kept"
magnet=$(jq -r .magnet <<<"$seg1")
[[ "$magnet" == "magnet:?xt=urn:btih:$ih"* ]] || fail "magnet: $magnet"
[[ "$magnet" == *"tr=wss%3A%2F%2Ftracker.example%2Fannounce"* ]] || fail "ws tracker missing from the magnet: $magnet"
[[ "$magnet" == *"tr=http%3a%2f%2f127.0.0.1%3a9%2fannounce"* || "$magnet" == *"tr=http%3A%2F%2F127.0.0.1%3A9%2Fannounce"* ]] || fail "http tracker missing from the magnet: $magnet"
[[ "$magnet" == *"ws=https%3"*"seg1.ts"* ]] || fail "web seed missing from the magnet: $magnet"

# The embedded .torrent: v1 only, single file, 256 KiB pieces, the CDN URL as
# url-list, the http tracker announced, the ws one not (libtorrent can't).
jq -r .torrent <<<"$seg1" | base64 -d >"$WORK/seg1.torrent"
node "$HERE/check_torrent.mjs" "$WORK/seg1.torrent" "$ih" 700000 \
  "https://cdn.example.com/live/seg1.ts" "http://127.0.0.1:9/announce" || fail "embedded torrent"

# The unreadable segment: passed on with an error, no infohash, counted.
seg2=$(jq -c 'select(.event=="segment" and .msn==2)' "$WORK/out")
[[ "$(jq -r .infohash <<<"$seg2")" == null ]] || fail "a missing file must not get an infohash"
jq '.error.tool == "torrentseed"' <<<"$seg2" | tail -n 1 | grep -qx true || fail "error field on the unreadable segment"
grep -q "missing.ts" "$WORK/err" || fail "the message names the segment"
# No url: passed unseeded.
[[ "$(jq -r 'select(.event=="segment" and .msn==3) | .infohash' "$WORK/out")" == null ]] || fail "no url: no torrent"

last=$(grep '"seedstats"' "$WORK/out" | tail -n1)
[[ "$(jq -r .errors.unreadable <<<"$last")" == 1 ]] || fail "unreadable counter: $last"
[[ "$(jq -r .bad_lines <<<"$last")" == 1 ]] || fail "bad line counter: $last"
# The tracker is down: counted, and the message names the segment.
(( $(jq -r .errors.tracker <<<"$last") >= 1 )) || fail "tracker error counter: $last"
grep -q "tracker http://127.0.0.1:9/announce failed for .*seg[12].ts" "$WORK/err" || fail "tracker error message: $(cat "$WORK/err")"
[[ "$(jq -r .torrents <<<"$last")" == 1 ]] || fail "after the expire of seg1 one torrent is left: $last"
[[ "$(jq -r .removed <<<"$last")" == 1 ]] || fail "removed: $last"
grep -q "summary (seed)" "$WORK/err" || fail "summary on stderr"
# Stored copies are gone with their torrents; the source files are untouched.
[[ -z "$(find "$WORK/store" -type f)" ]] || fail "store not emptied: $(find "$WORK/store" -type f)"
[[ -f "$WORK/seg1.ts" ]] || fail "the source must be left alone"

# Hashing on 1 or 3 threads gives the same torrent (the infohash covers the
# piece hashes) as the default run (seg1: 700000 bytes, 3 pieces, the last one
# short); only "creation date" may differ.
for threads in 1 3; do
  echo "{\"event\":\"segment\",\"msn\":1,\"path\":\"$WORK/seg1.ts\",\"url\":\"https://cdn.example.com/live/seg1.ts\",\"extra\":\"x\"}" |
    "$TS_BIN" --listen "127.0.0.1:0" --no-lsd --store "$WORK/store$threads" --embed-torrent --hash-threads "$threads" \
      --tracker "http://127.0.0.1:9/announce" --ws-tracker "wss://tracker.example/announce" \
      --stats-interval 60 >"$WORK/out$threads" 2>"$WORK/err$threads" || fail "--hash-threads $threads: exit $?"
  again=$(jq -c 'select(.event=="segment")' "$WORK/out$threads")
  [[ "$(jq -r .infohash <<<"$again")" == "$ih" ]] || fail "--hash-threads $threads: infohash $(jq -r .infohash <<<"$again"), want $ih"
  jq -r .torrent <<<"$again" | base64 -d >"$WORK/again.torrent"
  node "$HERE/check_torrent.mjs" "$WORK/again.torrent" "$ih" 700000 \
    "https://cdn.example.com/live/seg1.ts" "http://127.0.0.1:9/announce" || fail "--hash-threads $threads: torrent"
  [[ "$(grep '"seedstats"' "$WORK/out$threads" | tail -n1 | jq -r .hash_threads)" == "$threads" ]] ||
    fail "--hash-threads $threads: seedstats.hash_threads"
done
# A burst (a backlog of 300 segments at once) on the smallest alert queue:
# every event comes out seeded, in order, and the program ends (an add whose
# alert the full queue dropped used to hold every later event back for good).
mkdir -p "$WORK/burst"
for i in $(seq 1 300); do
  head -c 20000 /dev/urandom >"$WORK/burst/s$i.ts"
  echo "{\"event\":\"segment\",\"msn\":$i,\"path\":\"$WORK/burst/s$i.ts\",\"url\":\"http://127.0.0.1:9/s$i.ts\"}"
done >"$WORK/burst.jsonl"
timeout 60 "$TS_BIN" --listen 127.0.0.1:0 --no-lsd --alert-queue-size 64 --keep 20 --linger 0 --stats-interval 0 \
  --store "$WORK/burst-store" <"$WORK/burst.jsonl" >"$WORK/burst.out" 2>"$WORK/burst.err" ||
  fail "300-segment burst, --alert-queue-size 64: exit $? ($(tail -n 3 "$WORK/burst.err"))"
[[ "$(jq -r 'select(.event=="segment" and (.magnet | startswith("magnet:"))) | .msn' "$WORK/burst.out" | tr '\n' ' ')" == \
   "$(seq 1 300 | tr '\n' ' ')" ]] || fail "burst: not every segment came out seeded and in order"

set +e
"$TS_BIN" --hash-threads -1 </dev/null 2>/dev/null; rc=$?
set -e
[[ $rc -eq 64 ]] || fail "--hash-threads -1: exit $rc, want 64"
echo "ok: cli"
