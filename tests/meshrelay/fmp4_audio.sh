#!/usr/bin/env bash
# meshrelay on an fMP4 stream (EXT-X-MAP init segments) with audio-only
# renditions, from ffmpeg's HLS muxer (about 30 s, no browser): a video
# variant whose audio is an EXT-X-MEDIA rendition of its own (ffmpeg lists
# that playlist as an audio-only variant too), and another audio-only
# variant. The relay follows all four, joins the swarms
# p2p-media-loader 2.3 derives for them (computed here by its own code,
# swarm-ids.mjs: "main" for variants, "secondary" for the audio rendition),
# holds their media segments and never the init segments (p2p-media-loader
# loads those over HTTP), and a peer on p2p-media-loader's own libraries gets
# an audio segment, byte for byte, from the audio swarms (own offers through
# bittorrent-tracker's server).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
script_init meshrelay-fmp4
bin="${HLSMESH_BIN:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fail_context() { for f in "$work"/*.log; do echo "--- $f"; tail -n 20 "$f"; done; }
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg missing"; exit 77; }
last_is() { tail -n 1 "$1" | jq "$2" 2>/dev/null | grep -qx true; }

live="$work/www/live"
mkdir -p "$live"
spawn ffmpeg -hide_banner -nostdin -loglevel warning -re \
  -f lavfi -i "testsrc2=size=320x180:rate=25" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
  -map 0:v -map 1:a -map 1:a -c:v libx264 -preset ultrafast -g 25 -keyint_min 25 -sc_threshold 0 -b:v 300k \
  -c:a aac -b:a:0 64k -b:a:1 96k -f hls -hls_time 1 -hls_list_size 8 -hls_segment_type fmp4 -hls_flags independent_segments \
  -hls_fmp4_init_filename init.mp4 -master_pl_name stream.m3u8 \
  -var_stream_map "v:0,agroup:aud a:0,agroup:aud,language:en a:1" \
  -hls_segment_filename "$live/%v/seg%d.m4s" "$live/%v/media.m3u8" 2>"$work/ffmpeg.log"
wait_for 20 grep -q '^2/media.m3u8' "$live/stream.m3u8" || fail "ffmpeg wrote no master playlist with 3 variants"
grep -q '^#EXT-X-MEDIA:TYPE=AUDIO.*URI=' "$live/stream.m3u8" || fail "ffmpeg wrote no audio rendition: $(cat "$live/stream.m3u8")"
wait_for 15 grep -q '^#EXT-X-MAP:URI="init' "$live/1/media.m3u8" || fail "no EXT-X-MAP in the audio playlist"

web=$(free_port)
spawn "$bin/sigd" --listen "127.0.0.1:$web" --www "$work/www" </dev/null 2>"$work/sigd.log"
master="http://127.0.0.1:$web/live/stream.m3u8"
wait_for 10 curl -fs -o /dev/null "$master" || fail "sigd does not serve the master"
bt=$(free_port)
spawn node "$here/../e2e/bt-tracker.mjs" "$bt" 2>"$work/bt-tracker.log"
wait_for 10 grep -q "ws://127.0.0.1:$bt/announce" "$work/bt-tracker.log" || fail "bittorrent-tracker did not start"
tracker="ws://127.0.0.1:$bt/announce"

spawn "$bin/meshrelay" "$master" --tracker "$tracker" --p2pml 2.3 --announce-interval 5 --stats-interval 1 \
  --backfill 4 -v --log-format json >"$work/relay.jsonl" 2>"$work/relay.log"
wait_for 25 last_is "$work/relay.jsonl" '(.streams | length) == 4 and all(.streams[]; .segments_held >= 4)' ||
  fail "the relay does not hold 4 segments in each of 4 renditions: $(tail -n 1 "$work/relay.jsonl" | jq -c '[.streams[] | {swarm, segments_held}]')"

# The swarms are the ones p2p-media-loader derives.
node "$here/swarm-ids.mjs" "$master" "$live/stream.m3u8" >"$work/swarms.jsonl" || fail "swarm-ids.mjs failed"
[[ $(wc -l <"$work/swarms.jsonl") -eq 4 ]] || fail "expected 4 renditions: $(cat "$work/swarms.jsonl")"
event=$(tail -n 1 "$work/relay.jsonl")
while read -r swarm; do
  id=$(jq -r .id <<<"$swarm")
  jq --arg id "$id" --arg h "$(jq -r .info_hash <<<"$swarm")" \
    'any(.streams[]; .swarm == $id and .info_hash == $h and .segments_held >= 4)' <<<"$event" | tail -n 1 | grep -qx true ||
    fail "the relay holds nothing in swarm $id ($(jq -r .uri <<<"$swarm")): $(jq -c '[.streams[].swarm]' <<<"$event")"
done <"$work/swarms.jsonl"
# Media segments only: no init segment is fetched or held.
held=$(grep '^{' "$work/relay.log" | jq -r 'select(.message | test("held from the playlist")) | .url')
[[ -n "$held" ]] || fail "no segment held"
! grep -v '/seg[0-9]*\.m4s$' <<<"$held" || fail "the relay fetched something other than media segments"
pass "fMP4 with audio renditions: $(grep -c . <<<"$held") media segments held in 4 swarms ($(jq -r .type "$work/swarms.jsonl" | sort | uniq -c | xargs)), no init segment"

# A p2p-media-loader peer gets a segment of each audio swarm from the relay,
# byte for byte: the audio rendition's ("secondary") and the other audio-only variant's.
for rendition in "1/media.m3u8 secondary" "2/media.m3u8 main"; do
  read -r uri type <<<"$rendition"
  hash=$(jq -r --arg u "$uri" --arg t "$type" 'select(.uri == $u and .type == $t) | .info_hash' "$work/swarms.jsonl")
  dir="$live/${uri%%/*}"
  node "$here/own-offers-viewer.mjs" "$tracker" "$hash" 30 >"$work/viewer.json" 2>"$work/viewer.log" ||
    fail "no segment of $uri ($type) from the relay: $(cat "$work/viewer.json")"
  got=$(jq -r .sha256 "$work/viewer.json")
  sha256sum "$dir"/seg*.m4s | grep "^$got " >/dev/null || fail "the segment of $uri that arrived is none of $dir's media segments"
  ! sha256sum "$live"/0/seg*.m4s "$live"/*/init*.mp4 | grep "^$got " >/dev/null || fail "a video or init segment arrived for $uri"
  pass "$uri ($type swarm): segment $(jq .segment "$work/viewer.json") ($(jq .bytes "$work/viewer.json") bytes) from the relay, byte for byte"
done
