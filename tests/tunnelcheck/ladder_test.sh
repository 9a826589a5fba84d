#!/usr/bin/env bash
# `tunnelcheck probe` across the renditions of a master, on real ffmpeg
# ladders served over HTTP: one ffmpeg run encodes a 3-rendition ladder with
# keyframes forced on the 2 s boundary (aligned) plus a 4th rendition with a
# 3 s GOP and no forced keyframes (misaligned), laid out as Owncast does
# (DIR/0, DIR/1, DIR/2). Masters declare the measured bitrates, or lie on
# purpose (BANDWIDTH=1, low AVERAGE-BANDWIDTH, an EXTINF that lies, MSNs
# that do not overlap); ladder_cases.txt says what each must report.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

enc=$tmp/enc
mkdir -p "$enc"/{0,1,2,2g}
hls() {  # output options for one rendition directory
  echo -f hls -hls_time 2 -hls_list_size 0 -hls_flags independent_segments -hls_segment_filename "$enc/$1/seg%d.ts" "$enc/$1/stream.m3u8"
}
forced=(-force_key_frames "expr:gte(t,n_forced*2)" -sc_threshold 0)
x264=(-c:v libx264 -preset ultrafast -profile:v high -level 3.0 -c:a aac -b:a 64k)
# shellcheck disable=SC2046
ffmpeg -hide_banner -loglevel error -t 24 -f lavfi -i testsrc2=size=640x360:rate=25 -t 24 -f lavfi -i sine=frequency=440:sample_rate=44100 \
  -filter_complex "[0:v]split=4[a][b][c][d];[b]scale=426:240[b2];[c]scale=256:144[c2];[d]scale=256:144[d2]" \
  -map "[a]" -map 1:a "${x264[@]}" -b:v 900k "${forced[@]}" $(hls 0) \
  -map "[b2]" -map 1:a "${x264[@]}" -b:v 400k "${forced[@]}" $(hls 1) \
  -map "[c2]" -map 1:a "${x264[@]}" -b:v 150k "${forced[@]}" $(hls 2) \
  -map "[d2]" -map 1:a "${x264[@]}" -b:v 150k -g 75 -keyint_min 75 -sc_threshold 0 $(hls 2g)

