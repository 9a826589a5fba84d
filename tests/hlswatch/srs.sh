#!/usr/bin/env bash
# SRS's writing pattern (segment to .ts.tmp then rename, playlist to
# .m3u8.temp then rename), reproduced by writer.mjs with real TS segments:
# every segment once, in order, full size, never a temp file.
source "$(dirname "$0")/lib.sh"

make_source_segments "$work/src" 6
dir="$work/live"
mkdir -p "$dir"
spawn "$HLSWATCH" "$dir" >"$work/ev.jsonl" 2>"$work/watch.err"
sleep 0.3
node "$here/writer.mjs" srs "$dir" "$work/src" 12 || fail "writer failed"
wait_for 5 bash -c "[[ \$(jq -s '[.[] | select(.event==\"segment\")] | length' '$work/ev.jsonl') -ge 12 ]]" ||
  fail "only $(msn_list "$work/ev.jsonl") emitted"
sleep 0.3
[[ "$(msn_list "$work/ev.jsonl")" == "$(seq_text 0 11)" ]] || fail "msn sequence $(msn_list "$work/ev.jsonl")"
check_no_duplicates "$work/ev.jsonl"
check_sizes "$work/ev.jsonl"
jq -s -e '[.[] | select(.event=="segment")] | all(.uri | test("^live-[0-9]+\\.ts$")) and all(.rendition == "live")' \
  "$work/ev.jsonl" >/dev/null || fail "a temp file or wrong rendition was emitted"
for i in 0 5 11; do
  want=$(stat -c %s "$work/src/src$((i % 6)).ts")
  got=$(jq -r "select(.event==\"segment\" and .msn == $i) | .bytes" "$work/ev.jsonl")
  [[ "$got" == "$want" ]] || fail "segment $i: bytes $got, source segment has $want"
done
pass "SRS pattern: 0..11 once each, sizes equal the renamed files"
