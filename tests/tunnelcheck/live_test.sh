#!/usr/bin/env bash
# Live tests: real ffmpeg HLS segments served by server.mjs (a good mode and
# modes that misbehave on purpose), a real bittorrent-tracker, then the
# live_cases.txt table plus checks of output formats, redaction and --timeout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# 12 s of real H.264/AAC in 2 s MPEG-TS segments, as ffmpeg's HLS muxer writes them.
mkdir "$tmp/seg"
ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=44100 \
  -t 12 -c:v libx264 -preset ultrafast -g 50 -keyint_min 50 -sc_threshold 0 -c:a aac -b:a 64k \
  -f hls -hls_time 2 -hls_list_size 0 -hls_segment_filename "$tmp/seg/seg%d.ts" "$tmp/seg/out.m3u8"

wait_port() {  # file → port, within 15 s
  for _ in $(seq 150); do [[ -s "$1" ]] && { head -1 "$1"; return; }; sleep 0.1; done
  echo "server did not start: $(cat "$1.err" 2>/dev/null)" >&2; exit 1
}
node "$here/server.mjs" --dir "$tmp/seg" --td 2 --window 60 --lifetime 280 >"$tmp/port" 2>"$tmp/port.err" &
pids+=($!)
node "$here/tracker.mjs" 280 >"$tmp/tport" 2>"$tmp/tport.err" &
pids+=($!)
port=$(wait_port "$tmp/port")
tport=$(wait_port "$tmp/tport")
dead=$(free_port)
base="http://127.0.0.1:$port"
cat >"$tmp/live-origins.yml" <<YML
tunnel: t
ingress:
  - hostname: tv.example.com
    path: ^/live/
    service: http://127.0.0.1:$port
  - hostname: tv.example.com
    service: http://127.0.0.1:$dead
  - service: http_status:404
YML

JOBS=4 bash "$here/run_cases.sh" "$here/live_cases.txt" BASE="$base" HP="127.0.0.1:$port" WS="ws://127.0.0.1:$tport" \
  DEAD="$dead" T="$tmp" || fail=1

# Nagios: one status line "TUNNELCHECK STATE - … | perfdata", exit code agrees.
set +e
"$bin" --format nagios probe "$base/good/live.m3u8" --cdn-host "127.0.0.1:$port" --no-update >"$tmp/nagios.ok"; rc_ok=$?
"$bin" --format nagios probe "$base/nocors/live.m3u8" --cdn-host "127.0.0.1:$port" --origin https://viewer.example --no-update >"$tmp/nagios.bad"; rc_bad=$?
set -e
check "nagios OK line + perfdata, exit 0" bash -c "[[ $rc_ok == 0 ]] && head -1 '$tmp/nagios.ok' | grep -Eq \"^TUNNELCHECK OK - .*\\| .*'hls_segments'=60;;;;\""
check "nagios CRITICAL line names the problem, exit 2" bash -c "[[ $rc_bad == 2 ]] && head -1 '$tmp/nagios.bad' | grep -Eq '^TUNNELCHECK CRITICAL - .*Access-Control-Allow-Origin.*\\| '"

# Prometheus: blackbox-style probe_success and friends.
set +e
"$bin" --format prom probe "$base/good/live.m3u8" --cdn-host "127.0.0.1:$port" --no-update >"$tmp/prom.ok"
"$bin" --format prom probe "$base/cf530/live.m3u8" >"$tmp/prom.bad"
set -e
check "prom: probe_success 1 and segment metrics on a good stream" \
  bash -c "grep -qx 'probe_success 1' '$tmp/prom.ok' && grep -qx 'probe_http_status_code 200' '$tmp/prom.ok' && grep -qx 'hls_segments 60' '$tmp/prom.ok' && grep -q '^# TYPE probe_duration_seconds gauge' '$tmp/prom.ok'"
check "prom: probe_success 0 and status 530 on a downed tunnel" \
  bash -c "grep -qx 'probe_success 0' '$tmp/prom.bad' && grep -qx 'probe_http_status_code 530' '$tmp/prom.bad' && grep -q 'tunnelcheck_finding{code=\"cf-tunnel-down\",severity=\"critical\"} 1' '$tmp/prom.bad'"

# Text: one line per finding, severity first, then the summary line.
set +e
"$bin" probe "$base/no206/live.m3u8" --cdn-host "127.0.0.1:$port" --no-update >"$tmp/text" 2>&1
set -e
check "text: 'CRITICAL range-ignored URL: message — fix: …' and a summary" \
  bash -c "grep -Eq '^CRITICAL range-ignored http://127.0.0.1:$port/no206/seg[0-9]+\\.ts: .* — fix: ' '$tmp/text' && tail -1 '$tmp/text' | grep -q '^tunnelcheck CRITICAL: 1 critical'"

# No credentials or query secrets in any output (also in the RFC checker's
# messages, which quote segment URIs as written).
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg1.ts?token=hunter2xyz\n#EXTINF:2,\nseg1.ts?token=hunter2xyz\n' >"$tmp/signed.m3u8"
for fmt in text json nagios prom; do
  "$bin" --format "$fmt" lint "$tmp/signed.m3u8" >"$tmp/secret.$fmt" 2>&1 || true
  "$bin" --format "$fmt" probe "http://viewer:s3cretpass@127.0.0.1:$port/cf404/live.m3u8?token=hunter2xyz" >>"$tmp/secret.$fmt" 2>&1 || true
  "$bin" --format "$fmt" probe "http://viewer:s3cretpass@127.0.0.1:$port/good/live.m3u8?token=hunter2xyz" --cdn-host "127.0.0.1:$port" --no-update >>"$tmp/secret.$fmt" 2>&1 || true
  marker='\*\*\*'; [[ $fmt == prom ]] && marker='probe_success'  # prom carries no URLs at all
  check "no secret in $fmt output" bash -c "! grep -Eq 's3cretpass|hunter2xyz' '$tmp/secret.$fmt' && grep -q '$marker' '$tmp/secret.$fmt'"
done

# --timeout is a bound on the whole run: a server that hangs, 2 s budget.
start=$(date +%s%N)
"$bin" --format prom --timeout 2 probe "$base/slow/live.m3u8" >"$tmp/slow" || true
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "--timeout 2 against a hanging server: internal duration ≤ 2 s (wall $ms ms incl. process start)" \
  bash -c "awk '/^probe_duration_seconds /{exit !(\$2 <= 2.0)}' '$tmp/slow' && (( $ms < 4000 ))"

# Segment PTS durations of real ffmpeg output match EXTINF within 10 ms.
"$bin" --format prom probe "$base/good/live.m3u8" --cdn-host "127.0.0.1:$port" --segments all --no-update >"$tmp/dur" || true
check "PTS-measured durations of ffmpeg segments match EXTINF (worst error < 0.01 s)" \
  bash -c "awk '/^hls_duration_error_seconds /{found=1; exit !(\$2 < 0.01)} END{exit !found}' '$tmp/dur' && grep -qx 'tunnelcheck_segments_checked 60' '$tmp/dur'"

exit $fail
