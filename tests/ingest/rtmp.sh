#!/usr/bin/env bash
# OBS → hlsmesh over RTMP, end to end: scripts/hlsmesh-origin with
# HLSMESH_INGEST=rtmp://... (nginx's RTMP module, the key checked by
# on_publish) and a 3-rendition ladder. ffmpeg publishes as OBS does (FLV,
# H.264 + AAC, 2 s keyframes). A wrong key is refused, logged without the
# key, and publishes nothing; the master lists 3 renditions that ffprobe
# reads, aligned (same MSN → same PTS); tunnelcheck probe passes; a second
# publisher is refused; the publisher leaves for 5 s and comes back: one
# EXT-X-DISCONTINUITY per rendition, the MSN goes on, no segment name reused.
source "$(dirname "$0")/lib.sh"
key=$(random_key k3y)
rtmp_port="$(free_port)"
start_origin "rtmp://127.0.0.1:$rtmp_port/live" 60 "RTMP on 127.0.0.1:$rtmp_port"

# obs SECONDS KEY: publish like OBS over RTMP (FLV).
obs() { publish_like_obs "$1" flv "rtmp://127.0.0.1:$rtmp_port/live/$2"; }

# A wrong key: refused at once, logged with the address and without the key.
expect_refused "wrong-$key" "$work/wrong.err" "a publisher with a wrong key"
wait_for 5 grep -q 'publisher from 127.0.0.1 refused: wrong stream key' "$work/origin.log" ||
  fail "the refusal is not logged"
sleep 3
[[ -z "$(find "$work/state/ingest" "$live" -name '*.ts' -o -name 'stream.m3u8' -path '*/ingest/*' 2>/dev/null)" ]] ||
  fail "something was published from a refused publisher: $(find "$work/state" -name '*.ts' -o -name '*.m3u8')"
pass "wrong key refused (ffmpeg status $rc), logged without the key, nothing published"

# The publisher, in the background for up to 5 minutes.
obs 300 "$key" 2>"$work/obs1.err" &
obs1=$!; started_pids+=("$obs1")
wait_for 60 media 4 || fail "the pipeline did not publish 4 segments in each of 3 renditions within 60 s"
kill -0 "$obs1" || fail "the publisher stopped: $(cat "$work/obs1.err")"

# A second publisher with the right key while the first is live: refused.
expect_refused "$key" "$work/second.err" "a second publisher"
grep -qi 'already publishing' "$work/second.err" || fail "the second publisher's error is not 'already publishing': $(cat "$work/second.err")"
kill -0 "$obs1" || fail "the first publisher was cut off by the second"
pass "a second publisher is refused (already publishing); the first goes on"
check_key_off_cmdlines "$key" "$origin_pid" ffmpeg
pass "the stream key is in no command line of the origin's processes (the encoder's ffmpeg included)"

master="$live/stream.m3u8"
[[ $(grep -c '^#EXT-X-STREAM-INF' "$master") == 3 ]] || fail "master has not 3 variants: $(cat "$master")"
for res in 640x360 426x240 256x144; do
  grep -E "RESOLUTION=$res" "$master" | grep -Eq 'CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"' ||
    fail "master has no $res variant with CODECS avc1 + mp4a: $(cat "$master")"
done
for r in 0 1 2; do
  ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$base/live/$r.m3u8" | grep . | sort -u | tr '\n' ' ' |
    grep -q '^aac h264 $' || fail "ffprobe did not read H.264 + AAC from $base/live/$r.m3u8"
done
pass "master: 3 renditions with RESOLUTION and CODECS; ffprobe reads each over HTTP"
check_aligned_published 3 "$live/0.m3u8" "$live/1.m3u8" "$live/2.m3u8"
pass "published MSNs start at the same PTS, on a keyframe, in all 3 renditions"

rc=0
"$bin/tunnelcheck" probe "$base/live/stream.m3u8" --cdn-host "127.0.0.1:$http_port" --min-segments 0 \
  >"$work/probe.txt" 2>&1 || rc=$?
