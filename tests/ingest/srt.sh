#!/usr/bin/env bash
# OBS → hlsmesh over SRT: scripts/hlsmesh-origin with HLSMESH_INGEST=srt://...
# (ffmpeg's libsrt listener, the key as passphrase). A wrong passphrase fails
# the handshake and nothing is written; the right one publishes 3 aligned
# renditions, with the passphrase on no command line; a publisher that does
# not come back within HLSMESH_INGEST_TIMEOUT ends every published playlist
# with EXT-X-ENDLIST; one back after that continues it live after one
# discontinuity, every segment of its run published from the first.
source "$(dirname "$0")/lib.sh"
ffmpeg -hide_banner -protocols 2>/dev/null | grep -qx ' *srt' || fail "this ffmpeg has no SRT (libsrt): Debian's ffmpeg has"

key=$(random_key srtk3y)
srt_port="$(free_port)"
start_origin "srt://127.0.0.1:$srt_port" 8 "SRT listener on 127.0.0.1:$srt_port"

# obs SECONDS PASSPHRASE: publish like OBS over SRT (MPEG-TS).
obs() { publish_like_obs "$1" mpegts "srt://127.0.0.1:$srt_port?passphrase=$2&pbkeylen=16"; }

expect_refused "wrong-$key" "$work/wrong.err" "a publisher with a wrong passphrase"
sleep 2
[[ -z "$(find "$work/state/ingest" "$live" -name '*.ts' 2>/dev/null)" ]] ||
  fail "something was written from a refused publisher: $(find "$work/state" -name '*.ts')"
pass "wrong passphrase refused (ffmpeg status $rc), nothing written"

(obs 300 "$key") 2>"$work/obs.err" &
obs_pid=$!; started_pids+=("$obs_pid")
wait_for 60 media 4 || fail "the pipeline did not publish 4 segments in each of 3 renditions within 60 s"
[[ $(grep -c '^#EXT-X-STREAM-INF' "$live/stream.m3u8") == 3 ]] || fail "master has not 3 variants: $(cat "$live/stream.m3u8")"
check_aligned_published 3 "$live/0.m3u8" "$live/1.m3u8" "$live/2.m3u8"
pass "SRT: 3 renditions published, aligned"
check_key_off_cmdlines "$key" "$origin_pid" ffmpeg
pass "the passphrase is in no command line of the origin's processes (the SRT listener's ffmpeg included)"

kill -TERM "$obs_pid"; wait "$obs_pid" 2>/dev/null || true
ended() { local r; for r in 0 1 2; do [[ "$(tail -n 1 "$live/$r.m3u8")" == "#EXT-X-ENDLIST" ]] || return 1; done; }
wait_for 30 ended || fail "the published playlists did not end within 30 s of the publisher leaving (timeout 8 s)"
grep -q "no publisher for 8s: ending the stream" "$work/origin.log" || fail "the end is not logged"
for r in 0 1 2; do
  (($(grep -c '^#EXT-X-ENDLIST' "$live/$r.m3u8") == 1)) || fail "$live/$r.m3u8 has not one ENDLIST"
  grep -q '^#EXT-X-DISCONTINUITY$' "$live/$r.m3u8" && fail "$live/$r.m3u8 has a discontinuity in a single publish"
done
! grep -qF -- "$key" "$work/origin.log" || fail "the stream key appears in the origin's log"
pass "publisher gone for the timeout: every published playlist ends with EXT-X-ENDLIST; key not logged"

# A publisher back after the end: the playlists go live again after one discontinuity.
(obs 300 "$key") 2>"$work/obs2.err" &
started_pids+=("$!")
live_again() { local r; for r in 0 1 2; do ! grep -q '^#EXT-X-ENDLIST' "$live/$r.m3u8" &&
  (($(sed -n '/^#EXT-X-DISCONTINUITY$/,$p' "$live/$r.m3u8" | segments /dev/stdin | wc -l) >= 2)) || return 1; done; }
wait_for 60 live_again || fail "the playlists did not go live again within 60 s of a new publisher: $(cat "$live/0.m3u8")"
for r in 0 1 2; do
  [[ $(grep -c '^#EXT-X-DISCONTINUITY$' "$live/$r.m3u8") == 1 ]] || fail "$live/$r.m3u8 has not one discontinuity: $(cat "$live/$r.m3u8")"
  [[ $(awk -F: '/^#EXT-X-MEDIA-SEQUENCE/ {print $2}' "$live/$r.m3u8") == 0 ]] || fail "$live/$r.m3u8: the media sequence was reset"
done
# Nothing of the new run lost: in every rendition the segments after the
# discontinuity are the new run's from its first (N = 0), without a gap.
for r in 0 1 2; do
  new_n=$(sed -n '/^#EXT-X-DISCONTINUITY$/,$p' "$live/$r.m3u8" | numbers)
  [[ "$new_n" == "$(seq -s ' ' 0 $(($(wc -w <<<"$new_n") - 1))) " ]] ||
    fail "$live/$r.m3u8: the new run's segments after the discontinuity are '$new_n', not 0, 1, ...: $(cat "$live/$r.m3u8")"
done
! grep -q 'is NOT listed' "$work/origin.log" || fail "m3u8roll refused segments: $(grep 'is NOT listed' "$work/origin.log")"
pass "a publisher back after the end: the stream goes on live after one discontinuity, from the new run's first segment"
kill -TERM "$origin_pid"
rc=0; wait "$origin_pid" || rc=$?
[[ $rc == 0 ]] || fail "hlsmesh-origin exited $rc on SIGTERM"
