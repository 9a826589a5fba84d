#!/usr/bin/env bash
# What the relay's own offers are for, measured (not in make test): a swarm
# of VIEWERS (default 10) node viewers on bittorrent-tracker's client and
# simple-peer, each joining with its own 5 offers, as p2p-media-loader
# viewers do, on bittorrent-tracker's server. How many of them the relay
# serves after SECONDS (default 30), with --offers 0 and with --offers 5,
# each on a fresh tracker and swarm; the relay announces every 5 s.
#   tests/meshrelay/own-offers-swarm.sh [VIEWERS] [SECONDS]
source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
script_init meshrelay-own-offers-swarm
bin="${HLSMESH_BIN:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
viewers="${1:-10}"
seconds="${2:-30}"
fail_context() { for f in "$work"/*.log; do echo "--- $f"; tail -n 15 "$f"; done; }

mkdir -p "$work/www/live"
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n#EXTINF:2.0,\ns1.ts\n' >"$work/www/live/m.m3u8"
head -c 100000 /dev/urandom >"$work/www/live/s1.ts"
web=$(free_port)
spawn "$bin/sigd" --listen "127.0.0.1:$web" --www "$work/www" </dev/null 2>"$work/sigd.log"
wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$web/live/m.m3u8" || fail "sigd does not serve the playlist"

for offers in 0 5; do
  bt=$(free_port)
  spawn node "$here/../e2e/bt-tracker.mjs" "$bt" 2>"$work/bt-$offers.log"
  tracker_pid=$last_pid
  wait_for 10 grep -q "ws://127.0.0.1:$bt/announce" "$work/bt-$offers.log" || fail "bittorrent-tracker did not start"
  spawn "$bin/meshrelay" "http://127.0.0.1:$web/live/m.m3u8" --tracker "ws://127.0.0.1:$bt/announce" --p2pml 2.3 \
    --announce-interval 5 --stats-interval 1 --offers "$offers" >"$work/relay-$offers.jsonl" 2>"$work/relay-$offers.log"
  relay_pid=$last_pid
  wait_for 15 grep -q "joining swarm" "$work/relay-$offers.log" || fail "the relay joined no swarm"
  info_hash=$(sed -n 's/^meshrelay: joining swarm .* info_hash \(.*\))$/\1/p' "$work/relay-$offers.log" | head -n 1)
  pids=()
  for ((k = 0; k < viewers; k++)); do  # one after another, the last staying SECONDS
    node "$here/own-offers-swarm.mjs" "ws://127.0.0.1:$bt/announce" "$info_hash" $((seconds + (viewers - k) / 2)) \
      >"$work/viewer-$offers-$k.json" 2>"$work/viewer-$offers-$k.log" &
    pids+=($!)
    sleep 0.5
  done
  wait "${pids[@]}"
  served=$(cat "$work"/viewer-$offers-*.json | jq -s 'map(select(.relay)) | length')
  links=$(cat "$work"/viewer-$offers-*.json | jq -s 'map(.viewers) | add / 2')
  echo "--offers $offers: $served of $viewers viewers connected to the relay after ${seconds} s ($links viewer-viewer links); relay: $(tail -n 1 "$work/relay-$offers.jsonl" | jq -c '{peers, own_offers}')"
  kill -TERM "$relay_pid" "$tracker_pid"
  wait "$relay_pid" "$tracker_pid" 2>/dev/null || true
done
