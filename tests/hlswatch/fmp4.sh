#!/usr/bin/env bash
# ffmpeg writing fMP4 (-hls_segment_type fmp4): one `init` event for the
# EXT-X-MAP section, before the first segment, with its full size; every
# segment carries `map`.
source "$(dirname "$0")/lib.sh"

dir="$work/f"
mkdir -p "$dir"
spawn "$HLSWATCH" "$dir" >"$work/ev.jsonl" 2>"$work/watch.err"
sleep 0.3
run_ffmpeg_live "$dir" 5 -hls_list_size 0 -hls_segment_type fmp4
wait_for 5 grep -q '"event":"end"' "$work/ev.jsonl" || fail "no end event"

n=$(grep -c '^stream[0-9]*\.m4s$' "$dir/stream.m3u8")
((n >= 3)) || fail "ffmpeg wrote only $n fMP4 segments"
[[ "$(msn_list "$work/ev.jsonl")" == "$(seq_text 0 $((n - 1)))" ]] || fail "msns $(msn_list "$work/ev.jsonl")"
[[ $(count_events "$work/ev.jsonl" init) == 1 ]] || fail "expected exactly one init event"
[[ "$(head -n1 "$work/ev.jsonl" | jq -r .event)" == init ]] || fail "init is not the first event"
init=$(events "$work/ev.jsonl" init)
[[ "$(jq -r .path <<<"$init")" == "$dir/init.mp4" ]] || fail "init path: $init"
[[ "$(jq -r .bytes <<<"$init")" == "$(stat -c %s "$dir/init.mp4")" ]] || fail "init bytes != file size"
jq -s -e '[.[] | select(.event=="segment")] | all(.map == "init.mp4" and (.uri | endswith(".m4s")))' "$work/ev.jsonl" \
  >/dev/null || fail "segments without map=init.mp4"
check_sizes "$work/ev.jsonl"
check_no_duplicates "$work/ev.jsonl"
pass "fMP4: one init ($(jq -r .bytes <<<"$init") bytes) first, 0..$((n - 1)) with map"
