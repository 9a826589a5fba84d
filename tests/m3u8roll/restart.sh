#!/usr/bin/env bash
# Restarts, with real ffmpeg output: m3u8roll is stopped and started again
# mid-stream (resuming from its own playlist, or from --state), then the
# encoder restarts (new segment names, source MSN back to 0, flagged as a
# discontinuity as hlswatch does). MEDIA-SEQUENCE must keep rising with no
# MSN ever changing URI, the restart must carry EXT-X-DISCONTINUITY, the
# DISCONTINUITY-SEQUENCE must follow it out of the window, and every
# playlist written must play in ffmpeg.
source "$(dirname "$0")/lib.sh"

make_hls "$T/www/src" 10
playlist_events "$T/www/src" >"$T/a.jsonl"
head -6 "$T/a.jsonl" >"$T/a1.jsonl"
tail -n +7 "$T/a.jsonl" >"$T/a2.jsonl"
# The encoder restarts: same directory, new names, MSN from 0 again. Its
# timestamps continue a little after the first run's: ffmpeg, our player here,
# does not reset its timeline at EXT-X-DISCONTINUITY (hls.js does), and its
# -c copy path mangles timestamp jumps, whatever the playlist says.
make_hls "$T/www/src" 10 -output_ts_offset 12 -hls_segment_filename "$T/www/src/b%d.ts"
playlist_events "$T/www/src" '"discontinuity":true' >"$T/b.jsonl"
start_http "$T/www"
base="http://127.0.0.1:$HTTP_PORT"

for mode in playlist state; do
  SNAP_K=0
  args=(--out "$T/www/$mode/{rendition}.m3u8" --window 8 --base-url "$base/src")
  [[ $mode == state ]] && args+=(--state "$T/$mode.state.json")
  snaps="$T/www/snap-$mode"
  run_roll_snapshots "$T/a1.jsonl" "$snaps" -- "${args[@]}"
  before="$(ls "$snaps" | wc -l)"
  run_roll_snapshots "$T/a2.jsonl" "$snaps" -- "${args[@]}"  # m3u8roll restarted
  first_after="$snaps/$(printf '%05d' "$before").m3u8"
  if [[ $mode == state ]]; then
    grep -q DISCONTINUITY$ "$first_after" && fail "--state resume must not invent a discontinuity: $(cat "$first_after")"
  else
    # Without --state the source position is unknown: marked, to be safe.
    grep -B2 "stream6.ts" "$first_after" | grep -q '^#EXT-X-DISCONTINUITY$' ||
      fail "resume from the playlist should mark the first new segment: $(cat "$first_after")"
  fi
  restart_at="$(ls "$snaps" | wc -l)"
  run_roll_snapshots "$T/b.jsonl" "$snaps" -- "${args[@]}"  # encoder restarted
  check_snapshots "$snaps" "$base"
  first_b="$snaps/$(printf '%05d' "$restart_at").m3u8"
  grep -B1 "/src/b0.ts" "$first_b" | grep -q '^#EXTINF' || fail "b0.ts not listed"
  grep -B2 "/src/b0.ts" "$first_b" | grep -q '^#EXT-X-DISCONTINUITY$' || fail "no DISCONTINUITY before b0.ts: $(cat "$first_b")"
  final="$T/www/$mode/0.m3u8"
  # 20 segments in all, 8 kept: MSN 12..19; b0.ts is MSN 10, so its
  # DISCONTINUITY (and, in playlist mode, the resume one) scrolled out.
  [[ "$(media_sequence "$final")" == 12 ]] || fail "$mode: MEDIA-SEQUENCE $(media_sequence "$final"), expected 12"
  want_dsn=1
  [[ $mode == playlist ]] && want_dsn=2
  grep -qx "#EXT-X-DISCONTINUITY-SEQUENCE:$want_dsn" "$final" || fail "$mode: DSN should be $want_dsn: $(head -6 "$final")"
  pass "$mode resume + encoder restart: MSN 0→12 monotonic, DSN $want_dsn"
done
