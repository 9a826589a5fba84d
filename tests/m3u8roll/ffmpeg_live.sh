#!/usr/bin/env bash
# Real ffmpeg HLS output (MPEG-TS, 1 s segments) → segment events → m3u8roll
# with an 8-segment window and a master playlist. Every playlist it writes
# must play in ffmpeg over HTTP without errors; MSN monotonic; expire events
# for what left the window; BANDWIDTH measured from the real segment sizes.
source "$(dirname "$0")/lib.sh"

make_hls "$T/www/src" 24
playlist_events "$T/www/src" >"$T/events.jsonl"
nseg="$(grep -c '"event":"segment"' "$T/events.jsonl")"
((nseg >= 22)) || fail "ffmpeg wrote only $nseg segments"
start_http "$T/www"
base="http://127.0.0.1:$HTTP_PORT"

run_roll_snapshots "$T/events.jsonl" "$T/www/snap" -- \
  --out "$T/www/out/{stream}/{rendition}.m3u8" --master "$T/www/out/{stream}/master.m3u8" \
  --window 8 --base-url "$base/src"
check_snapshots "$T/www/snap" "$base"

out="$T/www/out/live/0.m3u8"
grep -q "^$base/src/stream$((nseg - 1)).ts\$" "$out" || fail "the newest segment is not listed last"
[[ "$(grep -c '^#EXTINF' "$out")" == 8 ]] || fail "window is not 8 segments: $(cat "$out")"
[[ "$(media_sequence "$out")" == $((nseg - 8)) ]] || fail "MEDIA-SEQUENCE is not $((nseg - 8))"
grep -q ENDLIST "$out" && fail "a live playlist must not have ENDLIST"

# Pass-through: every input line comes out, in order, with playlist_msn added.
[[ "$(grep -c '"event":"segment"' "$T/roll.out")" == "$nseg" ]] || fail "segment events were lost"
[[ "$(grep -c '"event":"expire"' "$T/roll.out")" == $((nseg - 8)) ]] || fail "expected $((nseg - 8)) expire events"
grep -m1 '"event":"expire"' "$T/roll.out" | grep -q '"uri":"stream0.ts"' || fail "first expire is not stream0.ts"
grep -m1 '"event":"expire"' "$T/roll.out" | grep -q '"expire_after":9.0,' || fail "expire_after is not 1 s + 8 s"

# Master: BANDWIDTH = peak of the window's real segment bitrates.
master="$T/www/out/live/master.m3u8"
bw="$(sed -n 's/.*BANDWIDTH=\([0-9]*\),AVERAGE-BANDWIDTH=\([0-9]*\).*/\1 \2/p' "$master")"
read -r peak avg <<<"$bw"
want_peak=0
for i in $(seq $((nseg - 8)) $((nseg - 1))); do
  b=$(($(stat -c %s "$T/www/src/stream$i.ts") * 8))
  ((b > want_peak)) && want_peak=$b
done
# ffmpeg's EXTINF are 1.000000 here, so the peak bitrate is the largest size × 8.
[[ "$peak" == "$want_peak" ]] || fail "BANDWIDTH $peak, expected the peak $want_peak: $(cat "$master")"
((avg > 10000 && avg <= peak)) || fail "AVERAGE-BANDWIDTH $avg implausible"
grep -q '^0.m3u8$' "$master" || fail "master does not point at 0.m3u8"
plays "$base/out/live/master.m3u8" 5
pass "ffmpeg live TS: $nseg segments, window 8, BANDWIDTH=$peak AVERAGE-BANDWIDTH=$avg"
