#!/usr/bin/env bash
# aria2c (a real BitTorrent client) downloads a segment by magnet from
# torrentseed, finding it through an HTTP tracker (sigd's when it is built,
# else npm bittorrent-tracker's server); the bytes must match. The web seed
# URL points nowhere, so every byte comes from the seed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v aria2c >/dev/null || fail "aria2c is not installed (scripts/deps)"

make_segment "$WORK/seg7.ts" 2100000
tracker_port=""
if [[ -x "${HLSMESH_BIN:-}/sigd" ]] && "${HLSMESH_BIN}/sigd" --help 2>/dev/null | grep -q -- "--listen"; then
  tracker_port=$(free_port)
  "${HLSMESH_BIN}/sigd" --listen "127.0.0.1:$tracker_port" >/dev/null 2>"$WORK/sigd.err" &
  started $!
  if wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$tracker_port/health"; then
    echo "tracker: sigd on $tracker_port"
  else
    echo "sigd did not come up ($(tail -n3 "$WORK/sigd.err")); using bittorrent-tracker" >&2
    tracker_port=""
  fi
fi
if [[ -z "$tracker_port" ]]; then
  coproc TRACKER { exec node "$HERE/tracker.mjs"; }
  started "$TRACKER_PID"
  read -r -t 20 tracker_port <&"${TRACKER[0]}" || fail "the test tracker did not start"
  echo "tracker: bittorrent-tracker on $tracker_port"
fi
announce="http://127.0.0.1:$tracker_port/announce"

# torrentseed reads events from a fifo we keep open, so it seeds until we stop it.
mkfifo "$WORK/in"
seed_port=$(free_port)
"$TS_BIN" --listen "127.0.0.1:$seed_port" --no-lsd --tracker "$announce" --stats-interval 1 \
  <"$WORK/in" >"$WORK/out" 2>"$WORK/err" &
ts_pid=$!
started "$ts_pid"
exec 7>"$WORK/in"
echo "{\"event\":\"segment\",\"msn\":7,\"path\":\"$WORK/seg7.ts\",\"url\":\"http://127.0.0.1:1/nowhere/seg7.ts\"}" >&7
wait_for 20 grep -q '"magnet"' "$WORK/out" || fail "no magnet from torrentseed: $(cat "$WORK/err")"
magnet=$(json_field "$WORK/out" segment magnet)
echo "magnet: $magnet"

mkdir -p "$WORK/dl"
timeout 90 aria2c --dir="$WORK/dl" --enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
  --seed-time=0 --summary-interval=0 --console-log-level=warn --bt-stop-timeout=60 \
  --listen-port="$(free_port)" --follow-torrent=mem --bt-save-metadata=false \
  "$magnet" >"$WORK/aria2c.log" 2>&1 || fail "aria2c failed: $(tail -n 20 "$WORK/aria2c.log")"
cmp "$WORK/seg7.ts" "$WORK/dl/seg7.ts" || fail "downloaded bytes differ"

# The seed reports the upload in seedstats (per torrent, total, per peer).
sleep 2.2
exec 7>&-
wait "$ts_pid" || fail "torrentseed exited $?"
last=$(grep '"seedstats"' "$WORK/out" | tail -n1)
uploaded=$(jq -r .uploaded <<<"$last")
(( uploaded >= 2100000 )) || fail "seedstats uploaded=$uploaded, want >= 2100000: $last"
[[ "$(jq -r '.peer_uploads[0].peer' <<<"$last")" == "127.0.0.1" ]] || fail "per-peer upload totals: $last"
[[ "$(jq -r .errors.tracker <<<"$last")" == 0 ]] || fail "tracker errors: $last"
echo "ok: aria2c downloaded $(stat -c %s "$WORK/dl/seg7.ts") bytes by magnet; seed uploaded $uploaded"