[[ $rc == 0 ]] || fail "tunnelcheck probe on the master: status $rc: $(cat "$work/probe.txt")"
pass "tunnelcheck probe on the master: OK"

# The publisher leaves for 5 s and comes back.
before=$(segments "$live/0.m3u8" | tail -n 1)
kill -TERM "$obs1"; wait "$obs1" 2>/dev/null || true
sleep 5
obs 300 "$key" 2>"$work/obs2.err" &
started_pids+=("$!")
after_disc() { local r; for r in 0 1 2; do
  (($(sed -n '/^#EXT-X-DISCONTINUITY$/,$p' "$live/$r.m3u8" | segments /dev/stdin | wc -l) >= 3)) || return 1; done; }
wait_for 40 after_disc || fail "3 segments after a discontinuity were not published in each rendition within 60 s"
for r in 0 1 2; do
  pl="$live/$r.m3u8"
  [[ $(grep -c '^#EXT-X-DISCONTINUITY$' "$pl") == 1 ]] || fail "$pl has not exactly one discontinuity: $(cat "$pl")"
  grep -q '^#EXT-X-ENDLIST' "$pl" && fail "$pl ended although the publisher came back"
  msn=$(awk -F: '/^#EXT-X-MEDIA-SEQUENCE/ {print $2}' "$pl")
  ((msn == 0)) || fail "$pl: the window of 30 should still start at MSN 0, it starts at $msn"
  old_run=$(sed -n '/^#EXT-X-DISCONTINUITY$/q;/^[^#]/p' "$pl" | sed 's/.*seg-\([0-9]*\)-.*/\1/' | sort -u)
  new_run=$(sed -n '/^#EXT-X-DISCONTINUITY$/,$p' "$pl" | grep -v '^#' | sed 's/.*seg-\([0-9]*\)-.*/\1/' | sort -u)
  [[ $(wc -l <<<"$old_run") == 1 && $(wc -l <<<"$new_run") == 1 && "$old_run" != "$new_run" ]] ||
    fail "$pl: segment names before ($old_run) and after ($new_run) the discontinuity must carry one run each, different"
done
grep -qxF "$before" "$live/0.m3u8" || fail "the last segment before the disconnect ($before) left the playlist"
# Nothing lost on either side: the encoder's numbers run on without a gap,
# from 0 again after the discontinuity (the flushed last segment included).
old_n=$(sed -n '/^#EXT-X-DISCONTINUITY$/q;/^[^#]/p' "$live/0.m3u8" | numbers)
new_n=$(sed -n '/^#EXT-X-DISCONTINUITY$/,$p' "$live/0.m3u8" | numbers)
[[ "$old_n" == "$(seq -s ' ' 0 $(($(wc -w <<<"$old_n") - 1))) " ]] || fail "segments before the discontinuity are not 0..n: $old_n"
[[ "$new_n" == "$(seq -s ' ' 0 $(($(wc -w <<<"$new_n") - 1))) " ]] || fail "segments after the discontinuity are not 0..n: $new_n"
check_aligned_published 2 "$live/0.m3u8" "$live/1.m3u8" "$live/2.m3u8"
pass "reconnect after 5 s: one EXT-X-DISCONTINUITY per rendition, MSN continues, new segment names, aligned"

! grep -qF -- "$key" "$work/origin.log" || fail "the stream key appears in the origin's log"
kill -TERM "$origin_pid"
rc=0; wait "$origin_pid" || rc=$?
[[ $rc == 0 ]] || fail "hlsmesh-origin exited $rc on SIGTERM"
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$rtmp_port") 2>/dev/null; }
! listening || fail "something still listens on the RTMP port after the origin stopped"
for p in /proc/[0-9]*; do
  tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$work/state/ingest/%v" && fail "an encoder is left running: $(tr '\0' ' ' <"$p/cmdline")"
done
pass "the key never appears in the logs; SIGTERM stops the origin and the RTMP listener"
