#!/usr/bin/env bash
# scripts/hlsmesh-ladder through live-testsrc's ladder mode: a master with one
# variant per rendition (RESOLUTION, CODECS), every rendition readable by
# ffprobe, the same MSN starting at the same PTS on a keyframe everywhere, and
# segment names carrying the run; a bad ladder is refused with what to fix.
source "$(dirname "$0")/lib.sh"

# Bad specs: exit 64, the entry named, nothing started.
for bad in "720:2500k" "720p" "720p:fast" "9000p:1M" ""; do
  rc=0; err=$("$LADDER" --check --ladder "$bad" 2>&1) || rc=$?
  [[ $rc == 64 ]] || fail "--ladder '$bad' exited $rc, want 64"
  grep -q -- "--ladder" <<<"$err" || fail "--ladder '$bad': the error does not name the option: $err"
done
[[ "$("$LADDER" --check --ladder 'source:3M,720p:2.5M')" == $'0 source 3000k\n1 720p 2500k' ]] ||
  fail "--check of source:3M,720p:2.5M: $("$LADDER" --check --ladder 'source:3M,720p:2.5M')"
pass "bad ladders refused (64) with the entry named"

dir="$work/hls"
HLSMESH_TESTSRC_LADDER="$TEST_LADDER" spawn "$TESTSRC" "$dir" 2 6
listed3() { local r; for r in 0 1 2; do (($(segments "$dir/$r/stream.m3u8" | wc -l) >= 4)) || return 1; done; }
wait_for 60 listed3 || fail "the ladder did not list 4 segments in every rendition within 60 s"

master="$dir/stream.m3u8"
[[ $(grep -c '^#EXT-X-STREAM-INF' "$master") == 3 ]] || fail "master has not 3 variants: $(cat "$master")"
for want in 'RESOLUTION=640x360,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"' \
            'RESOLUTION=426x240,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"' \
            'RESOLUTION=256x144,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"'; do
  grep -Eq "$want" "$master" || fail "master lacks $want: $(cat "$master")"
done
for r in 0 1 2; do
  grep -qx "$r/stream.m3u8" "$master" || fail "master does not list $r/stream.m3u8"
  ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$dir/$r/stream.m3u8" | grep . | sort -u | tr '\n' ' ' |
    grep -q '^aac h264 $' || fail "ffprobe did not read H.264 + AAC from rendition $r"
  segments "$dir/$r/stream.m3u8" | grep -Evq '^seg-[0-9]{13}-[0-9]+\.ts$' &&
    fail "rendition $r has a segment name without the run part: $(segments "$dir/$r/stream.m3u8")"
done
pass "master: 3 variants with RESOLUTION and CODECS; ffprobe reads H.264 + AAC in each"

check_aligned "$dir" 3 3
pass "the last 3 MSNs start on a keyframe at the same PTS in all 3 renditions"
