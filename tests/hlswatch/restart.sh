#!/usr/bin/env bash
# Source restart with real ffmpeg: killed (no ENDLIST) and started again into
# the same directory with the same file names, so the MSN goes back to 0.
# The first segment of the new run carries discontinuity:true; nothing is
# emitted twice within a run; the watcher never stops.
source "$(dirname "$0")/lib.sh"

dir="$work/live"
mkdir -p "$dir"
spawn "$HLSWATCH" "$dir" >"$work/ev.jsonl" 2>"$work/watch.err"
watch_pid=$last_pid
sleep 0.3
spawn ffmpeg -nostdin -loglevel error -re -f lavfi -i "testsrc2=size=320x180:rate=25" \
  -c:v libx264 -preset ultrafast -g 25 -f hls -hls_time 1 -hls_list_size 3 "$dir/stream.m3u8"
ffmpeg_pid=$last_pid
wait_for 15 bash -c "[[ \$(jq -s '[.[] | select(.event==\"segment\")] | length' '$work/ev.jsonl') -ge 5 ]]" ||
  fail "first run: only $(msn_list "$work/ev.jsonl")"
kill -KILL "$ffmpeg_pid"
wait "$ffmpeg_pid" 2>/dev/null || true
first_run=$(msn_list "$work/ev.jsonl")
n1=$(wc -w <<<"$first_run")
[[ "$first_run" == "$(seq_text 0 $((n1 - 1)))" ]] || fail "first run msns: $first_run"
sleep 0.5
run_ffmpeg_live "$dir" 4 -hls_list_size 3
wait_for 5 grep -q '"event":"end"' "$work/ev.jsonl" || fail "no end after the second run"

all=$(msn_list "$work/ev.jsonl")
second=$(jq -r 'select(.event=="segment") | .msn' "$work/ev.jsonl" | tail -n +$((n1 + 1)) | tr '\n' ' ' | sed 's/ $//')
n2=$(wc -w <<<"$second")
((n2 >= 3)) || fail "second run emitted only: $second"
[[ "$second" == "$(seq_text 0 $((n2 - 1)))" ]] || fail "second run msns: $second (all: $all)"
discs=$(jq -r 'select(.event=="segment") | .discontinuity' "$work/ev.jsonl" | tr '\n' ' ' | sed 's/ $//')
want="$(printf 'false %.0s' $(seq 1 "$n1"))true$(printf ' false%.0s' $(seq 2 "$n2"))"
[[ "$discs" == "$want" ]] || fail "discontinuities: $discs, want $want"
grep -q "source restart" "$work/watch.err" || fail "restart not reported on stderr"
# Within each run every msn appears once: the whole list is two ascending runs.
[[ "$all" == "$first_run $second" ]] || fail "events out of order: $all"
kill -0 "$watch_pid" || fail "the watcher exited"
pass "restart: run 1 msn 0..$((n1 - 1)), run 2 msn 0..$((n2 - 1)) with discontinuity on its first segment"
