#!/usr/bin/env bash
# sigd --relay-token: a peer announcing with the token gets every viewer's
# offer (relay-token.mjs), the token never appears in sigd's log, and
# meshrelay sends it in its announces without logging it either.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
script_init meshrelay-relay-token
bin="${HLSMESH_BIN:?}"
src="${HLSMESH_SRC:?}"
fail_context() { for f in "$work"/*.log; do echo "--- $f"; tail -n 20 "$f"; done; }
token="tok-$RANDOM$RANDOM-secret"
port=$(free_port)
SIGD_RELAY_TOKEN="$token" spawn "$bin/sigd" --listen "127.0.0.1:$port" -v </dev/null 2>"$work/sigd.log"
wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$port/health" || fail "sigd did not start"
node "$src/tests/meshrelay/relay-token.mjs" "ws://127.0.0.1:$port/announce" "$token" >"$work/offers.log" ||
  fail "offers: $(cat "$work/offers.log")"
pass "$(cat "$work/offers.log")"

# meshrelay presents it (sigd logs the relay joining), and logs it nowhere.
mkdir -p "$work/www/live"
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n#EXTINF:2.0,\ns1.ts\n' >"$work/www/live/m.m3u8"
echo data >"$work/www/live/s1.ts"
kill -TERM "${started_pids[0]}"; wait "${started_pids[0]}" 2>/dev/null || true
SIGD_RELAY_TOKEN="$token" spawn "$bin/sigd" --listen "127.0.0.1:$port" --www "$work/www" -v </dev/null 2>"$work/sigd2.log"
wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$port/live/m.m3u8" || fail "sigd did not come back"
MESHRELAY_RELAY_TOKEN="$token" spawn "$bin/meshrelay" "http://127.0.0.1:$port/live/m.m3u8" \
  --tracker "ws://127.0.0.1:$port/announce" --p2pml 2.3 -v >/dev/null 2>"$work/meshrelay.log"
wait_for 10 grep -q "a relay joined a swarm" "$work/sigd2.log" || fail "sigd did not take meshrelay as a relay"
if grep -q -- "$token" "$work"/*.log; then fail "the token appears in a log"; fi
pass "meshrelay is admitted as a relay; the token is in no log"
