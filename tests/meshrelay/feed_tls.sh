#!/usr/bin/env bash
# meshrelay --feed over wss:// (about 15 s): sigd serving its event feed with
# TLS, a certificate of a throwaway private CA (tests/lib/tls.sh). A segment
# named on the feed and listed by no playlist is held and announced: a peer
# on p2p-media-loader's libraries gets it from the relay, byte for byte
# (the relay's own offers, through bittorrent-tracker's server). A relay
# that does not trust the CA names the feed and the failure, and keeps
# serving what the playlist lists.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/tls.sh"
script_init meshrelay-feed-tls
bin="${HLSMESH_BIN:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fail_context() { for f in "$work"/*.log; do echo "--- $f"; grep -v '^\[' "$f" | tail -n 15; done; }
last_is() { tail -n 1 "$1" | jq "$2" 2>/dev/null | grep -qx true; }

make_test_ca "$work" || fail "cannot make the test CA"
make_test_cert "$work" feed IP:127.0.0.1

# The stream: 5 segments listed (100-104); 105 is published later, never listed.
www="$work/www"
mkdir -p "$www/live"
{
  echo "#EXTM3U"; echo "#EXT-X-VERSION:3"; echo "#EXT-X-TARGETDURATION:2"; echo "#EXT-X-MEDIA-SEQUENCE:100"
  for k in 100 101 102 103 104; do
    head -c $((90000 + k)) /dev/urandom >"$www/live/seg$k.ts"
    echo "#EXTINF:2.000,"; echo "seg$k.ts"
  done
} >"$www/live/media.m3u8"
web=$(free_port)
spawn "$bin/sigd" --listen "127.0.0.1:$web" --www "$www" </dev/null 2>"$work/sigd-www.log"
wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$web/live/media.m3u8" || fail "sigd does not serve the playlist"

# The feed: sigd with TLS, its events from a FIFO held open here.
mkfifo "$work/events"
exec 7<>"$work/events"  # read-write: opening it does not wait for the reader
"$bin/sigd" --listen 127.0.0.1:0 --ready-file "$work/ready" --tls-cert "$work/feed.pem" --tls-key "$work/feed.key" \
  --events-stdin <"$work/events" 2>"$work/sigd-feed.log" 7>&- &
started_pids+=($!)
wait_for 10 test -s "$work/ready" || fail "the TLS sigd did not start"
feed="wss://$(cat "$work/ready")/events"

bt=$(free_port)
spawn node "$here/../e2e/bt-tracker.mjs" "$bt" 2>"$work/bt-tracker.log"
wait_for 10 grep -q "ws://127.0.0.1:$bt/announce" "$work/bt-tracker.log" || fail "bittorrent-tracker did not start"
# Each relay in a swarm of its own: the peer must reach the one that trusts the CA.
relay() { # NAME ENV...
  local name=$1
  shift
  env "$@" "$bin/meshrelay" "http://127.0.0.1:$web/live/media.m3u8" --feed "$feed" --tracker "ws://127.0.0.1:$bt/announce" \
    --swarm-id "$name" --p2pml 2.3 --announce-interval 5 --stats-interval 1 --backfill 5 \
    >"$work/$name.jsonl" 2>"$work/$name.log" 7>&- &
  started_pids+=($!)
}
relay trusted SSL_CERT_FILE="$work/ca.pem"
relay untrusted -u SSL_CERT_FILE
wait_for 15 grep -q "feed $feed connected" "$work/trusted.log" || fail "no wss connection with SSL_CERT_FILE"
wait_for 15 last_is "$work/trusted.jsonl" '.window_segments == 5' || fail "the 5 listed segments were not fetched"

head -c 91234 /dev/urandom >"$www/live/seg105.ts"
echo "{\"event\":\"segment\",\"stream\":\"live\",\"rendition\":\"0\",\"msn\":105,\"url\":\"http://127.0.0.1:$web/live/seg105.ts\"}" >&7
wait_for 10 last_is "$work/trusted.jsonl" '.window_segments == 6 and .feed.segments == 1' ||
  fail "segment 105 from the feed is not held: $(tail -n 1 "$work/trusted.jsonl" | jq -c '{window_segments, feed}')"
! grep -q seg105 "$www/live/media.m3u8" || fail "the playlist lists 105: the test proves nothing"
info_hash=$(sed -n 's/^meshrelay: joining swarm .* info_hash \(.*\))$/\1/p' "$work/trusted.log" | head -n 1)
node "$here/own-offers-viewer.mjs" "ws://127.0.0.1:$bt/announce" "$info_hash" 30 >"$work/viewer.json" 2>"$work/viewer.log" ||
  fail "the peer got no segment from the relay: $(cat "$work/viewer.json")"
[[ $(jq .segment "$work/viewer.json") == 105 ]] || fail "the relay's newest segment is not 105: $(cat "$work/viewer.json")"
[[ $(jq -r .sha256 "$work/viewer.json") == $(sha256sum "$www/live/seg105.ts" | cut -d' ' -f1) ]] ||
  fail "segment 105 arrived altered"
pass "over wss with a private CA: segment 105, on the feed and in no playlist, held and served to a p2p-media-loader peer"

wait_for 5 grep -q "feed $feed: cannot connect" "$work/untrusted.log" || fail "the untrusted relay does not name the feed's failure"
! grep -q "feed $feed connected" "$work/untrusted.log" || fail "connected without trusting the CA"
last_is "$work/untrusted.jsonl" '.window_segments == 5 and .feed.connected == false' ||
  fail "the untrusted relay: $(tail -n 1 "$work/untrusted.jsonl" | jq -c '{window_segments, feed}')"
pass "without the CA: the feed refused and named, the playlist's 5 segments served"
