#!/usr/bin/env bash
# ffmpeg's hls muxer writing segments in place (no temp_file): every segment
# is emitted exactly once, in MSN order, with its full size, only after the
# playlist lists it; ENDLIST gives one `end`; the idle watcher sleeps; --once
# and --backlog replay what is there.
source "$(dirname "$0")/lib.sh"

dir="$work/live"
mkdir -p "$dir"
spawn "$HLSWATCH" "$dir" >"$work/ev.jsonl" 2>"$work/watch.err"
watch_pid=$last_pid
sleep 0.3
run_ffmpeg_live "$dir" 6 -hls_list_size 0 -hls_flags program_date_time
wait_for 5 grep -q '"event":"end"' "$work/ev.jsonl" || fail "no end event after ffmpeg finished"

listed=$(grep -c '^stream[0-9]*\.ts$' "$dir/stream.m3u8")
((listed >= 4)) || fail "ffmpeg wrote only $listed segments"
[[ "$(msn_list "$work/ev.jsonl")" == "$(seq_text 0 $((listed - 1)))" ]] ||
  fail "msn sequence $(msn_list "$work/ev.jsonl") != 0..$((listed - 1))"
check_no_duplicates "$work/ev.jsonl"
check_sizes "$work/ev.jsonl"
[[ $(count_events "$work/ev.jsonl" end) == 1 ]] || fail "expected exactly one end event"
[[ "$(tail -n1 "$work/ev.jsonl" | jq -r .event)" == end ]] || fail "end is not the last event"
# Fields: stream/rendition default to the directory name; the playlist's
# EXTINF and TARGETDURATION; PDT normalised to ISO 8601 UTC with ms.
first=$(events "$work/ev.jsonl" segment | head -n1)
jq '.stream == "live" and .rendition == "live" and .uri == "stream0.ts" and .discontinuity == false
       and .target_duration == 1 and (.duration > 0.5) and (.pdt | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$"))
       and (.time | test("Z$"))' <<<"$first" | tail -n 1 | grep -qx true || fail "bad first segment event: $first"
extinf=$(grep -m1 '^#EXTINF:' "$dir/stream.m3u8" | sed 's/#EXTINF:\([0-9.]*\),.*/\1/')
jq --argjson d "$extinf" '.duration == $d' <<<"$first" | tail -n 1 | grep -qx true || fail "duration != EXTINF $extinf"
[[ $(jq -s '[.[] | select(.event=="segment" and .discontinuity)] | length' "$work/ev.jsonl") == 0 ]] ||
  fail "a continuous ffmpeg run produced a discontinuity"
pass "in place: msn 0..$((listed - 1)) once each, sizes match, one end"

# Idle: blocked in poll(), no wakeups (inotify, no busy polling).
ctx() { awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ {s += $2} END {print s}' "/proc/$watch_pid/status"; }
before=$(ctx)
sleep 1.5
after=$(ctx)
((after - before <= 1)) || fail "idle watcher woke up $((after - before)) times in 1.5 s (busy polling?)"
kill -0 "$watch_pid" || fail "watcher exited after the stream ended"
pass "idle: $((after - before)) context switches in 1.5 s"

# SIGTERM: clean exit 0.
kill -TERM "$watch_pid"
rc=0
wait "$watch_pid" || rc=$?
[[ $rc == 0 ]] || fail "SIGTERM exit code $rc"

# --once: everything listed, then end (ENDLIST), then exit 0.
"$HLSWATCH" --once "$dir" >"$work/once.jsonl" 2>"$work/once.err" || fail "--once failed"
[[ "$(msn_list "$work/once.jsonl")" == "$(seq_text 0 $((listed - 1)))" ]] || fail "--once msns $(msn_list "$work/once.jsonl")"
[[ $(count_events "$work/once.jsonl" end) == 1 ]] || fail "--once: no end for an ENDLIST playlist"
"$HLSWATCH" --once --backlog 3 --stream cam --rendition hd "$dir" >"$work/backlog.jsonl" 2>"$work/backlog.err"
[[ "$(msn_list "$work/backlog.jsonl")" == "$(seq_text $((listed - 3)) $((listed - 1)))" ]] ||
  fail "--backlog 3 gave $(msn_list "$work/backlog.jsonl")"
jq -s -e '[.[] | select(.event=="segment")] | length == 3 and all(.stream == "cam" and .rendition == "hd")' \
  "$work/backlog.jsonl" >/dev/null ||
  fail "--stream/--rendition not applied"
rc=0
"$HLSWATCH" --once "$work/nope" >/dev/null 2>"$work/missing.err" || rc=$?
[[ $rc == 66 ]] || fail "--once on a missing directory exited $rc, expected 66"
grep -q "$work/nope does not exist" "$work/missing.err" || fail "missing-directory message does not name the path"
pass "--once, --backlog 3, --stream/--rendition, exit 66 on a missing dir"
