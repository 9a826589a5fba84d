#!/usr/bin/env bash
# Follow mode: a segment that leaves the window while still downloading (its
# `expire` event, or --keep eviction) is given up at once. Left pending, it
# held every later event (seedstats too) back until --download-timeout (60 s
# here). The "ghost" segments are magnets no peer has; the others come from
# an origin torrentseed, peers only.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$WORK/relay"
mkfifo "$WORK/follow.in"
start_origin
seed_segments 3 300000
wait_seeded 3

"$TS_BIN" follow --no-web-seed --peer "127.0.0.1:$origin_port" --listen 127.0.0.1:0 --no-lsd --keep 2 \
  --store "$WORK/relay" --stats-interval 0.5 --download-timeout 60 <"$WORK/follow.in" >"$WORK/follower.out" \
  2>"$WORK/follower.err" 7>&- &
follower=$!
started "$follower"
exec 8>"$WORK/follow.in"

origin_event() { jq -c --argjson m "$1" 'select(.event=="segment" and .msn==$m)' "$WORK/origin.out"; }
ghost() {  # MSN NAME: a segment event whose torrent no peer has
  local ih
  ih=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "{\"event\":\"segment\",\"msn\":$1,\"infohash\":\"$ih\",\"magnet\":\"magnet:?xt=urn:btih:$ih&dn=$2\"}"
}
emitted() { jq -r 'select(.event=="segment") | .msn' "$WORK/follower.out" | tr '\n' ' '; }
have() { [[ "$(emitted)" == "$1" ]]; }

# 1. expire: the ghost leaves the window by its `expire` event.
ghost_a=$(ghost 100 ghostA.ts)
start=$SECONDS
{
  echo "$ghost_a"
  echo "{\"event\":\"expire\",\"infohash\":\"$(jq -r .infohash <<<"$ghost_a")\"}"
  origin_event 0
} >&8
wait_for 20 have "0 " || fail "segment 0 held back behind an expired download (got: $(emitted)): $(tail -n 5 "$WORK/follower.err")"
echo "expire: segment 0 out after $((SECONDS - start)) s"
cmp "$(jq -r 'select(.event=="segment") | .path' "$WORK/follower.out")" "$WORK/seg0.ts" || fail "seg0.ts differs"

# 2. --keep 2: the window is [0, ghost B]; segment 1 evicts 0, segment 2 evicts the ghost.
start=$SECONDS
{
  ghost 101 ghostB.ts
  origin_event 1
  origin_event 2
} >&8
wait_for 20 have "0 1 2 " || fail "segments 1 and 2 held back behind an evicted download (got: $(emitted)): $(tail -n 5 "$WORK/follower.err")"
echo "--keep: segments 1, 2 out after $((SECONDS - start)) s"

# seedstats flow again, and soon say nothing is pending (each one's figures
# are taken when it is queued, behind segment 2's event).
stats_after() {
  local n
  n=$(grep -nE '"msn":2[,}]' "$WORK/follower.out" | head -n1 | cut -d: -f1)
  tail -n "+${n:-1}" "$WORK/follower.out" | grep '"seedstats"' | tail -n1
}
settled() { [[ "$(stats_after | jq -r .pending)" == 0 ]]; }
wait_for 20 settled || fail "no seedstats with nothing pending after segment 2: $(stats_after)"
last=$(stats_after)
[[ "$(jq -r .pending <<<"$last")" == 0 ]] || fail "pending: $last"
[[ "$(jq -r .abandoned <<<"$last")" == 2 ]] || fail "abandoned: $last"
[[ "$(jq -r .completed <<<"$last")" == 3 ]] || fail "completed: $last"
[[ "$(jq -r .errors.timeout <<<"$last")" == 0 ]] || fail "a ghost timed out instead: $last"
[[ $(grep -c 'left the window' "$WORK/follower.err") -eq 2 ]] || fail "no warning per abandoned segment: $(cat "$WORK/follower.err")"
for i in 1 2; do  # segment 0 has left the window (--keep 2) with its copy
  path=$(jq -r --argjson m "$i" 'select(.event=="segment" and .msn==$m) | .path' "$WORK/follower.out")
  cmp "$path" "$WORK/seg$i.ts" || fail "seg$i.ts differs"
done

exec 8>&-
wait "$follower" || fail "follower exited $?"
exec 7>&-
echo "ok: segments leaving the window while downloading are given up at once"
