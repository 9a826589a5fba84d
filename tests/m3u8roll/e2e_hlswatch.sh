#!/usr/bin/env bash
# The issue's "Done when", end to end with real parts:
#   ffmpeg … -f hls DIR/stream.m3u8 & hlswatch DIR | m3u8roll --out out.m3u8 --base-url URL
# ffmpeg (1 s segments, 8× real time via -readrate) is killed mid-stream and
# started again; m3u8roll must keep a 60-segment playlist whose MSN never goes
# back and never changes URI, with EXT-X-DISCONTINUITY at the restart, and
# which ffmpeg plays from its first segment over HTTP.
source "$(dirname "$0")/lib.sh"

dir="$T/www/live"
mkdir -p "$dir" "$T/www/out" "$T/www/snap"
start_http "$T/www"
base="http://127.0.0.1:$HTTP_PORT"
out="$T/www/out/out.m3u8"

mkfifo "$T/pipe"
hlswatch "$dir" >"$T/pipe" 2>"$T/watch.err" &
started_pids+=($!)
watch_pid=$!
m3u8roll --out "$out" --base-url "$base/live" <"$T/pipe" >"$T/roll.out" 2>"$T/roll.err" &
started_pids+=($!)
roll_pid=$!

# Snapshots of every version of out.m3u8 a player could have fetched.
(
  last="" n=0
  while :; do
    if [[ -f "$out" ]]; then
      cur="$(cat "$out")"
      if [[ "$cur" != "$last" ]]; then
        printf '%s\n' "$cur" >"$T/www/snap/$(printf '%05d' $n).m3u8"
        n=$((n + 1))
        last="$cur"
      fi
    fi
    sleep 0.05
  done
) &
started_pids+=($!)
snap_pid=$!

listed() { grep -c '"event":"segment".*"playlist_msn"' "$T/roll.out" 2>/dev/null || true; }
wait_listed() {
  local want="$1" i
  for i in $(seq 1 600); do
    (($(listed) >= want)) && return 0
    kill -0 "$roll_pid" 2>/dev/null || fail "m3u8roll died: $(tail -3 "$T/roll.err")"
    sleep 0.1
  done
  fail "only $(listed) segments listed, wanted $want: $(tail -3 "$T/watch.err") $(tail -3 "$T/roll.err")"
}
encoder() {  # encoder NAME_PATTERN TS_OFFSET
  ffmpeg -nostdin -v error -readrate 8 -f lavfi -i "testsrc2=size=320x180:rate=25" \
    -readrate 8 -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -c:v libx264 -preset ultrafast -g 25 -keyint_min 25 -sc_threshold 0 -c:a aac -b:a 64k \
    -output_ts_offset "$2" -f hls -hls_time 1 -hls_list_size 20 -hls_segment_filename "$dir/$1" "$dir/stream.m3u8" &
  started_pids+=($!)
  ffmpeg_pid=$!
}

sleep 0.3
encoder 'a%d.ts' 0
wait_listed 30
kill -KILL "$ffmpeg_pid"
wait "$ffmpeg_pid" 2>/dev/null || true
first_run=$(listed)
sleep 0.5
# The restarted encoder: MSN from 0 again, new names (as Owncast's new stream
# id, or ffmpeg -strftime), timestamps a little past the first run's end:
# ffmpeg, the player here, does not reset its timeline at EXT-X-DISCONTINUITY
# (hls.js does), and its -c copy path mangles jumps of more than 10 s.
encoder 'b%d.ts' $(($(ls "$dir"/a*.ts | wc -l) + 3))
wait_listed $((first_run + 40))
kill -KILL "$ffmpeg_pid"
wait "$ffmpeg_pid" 2>/dev/null || true
sleep 0.5
kill "$snap_pid"
total=$(listed)

[[ "$(grep -c '^#EXTINF' "$out")" == 60 ]] || fail "window is $(grep -c '^#EXTINF' "$out") segments, not 60"
[[ "$(media_sequence "$out")" == $((total - 60)) ]] || fail "MEDIA-SEQUENCE $(media_sequence "$out") after $total segments"
grep -qx '#EXT-X-TARGETDURATION:1' "$out" || fail "TARGETDURATION is not ffmpeg's 1"
grep -B2 "^$base/live/b0.ts\$" "$out" | grep -qx '#EXT-X-DISCONTINUITY' || fail "no DISCONTINUITY before b0.ts: $(cat "$out")"
grep -v '^#' "$out" | grep -vq "^$base/live/[ab][0-9]*.ts\$" && fail "a URI is not a CDN URL: $(grep -v '^#' "$out")"
grep -q ENDLIST "$out" && fail "live playlist has ENDLIST"
# playlist_msn of the listed segments: 0, 1, 2, … with no gap and no repeat.
msns="$(sed -n 's/.*"event":"segment".*"playlist_msn":\([0-9]*\).*/\1/p' "$T/roll.out" | tr '\n' ' ')"
[[ "$msns" == "$(seq -s ' ' 0 $((total - 1))) " ]] || fail "playlist_msn sequence: $msns"
[[ "$(grep -c '"event":"expire"' "$T/roll.out")" == $((total - 60)) ]] || fail "expire events != $((total - 60))"
grep -q 'NOT listed' "$T/roll.err" && fail "segments were refused: $(grep 'NOT listed' "$T/roll.err")"
check_snapshots "$T/www/snap" "$base" 15
kill -0 "$watch_pid" || fail "hlswatch exited"
pass "hlswatch | m3u8roll: $first_run + $((total - first_run)) segments across an encoder restart, 60-segment window from MSN $((total - 60)), plays"
