#!/usr/bin/env bash
# The relay's own offers, with bittorrent-tracker's server (which relays each
# offer to random peers) and a viewer on p2p-media-loader's own libraries
# that makes no offers (own-offers-viewer.mjs): the viewer is connected only
# through an offer meshrelay made, and a segment crosses that connection,
# byte for byte. Two relays do not connect to each other. A relay given a
# --relay-token (sigd would send it every viewer's offer) makes none by
# default: the same viewer gets no connection. About 35 s.
#   own_offers.sh chromium: the same viewer code in headless Chromium (its
#   WebRTC against webrtcbin's offer), in a network namespace with only lo;
#   the first part only. About 10 s.
#   own_offers.sh expiry: a peer that never answers (silent-peer.mjs) gets
#   the relay's offers one at a time; each is withdrawn after 15 s, and once
#   the peer leaves no more are made and the relay's threads are back where
#   they were. About 45 s.
mode="${1:-node}"
if [[ $mode == chromium && "${HLSMESH_OWN_OFFERS_IN_NETNS:-}" != 1 ]]; then
  command -v unshare >/dev/null || { echo "SKIP: unshare (util-linux) missing" >&2; exit 77; }
  if [[ $(id -u) -eq 0 ]]; then ns=(unshare -n); else ns=(unshare -rn); fi
  "${ns[@]}" true 2>/dev/null || { echo "SKIP: cannot create a network namespace (${ns[*]})" >&2; exit 77; }
  HLSMESH_OWN_OFFERS_IN_NETNS=1 exec "${ns[@]}" -- bash "$0" "$@"
fi
source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
script_init meshrelay-own-offers
bin="${HLSMESH_BIN:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
viewer_js="$here/own-offers-viewer.mjs"
if [[ $mode == chromium ]]; then
  ip link set lo up || fail "cannot bring lo up in the namespace"
  [[ -x /usr/bin/chromium ]] || { echo "SKIP: /usr/bin/chromium missing (scripts/deps installs it)" >&2; exit 77; }
  viewer_js="$here/own-offers-chromium.mjs"
