#!/usr/bin/env bash
# The watched directory missing at start, created later, deleted while the
# source is down, and recreated: a clear message naming the path, retries,
# `end` when the source goes away, and the stream resumes by itself (the
# first segment after the gap carries discontinuity:true). Never exits.
source "$(dirname "$0")/lib.sh"

dir="$work/later/live"
spawn "$HLSWATCH" --retry-max 500 "$dir" >"$work/ev.jsonl" 2>"$work/watch.err"
watch_pid=$last_pid
wait_for 5 grep -q "$dir does not exist (ENOENT)" "$work/watch.err" || fail "no message naming the missing path"
sleep 1
kill -0 "$watch_pid" || fail "the watcher exited on a missing directory"
[[ $(grep -c "does not exist" "$work/watch.err") == 1 ]] || fail "the missing-directory warning repeats (log spam)"

# Created: the first run of the source (killed: no ENDLIST).
mkdir -p "$dir"
spawn ffmpeg -nostdin -loglevel error -re -f lavfi -i "testsrc2=size=320x180:rate=25" \
  -c:v libx264 -preset ultrafast -g 25 -f hls -hls_time 1 -hls_list_size 0 "$dir/stream.m3u8"
ffmpeg_pid=$last_pid
wait_for 15 bash -c "[[ \$(jq -s '[.[] | select(.event==\"segment\")] | length' '$work/ev.jsonl') -ge 3 ]]" ||
  fail "nothing emitted after the directory appeared"
kill -KILL "$ffmpeg_pid"
wait "$ffmpeg_pid" 2>/dev/null || true
sleep 0.3
check_sizes "$work/ev.jsonl"
n1=$(jq -s '[.[] | select(.event=="segment")] | length' "$work/ev.jsonl")
[[ "$(msn_list "$work/ev.jsonl")" == "$(seq_text 0 $((n1 - 1)))" ]] || fail "first run: $(msn_list "$work/ev.jsonl")"

# Deleted: the source is gone → one `end`.
rm -rf "$dir"
wait_for 5 grep -q '"event":"end"' "$work/ev.jsonl" || fail "no end event when the directory was deleted"
grep -q "$dir was removed" "$work/watch.err" || fail "no message about the removed directory"

# Recreated with a new run of the source.
sleep 0.7
mkdir -p "$dir"
run_ffmpeg_live "$dir" 4 -hls_list_size 0
wait_for 5 bash -c "[[ \$(jq -s '[.[] | select(.event==\"end\")] | length' '$work/ev.jsonl') -ge 2 ]]" ||
  fail "no end after the second run: $(msn_list "$work/ev.jsonl")"
order=$(jq -r 'if .event=="end" then "end" else (.msn|tostring) end' "$work/ev.jsonl" | tr '\n' ' ' | sed 's/ $//')
n2=$(grep -c '^stream[0-9]*\.ts$' "$dir/stream.m3u8")
[[ "$order" == "$(seq_text 0 $((n1 - 1))) end $(seq_text 0 $((n2 - 1))) end" ]] || fail "event order: $order"
[[ "$(jq -s '[.[] | select(.event=="segment")][-'"$n2"':] | map(.discontinuity) | .[0] and (.[1:] | all(. == false))' \
  "$work/ev.jsonl")" == true ]] || fail "the first segment after recreation is not a discontinuity"
while IFS=$'\t' read -r path bytes; do
  [[ "$(stat -c %s "$path")" == "$bytes" ]] || fail "second run: $path size != $bytes"
done < <(jq -r 'select(.event=="segment") | [.path, (.bytes|tostring)] | @tsv' "$work/ev.jsonl" | tail -n "$n2")
kill -0 "$watch_pid" || fail "the watcher exited"
pass "missing → created → deleted (end) → recreated: 0..$((n1 - 1)) end 0..$((n2 - 1)) end, watcher still running"
