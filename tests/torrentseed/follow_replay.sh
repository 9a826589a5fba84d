#!/usr/bin/env bash
# Follow mode over a feed that restarts: sigd (here its node stand-in, which
# does the same) replays its last segment events to every new /events
# subscriber, so after the reconnect the follower sees segments again that it
# already handled, some already evicted (--keep 2). It must skip them: no
# second download, no duplicate or out-of-order events. Also: the feed client
# sends the port in its Host header.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$WORK/relay"
mkfifo "$WORK/feed1.in" "$WORK/feed2.in"
start_origin
seed_segments 4 200000
wait_seeded 4

feed_port=$(free_port)
start_feed() {  # N: feed N on $feed_port, fed through fd 8
  FEED_PORT=$feed_port node "$HERE/feed_server.mjs" <"$WORK/feed$1.in" >"$WORK/feed$1.port" 2>"$WORK/feed$1.err" 7>&- &
  feed_pid=$!
  started "$feed_pid"
  exec 8>"$WORK/feed$1.in"
  wait_for 20 test -s "$WORK/feed$1.port" || fail "feed $1 did not start: $(cat "$WORK/feed$1.err")"
}
start_feed 1
"$TS_BIN" follow --feed "ws://127.0.0.1:$feed_port/events" --no-web-seed --peer "127.0.0.1:$origin_port" \
  --listen 127.0.0.1:0 --no-lsd --keep 2 --store "$WORK/relay" --stats-interval 0.5 --download-timeout 30 \
  >"$WORK/follower.out" 2>"$WORK/follower.err" 7>&- 8>&- &
follower=$!
started "$follower"
connected() { grep -q 'client connected' "$WORK/feed$1.err"; }
wait_for 20 connected 1 || fail "the follower did not connect to the feed: $(tail -n 5 "$WORK/follower.err")"
grep -q "host 127.0.0.1:$feed_port\$" "$WORK/feed1.err" || fail "Host header without the port: $(cat "$WORK/feed1.err")"
emitted() { jq -r 'select(.event=="segment") | .msn' "$WORK/follower.out" | tr '\n' ' '; }
have() { [[ "$(emitted)" == "$1" ]]; }
# One at a time, as a live stream comes (a burst beyond --keep would evict
# segments before they are complete).
want=""
for i in 0 1 2 3; do
  jq -c --argjson m "$i" 'select(.event=="segment" and .msn==$m)' "$WORK/origin.out" >&8
  want+="$i "
  wait_for 20 have "$want" || fail "follower got $(emitted)of $want: $(tail -n 10 "$WORK/follower.err")"
done

# The feed restarts on the same port with the same backlog; the follower
# reconnects (every 2 s) and is sent all four segment events again.
kill -TERM "$feed_pid"
wait "$feed_pid" 2>/dev/null || true
exec 8>&-
start_feed 2
grep '"event":"segment"' "$WORK/origin.out" >&8
wait_for 20 connected 2 || fail "the follower did not reconnect: $(tail -n 5 "$WORK/follower.err")"
grep -q "connected again" "$WORK/follower.err" || fail "no reconnect logged"
repeats() { [[ "$(grep '"seedstats"' "$WORK/follower.out" | tail -n1 | jq -r .repeats)" == 4 ]]; }
wait_for 20 repeats || fail "replayed segments not counted as repeats: $(grep '"seedstats"' "$WORK/follower.out" | tail -n1)"
sleep 3  # time for a second download, if one had started
have "0 1 2 3 " || fail "replayed segments were followed again: got $(emitted)"
last=$(grep '"seedstats"' "$WORK/follower.out" | tail -n1)
[[ "$(jq -r .followed <<<"$last")" == 4 && "$(jq -r .added <<<"$last")" == 4 ]] || fail "seedstats: $last"

kill -TERM "$follower"
wait "$follower" || fail "follower exited $? on SIGTERM"
exec 7>&-
echo "ok: a feed replay after a reconnect is skipped (4 repeats), events stay unique and in order"