fi
fail_context() { for f in "$work"/*.log; do echo "--- $f"; tail -n 25 "$f"; done; }
# last_is FILE FILTER: the last line of FILE holds FILTER (false on an empty file, unlike jq -e).
last_is() { tail -n 1 "$1" | jq "$2" 2>/dev/null | grep -qx true; }

www="$work/www"
mkdir -p "$www/live"
{
  echo "#EXTM3U"; echo "#EXT-X-VERSION:3"; echo "#EXT-X-TARGETDURATION:2"; echo "#EXT-X-MEDIA-SEQUENCE:100"
  for k in 100 101 102 103 104; do
    head -c $((150000 + k)) /dev/urandom >"$www/live/seg$k.ts"
    echo "#EXTINF:2.000,"; echo "seg$k.ts"
  done
} >"$www/live/media.m3u8"
web=$(free_port)
spawn "$bin/sigd" --listen "127.0.0.1:$web" --www "$www" </dev/null 2>"$work/sigd.log"
wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$web/live/media.m3u8" || fail "sigd does not serve the playlist"
bt=$(free_port)
spawn node "$here/../e2e/bt-tracker.mjs" "$bt" 2>"$work/bt-tracker.log"
wait_for 10 grep -q "ws://127.0.0.1:$bt/announce" "$work/bt-tracker.log" || fail "bittorrent-tracker did not start"
tracker="ws://127.0.0.1:$bt/announce"

# run_relay NAME ARGS...: a relay on the stream and bittorrent-tracker; sets relay_pid and info_hash.
run_relay() {
  local name=$1
  shift
  spawn "$bin/meshrelay" "http://127.0.0.1:$web/live/media.m3u8" --tracker "$tracker" --p2pml 2.3 \
    --announce-interval 5 --stats-interval 1 -v "$@" >"$work/$name.jsonl" 2>"$work/$name.log"
  relay_pid=$last_pid
  wait_for 20 last_is "$work/$name.jsonl" '.window_segments == 5' ||
    fail "$name: the 5 segments were not fetched"
  wait_for 10 grep -q "tracker $tracker connected" "$work/$name.log" || fail "$name: the tracker was not connected"
  info_hash=$(sed -n 's/^meshrelay: joining swarm .* info_hash \(.*\))$/\1/p' "$work/$name.log" | head -n 1)
  [[ ${#info_hash} -eq 20 ]] || fail "$name: no info_hash in the log"
}

threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }

if [[ $mode == expiry ]]; then
  run_relay relay
  sleep 2
  before=$(threads "$relay_pid")
  spawn node "$here/silent-peer.mjs" "$tracker" "$info_hash" >"$work/silent.out" 2>"$work/silent.log"
  silent_pid=$last_pid
  wait_for 15 grep -q offer "$work/silent.out" || fail "no offer of the relay's reached the silent peer"
  during=$(threads "$relay_pid")
  wait_for 25 last_is "$work/relay.jsonl" '.own_offers.expired >= 1' ||
    fail "the unanswered offer did not expire: $(tail -n 1 "$work/relay.jsonl")"
  kill -TERM "$silent_pid"
  # The pending offer (one made again after the expiry, at most) goes, and no new one follows.
  wait_for 25 last_is "$work/relay.jsonl" '.own_offers.pending == 0' ||
    fail "offers still pending after the peer left: $(tail -n 1 "$work/relay.jsonl")"
  made=$(tail -n 1 "$work/relay.jsonl" | jq .own_offers.made)
  sleep 6  # past one more announce
  last_is "$work/relay.jsonl" ".own_offers.made == $made and .own_offers.answered == 0" ||
    fail "offers made with nobody to take them: $(tail -n 1 "$work/relay.jsonl")"
  max_pending=$(jq -s 'map(.own_offers.pending) | max' "$work/relay.jsonl")
  [[ $max_pending -le 1 ]] || fail "$max_pending offers pending at once for a swarm of one other peer"
  after=$(threads "$relay_pid")
  ((after <= before + 1)) || fail "threads: $before before the offers, $during with one pending, $after after"
  pass "expiry: $(grep -c offer "$work/silent.out") offer(s) to a peer that never answers, $(tail -n 1 "$work/relay.jsonl" | jq .own_offers.expired) expired, at most $max_pending pending; threads $before -> $during -> $after"
  exit 0
fi

run_relay relay
node "$viewer_js" "$tracker" "$info_hash" 30 >"$work/viewer.json" 2>"$work/viewer.log" ||
  fail "the $mode viewer got no segment over an offer of the relay's: $(cat "$work/viewer.json")"
viewer=$(cat "$work/viewer.json")
[[ $(jq -r .peer <<<"$viewer") == -MR0100-* ]] || fail "the viewer's peer is not the relay: $viewer"
segment=$(jq -r .segment <<<"$viewer")
want=$(sha256sum "$www/live/seg$segment.ts" | cut -d' ' -f1)
[[ $(jq -r .sha256 <<<"$viewer") == "$want" ]] || fail "segment $segment arrived altered: $viewer"
grep -q "answered the relay's offer in swarm" "$work/relay.log" || fail "the relay did not log the answer to its offer"
grep -q "connected in swarm .*(it answered the relay's offer)" "$work/relay.log" ||
  fail "the relay did not log the connection as one it offered"
wait_for 3 last_is "$work/relay.jsonl" ".own_offers.answered >= 1 and .bytes_served >= $(jq .bytes <<<"$viewer")" ||
  fail "the relay event does not count the answered offer and the bytes: $(tail -n 1 "$work/relay.jsonl")"
event=$(tail -n 1 "$work/relay.jsonl")
[[ $(jq '.own_offers.pending' <<<"$event") -le 5 ]] || fail "more offers pending than --offers allows: $event"
pass "$mode: segment $segment ($(jq .bytes <<<"$viewer") bytes) crossed a connection the relay offered: $(jq -c .own_offers <<<"$event")"
[[ $mode == node ]] || exit 0

# A second relay in the swarm: the two offer to each other, and neither answers (a relay never requests).
first_pid=$relay_pid
connected=$(grep -c "connected in swarm" "$work/relay.log")
run_relay second
wait_for 15 grep -q "offer from another relay" "$work/relay.log" "$work/second.log" ||
  fail "the relays did not see each other's offers"
sleep 1
[[ $(grep -c "connected in swarm" "$work/relay.log") == "$connected" ]] && ! grep -q "connected in swarm" "$work/second.log" ||
  fail "two relays connected to each other"
pass "two relays in one swarm do not answer each other's offers"
kill -TERM "$first_pid" "$relay_pid"
wait "$first_pid" "$relay_pid" 2>/dev/null || true
MESHRELAY_RELAY_TOKEN="tok-$RANDOM" run_relay quiet --report-url none
if node "$here/own-offers-viewer.mjs" "$tracker" "$info_hash" 8 >"$work/viewer0.json" 2>"$work/viewer0.log"; then
  fail "a relay with a token still offered: $(cat "$work/viewer0.json")"
fi
[[ $(jq -r .offers_answered "$work/viewer0.json") == 0 ]] || fail "a relay with a token sent an offer to the viewer"
last_is "$work/quiet.jsonl" '.own_offers.made == 0' || fail "a relay with a token made offers: $(tail -n 1 "$work/quiet.jsonl")"
pass "with --relay-token and no --offers, no offer of the relay's reaches a viewer that makes none"