# peak and average bit/s of a rendition: bytes*8/EXTINF per segment.
measure() {  # dir → "peak average"
  awk -v d="$1" '/^#EXTINF:/{split(substr($0,9),a,","); dur=a[1]; next}
    /^[^#]/{cmd="stat -c %s " d "/" $0; cmd | getline b; close(cmd); r=b*8/dur; if(r>peak)peak=r; bytes+=b; secs+=dur}
    END{printf "%d %d\n", peak+1, bytes*8/secs}' "$1/stream.m3u8"
}
master() {  # name, then per rendition "dir:BANDWIDTH:AVERAGE:RESOLUTION"
  local out=$tmp/www/$1; shift
  mkdir -p "$out"
  { echo '#EXTM3U'; echo '#EXT-X-VERSION:3'; echo '#EXT-X-INDEPENDENT-SEGMENTS'
    local i=0
    for r in "$@"; do
      IFS=: read -r dir bw avg res <<<"$r"
      ln -sfn "$enc/$dir" "$out/$i"
      echo "#EXT-X-STREAM-INF:BANDWIDTH=$bw,AVERAGE-BANDWIDTH=$avg,RESOLUTION=$res,CODECS=\"avc1.64001e,mp4a.40.2\""
      echo "$i/stream.m3u8"; i=$((i + 1))
    done; } >"$out/master.m3u8"
}
read -r p0 a0 < <(measure "$enc/0"); read -r p1 a1 < <(measure "$enc/1")
read -r p2 a2 < <(measure "$enc/2"); read -r pg ag < <(measure "$enc/2g")
echo "measured peak/average bit/s: 0: $p0/$a0, 1: $p1/$a1, 2: $p2/$a2, 2g: $pg/$ag"
master aligned "0:$p0:$a0:640x360" "1:$p1:$a1:426x240" "2:$p2:$a2:256x144"
master misaligned "0:$p0:$a0:640x360" "1:$p1:$a1:426x240" "2g:$pg:$ag:256x144"
master bw1 "0:1:1:640x360" "1:$p1:$a1:426x240" "2:$p2:$a2:256x144"
master avglow "0:$p0:$((a0 / 2)):640x360" "1:$p1:$a1:426x240" "2:$p2:$a2:256x144"
# An EXTINF that lies: the newest segment (always fetched) of rendition 1 says 1 s.
mkdir -p "$enc/1lie" && ln -s "$enc"/1/*.ts "$enc/1lie/"
tac "$enc/1/stream.m3u8" | awk '!done && /^#EXTINF:/{print "#EXTINF:1.000000,"; done=1; next} {print}' | tac >"$enc/1lie/stream.m3u8"
master extinf "0:$p0:$a0:640x360" "1lie:$p1:$a1:426x240" "2:$p2:$a2:256x144"
# MSNs that do not overlap: rendition 1 numbered from 1000.
mkdir -p "$enc/1far" && ln -s "$enc"/1/*.ts "$enc/1far/"
sed 's/^#EXT-X-MEDIA-SEQUENCE:.*/#EXT-X-MEDIA-SEQUENCE:1000/' "$enc/1/stream.m3u8" >"$enc/1far/stream.m3u8"
master disjoint "0:$p0:$a0:640x360" "1far:$p1:$a1:426x240"

port=$(free_port)
timeout 200 node "$here/../e2e/static-server.mjs" "$port" "$tmp/www" >"$tmp/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/aligned/master.m3u8" && break; sleep 0.1; done
base="http://127.0.0.1:$port"

JOBS=3 bash "$here/run_cases.sh" "$here/ladder_cases.txt" BASE="$base" HP="127.0.0.1:$port" || fail=1

# The misalignment names the MSN, both renditions and the offset (3 s GOP: segment 5 starts at 15 s, not 10 s).
"$bin" probe "$base/misaligned/master.m3u8" --cdn-host "127.0.0.1:$port" --min-segments 0 --no-update >"$tmp/mis.txt" || true
check "misaligned: 'MSN 7 starts at PTS … in 2/stream.m3u8 but … in 0/stream.m3u8 (7.000 s apart'" \
  grep -Eq '^CRITICAL renditions-misaligned .*MSN 7 starts at PTS [0-9.]+ s in 2/stream.m3u8 but [0-9.]+ s in 0/stream.m3u8 \(7\.000 s apart, one frame is 0\.040 s\); 3 of 3' "$tmp/mis.txt"
check "misaligned: the aligned rendition 1 is not flagged" bash -c "! grep -q 'renditions-misaligned .*1/stream.m3u8' '$tmp/mis.txt'"

# Prometheus: per-rendition offsets, declared and measured bitrates; fetches bounded.
"$bin" --format prom probe "$base/aligned/master.m3u8" --cdn-host "127.0.0.1:$port" --min-segments 0 --no-update >"$tmp/ok.prom"
check "prom: every rendition's offset is 0 s on the aligned ladder" \
  bash -c "[[ \$(grep -c '^hls_rendition_offset_seconds{playlist=\"[12]/stream.m3u8\"} 0$' '$tmp/ok.prom') == 2 ]]"
check "prom: declared BANDWIDTH $p0 and the measured average per rendition" \
  bash -c "grep -qx 'hls_declared_bandwidth_bps{playlist=\"0/stream.m3u8\"} $p0' '$tmp/ok.prom' && grep -q '^hls_average_bitrate_bps{playlist=\"2/stream.m3u8\"} [1-9]' '$tmp/ok.prom'"
# 12 segments per rendition; at most newest + oldest + 3 sampled + 3 aligned are fetched, each with a Range GET.
check "fetches bounded: ≤ 1 + 3 × (1 + 2 × 8) requests for 3 renditions of 12 segments" \
  awk '/^tunnelcheck_requests /{found=1; print "    requests: " $2; exit !($2 <= 52)} END{exit !found}' "$tmp/ok.prom"
exit $fail
