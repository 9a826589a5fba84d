#!/usr/bin/env bash
# ffmpeg with -hls_flags temp_file (segment written as .tmp, then renamed),
# watched three ways at once: inotify, --poll 100, and the automatic polling
# fallback when inotify is unavailable. All three must emit the same segments.
source "$(dirname "$0")/lib.sh"

dir="$work/tf"
mkdir -p "$dir"
spawn "$HLSWATCH" "$dir" >"$work/inotify.jsonl" 2>"$work/inotify.err"
spawn "$HLSWATCH" --poll 100 "$dir" >"$work/poll.jsonl" 2>"$work/poll.err"
HLSWATCH_NO_INOTIFY=1 spawn "$HLSWATCH" "$dir" >"$work/fallback.jsonl" 2>"$work/fallback.err"
sleep 0.4
run_ffmpeg_live "$dir" 6 -hls_list_size 0 -hls_flags temp_file
for w in inotify poll fallback; do
  wait_for 5 grep -q '"event":"end"' "$work/$w.jsonl" || fail "$w: no end event"
done

listed=$(grep -c '^stream[0-9]*\.ts$' "$dir/stream.m3u8")
((listed >= 4)) || fail "ffmpeg wrote only $listed segments"
ls "$dir" | grep -q '\.tmp$' && fail "temp files left behind (ffmpeg did not rename?)"
for w in inotify poll fallback; do
  [[ "$(msn_list "$work/$w.jsonl")" == "$(seq_text 0 $((listed - 1)))" ]] ||
    fail "$w: msn sequence $(msn_list "$work/$w.jsonl") != 0..$((listed - 1))"
  check_no_duplicates "$work/$w.jsonl"
  check_sizes "$work/$w.jsonl"
  jq -s -e '[.[] | select(.event=="segment") | .uri | test("\\.tmp$")] | any | not' "$work/$w.jsonl" >/dev/null ||
    fail "$w: emitted a .tmp file"
  [[ $(count_events "$work/$w.jsonl" end) == 1 ]] || fail "$w: expected one end event"
done
grep -q "inotify is not available (HLSWATCH_NO_INOTIFY is set)" "$work/fallback.err" || fail "no notice about the polling fallback"
grep -q "polling every 250 ms" "$work/fallback.err" || fail "fallback notice does not say the interval"
grep -q "polling every 100 ms" "$work/poll.err" || fail "--poll 100 not in effect"
pass "temp_file: inotify, --poll 100 and the automatic fallback all emitted 0..$((listed - 1)) once"
