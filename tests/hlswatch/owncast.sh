#!/usr/bin/env bash
# Owncast's writing pattern (writer.mjs): master data/hls/stream.m3u8 with
# variants 0/ and 1/, segments growing in place, variant playlists truncated
# and rewritten in place (half-written reads), the offline.ts + ENDLIST
# ending, then a new transcoder run from MSN 0 with a new shortid.
source "$(dirname "$0")/lib.sh"

make_source_segments "$work/src" 6
root="$work/hls"
mkdir -p "$root"
spawn "$HLSWATCH" -v "$root" >"$work/ev.jsonl" 2>"$work/watch.err"
sleep 0.3
node "$here/writer.mjs" owncast "$root" "$work/src" 6 3 || fail "writer failed"
wait_for 5 bash -c "[[ \$(jq -s '[.[] | select(.event==\"segment\")] | length' '$work/ev.jsonl') -ge 18 ]]" ||
  fail "segments so far: 0: $(msn_list "$work/ev.jsonl" 0) / 1: $(msn_list "$work/ev.jsonl" 1)"
sleep 0.3

# The master's variants, once, first.
[[ "$(head -n1 "$work/ev.jsonl" | jq -r .event)" == master ]] || fail "the first event is not master"
[[ $(count_events "$work/ev.jsonl" master) == 1 ]] || fail "master emitted more than once"
head -n1 "$work/ev.jsonl" | jq '.stream == "hls" and (.renditions | length == 2)
  and .renditions[0] == {"rendition":"0","bandwidth":1200000,"codecs":"avc1.64001e","resolution":"640x360","frame_rate":25,"uri":"0/stream.m3u8"}
  and .renditions[1].rendition == "1" and .renditions[1].bandwidth == 600000' | tail -n 1 | grep -qx true ||
  fail "bad master event: $(head -n1 "$work/ev.jsonl")"

for v in 0 1; do
  [[ "$(msn_list "$work/ev.jsonl" "$v")" == "0 1 2 3 4 5 0 1 2" ]] ||
    fail "rendition $v: msn sequence $(msn_list "$work/ev.jsonl" "$v")"
  # Discontinuity exactly on the new run's first segment.
  discs=$(jq -r "select(.event==\"segment\" and .rendition==\"$v\") | .discontinuity" "$work/ev.jsonl" | tr '\n' ' ')
  [[ "$discs" == "false false false false false false true false false " ]] || fail "rendition $v discontinuities: $discs"
  # One end per rendition, after segment 5 of the first run and before the restart.
  order=$(jq -r "select(.rendition==\"$v\") | if .event==\"end\" then \"end\" else (.msn|tostring) end" "$work/ev.jsonl" | tr '\n' ' ')
  [[ "$order" == "0 1 2 3 4 5 end 0 1 2 " ]] || fail "rendition $v order: $order"
  jq -s -e "[.[] | select(.event==\"segment\" and .rendition==\"$v\" and .msn==0)] | first | .path == \"$root/$v/stream-AbC12x-0.ts\"" \
    "$work/ev.jsonl" >/dev/null || fail "rendition $v: wrong path"
done
check_no_duplicates "$work/ev.jsonl"
check_sizes "$work/ev.jsonl"  # includes variant 1 segment 2, listed before its last 1000 bytes were written
jq -s -e '[.[] | select(.event=="segment") | .uri] | any(. == "offline.ts") | not' "$work/ev.jsonl" >/dev/null ||
  fail "offline.ts was emitted without --keep-offline"
grep -q "offline.ts" "$work/watch.err" || fail "offline.ts not reported on stderr"
grep -q "read half-written" "$work/watch.err" || fail "the test writer produced no half-written read (test too weak)"
jq -s -e '[.[] | select(.event=="segment" and .rendition=="0" and .msn==1)] | first | .pdt == "2026-11-23T12:00:01.000Z"' \
  "$work/ev.jsonl" >/dev/null || fail "pdt not taken from the playlist"
partial=$(grep -c "read half-written" "$work/watch.err")
pass "Owncast pattern: master once, 0..5 end 0..2 per rendition, discontinuity on restart, offline.ts not emitted, $partial half-written reads ignored"

# --keep-offline: the same pattern on a fresh root, without the restart.
root2="$work/hls2"
mkdir -p "$root2"
spawn "$HLSWATCH" --keep-offline "$root2" >"$work/keep.jsonl" 2>"$work/keep.err"
spawn "$HLSWATCH" --poll 50 "$root2" >"$work/poll.jsonl" 2>"$work/poll.err"  # the same pattern, polled
sleep 0.3
WRITER_SLOW_SEGMENT=0 node "$here/writer.mjs" owncast "$root2" "$work/src" 3 0 || fail "writer failed"
for f in keep poll; do
  wait_for 5 bash -c "[[ \$(jq -s '[.[] | select(.event==\"end\")] | length' '$work/$f.jsonl') -ge 2 ]]" ||
    fail "$f: no end events"
done
for v in 0 1; do
  [[ "$(msn_list "$work/poll.jsonl" "$v")" == "0 1 2" ]] || fail "--poll 50 rendition $v: $(msn_list "$work/poll.jsonl" "$v")"
done
check_sizes "$work/poll.jsonl"
check_no_duplicates "$work/poll.jsonl"
[[ $(count_events "$work/poll.jsonl" master) == 1 ]] || fail "--poll 50: master not emitted once"
for v in 0 1; do
  [[ "$(msn_list "$work/keep.jsonl" "$v")" == "0 1 2 3" ]] || fail "--keep-offline rendition $v: $(msn_list "$work/keep.jsonl" "$v")"
done
jq -s -e '[.[] | select(.event=="segment" and .msn==3)] | length == 2 and all(.uri == "offline.ts" and .discontinuity and .duration == 8)' \
  "$work/keep.jsonl" >/dev/null || fail "--keep-offline: offline.ts not emitted as a discontinuity"
pass "--keep-offline emits offline.ts (msn 3, discontinuity, 8 s); --poll 50 emits 0..2 per rendition, full sizes"
