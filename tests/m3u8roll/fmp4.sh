#!/usr/bin/env bash
# Real ffmpeg fMP4 HLS output (init.mp4 + .m4s): the `init` event and the
# segments' `map` become EXT-X-MAP (resolved like segment URIs) with
# EXT-X-VERSION 6, and every playlist written plays in ffmpeg.
source "$(dirname "$0")/lib.sh"

make_hls "$T/www/src" 12 -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4
playlist_events "$T/www/src" >"$T/events.jsonl"
grep -q '"event":"init"' "$T/events.jsonl" || fail "no init event from the fMP4 source"
start_http "$T/www"
base="http://127.0.0.1:$HTTP_PORT"

run_roll_snapshots "$T/events.jsonl" "$T/www/snap" -- --out "$T/www/out/{rendition}.m3u8" --window 6 --base-url "$base/src"
check_snapshots "$T/www/snap" "$base"
out="$T/www/out/0.m3u8"
grep -qx "#EXT-X-MAP:URI=\"$base/src/init.mp4\"" "$out" || fail "no EXT-X-MAP for the init segment: $(cat "$out")"
grep -qx '#EXT-X-VERSION:6' "$out" || fail "EXT-X-MAP needs EXT-X-VERSION 6: $(head -3 "$out")"
[[ "$(grep -c '^#EXT-X-MAP' "$out")" == 1 ]] || fail "EXT-X-MAP repeated without a change"
pass "fMP4: EXT-X-MAP + VERSION 6, every playlist plays"
