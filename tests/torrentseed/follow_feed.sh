#!/usr/bin/env bash
# Follow mode over a WebSocket event feed (libwebsockets client; sigd's
# /events when sigd is built, else a node `ws` stand-in), fed by an origin
# torrentseed with --embed-torrent. The follower gets no peer: every
# byte must come from the BEP 19 web seed (a local Range server as the CDN),
# through libtorrent's web seed support. It must survive a late start (feed
# backlog) and stop cleanly on SIGTERM.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$WORK/www" "$WORK/relay"
for i in 0 1 2 3 4 5; do make_segment "$WORK/www/seg$i.ts" $((300000 + i * 50000)); done
coproc CDN { exec node "$HERE/range_server.mjs" "$WORK/www" 2>"$WORK/cdn.log"; }
started "$CDN_PID"
read -r -t 20 cdn_port <&"${CDN[0]}" || fail "the CDN stand-in did not start"

mkfifo "$WORK/in" "$WORK/origin.out"
"$TS_BIN" --listen 127.0.0.1:0 --no-lsd --embed-torrent --stats-interval 0 <"$WORK/in" >"$WORK/origin.out" \
  2>"$WORK/origin.err" &
started $!
feed_port=""
if [[ -x "${HLSMESH_BIN:-}/sigd" ]] && "${HLSMESH_BIN}/sigd" --help 2>/dev/null | grep -q -- "--events-stdin"; then
  feed_port=$(free_port)
  "${HLSMESH_BIN}/sigd" --listen "127.0.0.1:$feed_port" --events-stdin <"$WORK/origin.out" >/dev/null 2>"$WORK/sigd.err" &
  started $!
  exec 7>"$WORK/in"
  if wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$feed_port/health"; then
    echo "feed: sigd /events on $feed_port"
  else
    fail "sigd did not come up: $(tail -n 5 "$WORK/sigd.err")"
  fi
else
  node "$HERE/feed_server.mjs" <"$WORK/origin.out" >"$WORK/feed.port" &
  started $!
  exec 7>"$WORK/in"
  wait_for 20 test -s "$WORK/feed.port" || fail "the feed stand-in did not start"
  feed_port=$(cat "$WORK/feed.port")
  echo "feed: node stand-in on $feed_port (sigd not built)"
fi

# Half the segments before the follower starts (it gets them from the backlog).
for i in 0 1 2; do
  echo "{\"event\":\"segment\",\"msn\":$i,\"path\":\"$WORK/www/seg$i.ts\",\"url\":\"http://127.0.0.1:$cdn_port/seg$i.ts\"}" >&7
done
"$TS_BIN" follow --feed "ws://127.0.0.1:$feed_port/events" --listen 127.0.0.1:0 --no-lsd \
  --store "$WORK/relay" --stats-interval 0.5 --download-timeout 30 >"$WORK/follower.out" 2>"$WORK/follower.err" &
follower=$!
started "$follower"
sleep 1
for i in 3 4 5; do
  echo "{\"event\":\"segment\",\"msn\":$i,\"path\":\"$WORK/www/seg$i.ts\",\"url\":\"http://127.0.0.1:$cdn_port/seg$i.ts\"}" >&7
done

got() { [[ $(jq -r 'select(.event=="segment") | .msn' "$WORK/follower.out" | grep -c .) -ge 6 ]]; }
for _ in $(seq 1 60); do got && break; sleep 0.5; done
got || fail "follower got $(jq -r 'select(.event=="segment") | .msn' "$WORK/follower.out" | tr '\n' ' ') of 0-5: $(tail -n 20 "$WORK/follower.err")"
for i in 0 1 2 3 4 5; do
  path=$(jq -r --argjson m "$i" 'select(.event=="segment" and .msn==$m) | .path' "$WORK/follower.out")
  cmp "$path" "$WORK/www/seg$i.ts" || fail "seg$i.ts differs"
done
[[ "$(jq -r 'select(.event=="segment") | .msn' "$WORK/follower.out" | tr '\n' ' ')" == "0 1 2 3 4 5 " ]] || fail "order"
grep -q "bytes=" "$WORK/cdn.log" || fail "the web seed was never asked for a Range"
grep -q "feed ws://127.0.0.1:$feed_port/events connected" "$WORK/follower.err" || fail "no feed connection logged"

kill -TERM "$follower"
wait "$follower" || fail "follower exited $? on SIGTERM"
last=$(grep '"seedstats"' "$WORK/follower.out" | tail -n1)
[[ "$(jq -r .completed <<<"$last")" == 6 ]] || fail "seedstats: $last"
(( $(jq -r .downloaded <<<"$last") >= 300000 * 6 )) || fail "downloaded: $last"
[[ -z "$(find "$WORK/relay" -type f)" ]] || fail "relay store not emptied at exit"
exec 7>&-
echo "ok: follow over the feed, 6 segments from the web seed alone"
