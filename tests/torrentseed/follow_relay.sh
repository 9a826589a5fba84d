#!/usr/bin/env bash
# A relay serves what it follows: `torrentseed follow --tracker URL` announces
# each followed torrent to that tracker too (the origin here announces
# nowhere, so only the relay can be there), then the origin stops and aria2c
# downloads the segment by magnet from the relay alone, finding it through
# the tracker (sigd's HTTP tracker when built, else npm bittorrent-tracker).
# No web seed is reachable. Bytes must match, and the relay's seedstats must
# show the upload, per peer. The relay is given a bare infohash, so the
# file's name and size come from the metadata.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v aria2c >/dev/null || fail "aria2c is not installed (scripts/deps)"

tracker_port=""
stats_url=""
if [[ -x "${HLSMESH_BIN:-}/sigd" ]]; then
  tracker_port=$(free_port)
  "${HLSMESH_BIN}/sigd" --listen "127.0.0.1:$tracker_port" >/dev/null 2>"$WORK/sigd.err" &
  started $!
  wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$tracker_port/health" || fail "sigd did not start: $(cat "$WORK/sigd.err")"
  stats_url="http://127.0.0.1:$tracker_port/stats.json"
  echo "tracker: sigd on $tracker_port"
else
  coproc TRACKER { exec node "$HERE/tracker.mjs"; }
  started "$TRACKER_PID"
  read -r -t 20 tracker_port <&"${TRACKER[0]}" || fail "the test tracker did not start"
  echo "tracker: bittorrent-tracker on $tracker_port"
fi
announce="http://127.0.0.1:$tracker_port/announce"

mkdir -p "$WORK/relay" "$WORK/dl"
make_segment "$WORK/seg9.ts" 2100000
mkfifo "$WORK/follow.in"
start_origin
relay_port=$(free_port)
echo "{\"event\":\"segment\",\"msn\":9,\"path\":\"$WORK/seg9.ts\",\"url\":\"http://127.0.0.1:1/nowhere/seg9.ts\"}" >&7
wait_for 20 grep -q '"magnet"' "$WORK/origin.out" || fail "no magnet from the origin: $(cat "$WORK/origin.err")"
magnet=$(json_field "$WORK/origin.out" segment magnet)
[[ "$magnet" != *"tr="* ]] || fail "the origin's magnet names a tracker: $magnet"

"$TS_BIN" follow --no-web-seed --peer "127.0.0.1:$origin_port" --tracker "$announce" \
  --listen "127.0.0.1:$relay_port" --no-lsd --store "$WORK/relay" --stats-interval 0.5 \
  <"$WORK/follow.in" >"$WORK/follower.out" 2>"$WORK/follower.err" 7>&- &
follower=$!
started "$follower"
exec 8>"$WORK/follow.in"
# A bare infohash (no magnet, so no dn=): the file's name and size come with
# the metadata, from libtorrent's state updates.
jq -c 'select(.event=="segment") | del(.magnet)' "$WORK/origin.out" >&8
wait_for 20 grep -q '"event":"segment"' "$WORK/follower.out" || fail "the relay got nothing: $(tail -n 5 "$WORK/follower.err")"
relay_path=$(json_field "$WORK/follower.out" segment path)
[[ "$relay_path" == "$WORK/relay/"*/seg9.ts ]] || fail "relay path $relay_path"
[[ "$(json_field "$WORK/follower.out" segment bytes)" == 2100000 ]] || fail "bytes: $(cat "$WORK/follower.out")"
cmp "$relay_path" "$WORK/seg9.ts" || fail "the relay's copy differs"
! grep -q "no state update" "$WORK/follower.err" || fail "size not taken from the state updates: $(cat "$WORK/follower.err")"

# The tracker has the relay, a seed once complete (event=completed).
if [[ -n "$stats_url" ]]; then
  relay_seeds() { [[ "$(curl -fsS "$stats_url" | jq -r '"\(.http_peers) \(.seeders)"')" == "1 1" ]]; }
  wait_for 20 relay_seeds || fail "sigd does not list the relay as a seed: $(curl -fsS "$stats_url")"
  echo "tracker stats: $(curl -fsS "$stats_url" | jq -c '{http_peers, seeders, http_announces}')"
fi

# The origin goes away: the relay is the only source left. (Only this shell
# holds the write ends of the fifos: children are started with them closed.)
exec 7>&-
wait "$origin_pid" || fail "origin exited $?"
timeout 90 aria2c --dir="$WORK/dl" --enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
  --seed-time=0 --summary-interval=0 --console-log-level=warn --bt-stop-timeout=60 \
  --listen-port="$(free_port)" --follow-torrent=mem --bt-save-metadata=false --bt-tracker="$announce" \
  "$magnet" >"$WORK/aria2c.log" 2>&1 8>&- || fail "aria2c failed: $(tail -n 20 "$WORK/aria2c.log"; tail -n 5 "$WORK/follower.err")"
cmp "$WORK/seg9.ts" "$WORK/dl/seg9.ts" || fail "downloaded bytes differ"

uploaded_all() {
  local last
  last=$(grep '"seedstats"' "$WORK/follower.out" | tail -n1)
  (($(jq -r .uploaded <<<"$last") >= 2100000)) && [[ "$(jq -r '.peer_uploads[0].peer' <<<"$last")" == 127.0.0.1 ]] &&
    (($(jq -r '.peer_uploads[0].uploaded' <<<"$last") >= 2100000))
}
wait_for 20 uploaded_all || fail "relay seedstats: $(grep '"seedstats"' "$WORK/follower.out" | tail -n1)"
last=$(grep '"seedstats"' "$WORK/follower.out" | tail -n1)
[[ "$(jq -r .errors.tracker <<<"$last")" == 0 ]] || fail "relay tracker errors: $last"
exec 8>&-
wait "$follower" || fail "follower exited $?"
echo "ok: the relay announced itself and served aria2c $(stat -c %s "$WORK/dl/seg9.ts") bytes (uploaded $(jq -r .uploaded <<<"$last"))"
