#!/usr/bin/env bash
# Follow-mode chain: a live ffmpeg HLS stream → origin torrentseed → follower
# `torrentseed follow --no-web-seed`. The follower must get every segment over
# BitTorrent (magnets only: metadata by ut_metadata), with the right bytes, and
# the CDN (web seed) must see no request at all.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v ffmpeg >/dev/null || fail "ffmpeg is not installed (scripts/deps)"

mkdir -p "$WORK/hls" "$WORK/ref" "$WORK/relay"
coproc CDN { exec node "$HERE/range_server.mjs" "$WORK/hls" 2>"$WORK/cdn.log"; }
started "$CDN_PID"
read -r -t 20 cdn_port <&"${CDN[0]}" || fail "the CDN stand-in did not start"

# A live source: 8 s of test pattern, 1 s segments, old ones deleted as in Owncast.
ffmpeg -nostdin -loglevel error -re -f lavfi -i "testsrc=size=320x240:rate=25" \
  -f lavfi -i "sine=frequency=440:sample_rate=44100" -t 8 \
  -c:v libx264 -preset ultrafast -g 25 -c:a aac -b:a 64k \
  -f hls -hls_time 1 -hls_list_size 4 -hls_flags delete_segments \
  -hls_segment_filename "$WORK/hls/seg%03d.ts" "$WORK/hls/live.m3u8" &
started $!

origin_port=$(free_port)
relay_port=$(free_port)
check() {
  # Compares every segment the follower announces with the reference bytes,
  # while the follower still seeds it.
  local n=0 line path name
  while IFS= read -r line; do
    echo "$line" >>"$WORK/follower.out"
    [[ "$(jq -r .event <<<"$line")" == segment ]] || continue
    path=$(jq -r .path <<<"$line")
    name=$(basename "$path")
    [[ "$path" == "$WORK/relay/"* ]] || { echo "bad path $path" >>"$WORK/check.err"; continue; }
    if cmp -s "$path" "$WORK/ref/$name"; then n=$((n + 1)); else echo "bytes differ: $name" >>"$WORK/check.err"; fi
  done
  echo "$n" >"$WORK/matched"
}
timeout 120 node "$HERE/hls_events.mjs" "$WORK/hls/live.m3u8" "http://127.0.0.1:$cdn_port" "$WORK/ref" \
  | "$TS_BIN" --listen "127.0.0.1:$origin_port" --no-lsd --stats-interval 1 --linger 10 2>"$WORK/origin.err" \
  | tee "$WORK/origin.out" \
  | "$TS_BIN" follow --no-web-seed --peer "127.0.0.1:$origin_port" --listen "127.0.0.1:$relay_port" --no-lsd \
      --store "$WORK/relay" --stats-interval 1 --download-timeout 20 2>"$WORK/follower.err" \
  | check

origin_segments=$(jq -r 'select(.event=="segment") | .infohash' "$WORK/origin.out" | grep -c . || true)
follower_segments=$(jq -r 'select(.event=="segment") | .infohash' "$WORK/follower.out" | grep -c . || true)
matched=$(cat "$WORK/matched")
echo "origin seeded $origin_segments segments; follower got $follower_segments, $matched byte-identical"
(( origin_segments >= 6 )) || fail "the live stream gave only $origin_segments segments: $(cat "$WORK/origin.err")"
[[ ! -s "$WORK/check.err" ]] || fail "$(cat "$WORK/check.err")"
(( follower_segments == origin_segments )) || fail "follower got $follower_segments of $origin_segments: $(tail -n 20 "$WORK/follower.err")"
(( matched == origin_segments )) || fail "only $matched segments matched"
# Same infohashes, same order.
diff <(jq -r 'select(.event=="segment") | .infohash' "$WORK/origin.out") \
     <(jq -r 'select(.event=="segment") | .infohash' "$WORK/follower.out") || fail "infohash order differs"
# --no-web-seed: the CDN saw nothing.
[[ ! -s "$WORK/cdn.log" ]] || fail "the CDN was asked: $(cat "$WORK/cdn.log")"
last=$(grep '"seedstats"' "$WORK/follower.out" | tail -n1)
[[ "$(jq -r .completed <<<"$last")" == "$origin_segments" ]] || fail "follower seedstats: $last"
[[ "$(jq -r .errors.timeout <<<"$last")" == 0 ]] || fail "follower timeouts: $last"
origin_last=$(grep '"seedstats"' "$WORK/origin.out" | tail -n1)
total=$(du -cb "$WORK"/ref/*.ts | tail -n1 | cut -f1)
(( $(jq -r .uploaded <<<"$origin_last") >= total )) || fail "origin uploaded less than the stream ($total): $origin_last"
(( $(jq -r '.peer_uploads[0].uploaded' <<<"$origin_last") >= total )) || fail "per-peer total: $origin_last"
[[ "$(jq -r '.errors.unreadable' <<<"$origin_last")" == 0 ]] || fail "origin errors: $origin_last"
echo "ok: follow chain, $origin_segments live segments over BitTorrent only"
