# Helpers for m3u8roll's integration scripts (sourced). Everything lives in a
# mktemp dir ($T) removed at exit (KEEP_TMP=1 keeps it); only processes
# started here are killed (tests/lib/script.sh).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
script_init m3u8roll-it
T="$work"

# start_http ROOT: a static HTTP server (the "CDN") on 127.0.0.1 and a free
# port chosen by the kernel; sets HTTP_PORT.
start_http() {
  local root="$1" log="$T/http.log"
  python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$root" >"$log" 2>&1 &
  started_pids+=($!)
  local i
  for i in $(seq 1 100); do
    HTTP_PORT="$(sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' "$log" | head -1)"
    [[ -n "$HTTP_PORT" ]] && return 0
    sleep 0.1
  done
  fail "the HTTP server did not start: $(cat "$log")"
}

# make_hls DIR SECONDS [ffmpeg hls options...]: real ffmpeg HLS output of
# testsrc2 + a sine tone, 1 s segments (GOP 25 at 25 fps), as fast as it can.
make_hls() {
  local dir="$1" seconds="$2"
  shift 2
  mkdir -p "$dir"
  ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=320x180:rate=25" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -t "$seconds" -c:v libx264 -preset ultrafast -g 25 -keyint_min 25 -sc_threshold 0 -c:a aac -b:a 64k \
    -f hls -hls_time 1 -hls_list_size 0 "$@" "$dir/stream.m3u8"
}

# playlist_events DIR [EXTRA_JSON]: a `segment` event (DESIGN.md fields) per
# segment of DIR/stream.m3u8, as hlswatch would emit them; an `init` event
# before the first segment of an fMP4 stream. EXTRA_JSON (e.g.
# '"discontinuity":true') goes on the first segment only.
playlist_events() {
  local dir="$1" extra="${2:-}"
  awk '
    /^#EXT-X-TARGETDURATION:/ { split($0, a, ":"); td = a[2] }
    /^#EXT-X-MEDIA-SEQUENCE:/ { split($0, a, ":"); msn = a[2] }
    /^#EXT-X-MAP:/ { match($0, /URI="[^"]*"/); map = substr($0, RSTART + 5, RLENGTH - 6) }
    /^#EXTINF:/ { sub(/^#EXTINF:/, ""); split($0, a, ","); dur = a[1]; next }
    /^[^#]/ { print msn "|" dur "|" $0 "|" map "|" td; msn++ }
  ' "$dir/stream.m3u8" | {
    local first=1 msn dur uri map td bytes init_done=""
    while IFS="|" read -r msn dur uri map td; do
      if [[ -n "$map" && -z "$init_done" ]]; then
        printf '{"event":"init","stream":"live","uri":"%s","path":"%s","bytes":%s}\n' \
          "$map" "$dir/$map" "$(stat -c %s "$dir/$map")"
        init_done=1
      fi
      bytes="$(stat -c %s "$dir/$uri")"
      printf '{"event":"segment","stream":"live","msn":%s,"uri":"%s","path":"%s","bytes":%s,"duration":%s,"target_duration":%s,"discontinuity":false%s%s}\n' \
        "$msn" "$uri" "$dir/$uri" "$bytes" "$dur" "$td" \
        "$([[ -n "$map" ]] && printf ',"map":"%s"' "$map")" \
        "$([[ -n "$first" && -n "$extra" ]] && printf ',%s' "$extra")"
      first=""
    done
  }
}

# plays URL: ffmpeg reads a (live) playlist from its first segment for
# SECONDS and copies every packet; any error message fails.
plays() {
  local url="$1" seconds="$2" err
  err="$(timeout 60 ffmpeg -nostdin -v error -live_start_index 0 -i "$url" -t "$seconds" -c copy -f null - 2>&1)" ||
    fail "ffmpeg could not play $url: $err"
  [[ -z "$err" ]] || fail "ffmpeg reported errors playing $url: $err"
}

SNAP_K=0  # snapshot counter, continued across m3u8roll runs
# run_roll_snapshots EVENTS SNAPDIR -- M3U8ROLL_ARGS...: feeds m3u8roll one
# event at a time (a `sync` event after each one comes back through the
# pipe, so we know it was handled) and copies every media playlist it
# announces into SNAPDIR, in order. m3u8roll's stdout goes to $T/roll.out.
run_roll_snapshots() {
  local events="$1" snaps="$2"
  shift 3
  mkdir -p "$snaps"
  coproc ROLL { exec m3u8roll "$@" 2>>"$T/roll.err"; }
  local roll_pid=$ROLL_PID n=0 line out path
  exec {to_roll}>&"${ROLL[1]}" {from_roll}<&"${ROLL[0]}"
  eval "exec ${ROLL[1]}>&- ${ROLL[0]}<&-"  # only our copies stay open, so closing to_roll is EOF
  while IFS= read -r line; do
    printf '%s\n{"event":"sync","n":%d}\n' "$line" "$n" >&"$to_roll"
    while IFS= read -r -t 30 out <&"$from_roll"; do
      printf '%s\n' "$out" >>"$T/roll.out"
      [[ "$out" == *'"event":"sync"'* ]] && break
      if [[ "$out" == *'"event":"playlist"'* && "$out" != *'"master":true'* ]]; then
        path="$(sed -n 's/.*"path":"\([^"]*\)".*/\1/p' <<<"$out")"
        cp "$path" "$snaps/$(printf '%05d' "$SNAP_K").m3u8"
        SNAP_K=$((SNAP_K + 1))
      fi
    done
    n=$((n + 1))
  done <"$events"
  exec {to_roll}>&-
  wait "$roll_pid" || fail "m3u8roll exited with $?: $(tail -5 "$T/roll.err")"
  exec {from_roll}<&-
}

# media_sequence FILE / playlist_seconds FILE
media_sequence() { sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' "$1"; }
playlist_seconds() { awk -F'[:,]' '/^#EXTINF:/ { s += $2 } END { printf "%.3f", s }' "$1"; }

# check_snapshots SNAPDIR URLBASE [STRIDE]: MSN never goes back and each MSN
# keeps its URI across snapshots; every STRIDE-th snapshot (default: all) and
# the last one play in ffmpeg over HTTP (from the first segment to 0.5 s
# before the end).
check_snapshots() {
  local snaps="$1" urlbase="$2" stride="${3:-1}" f prev=-1 msn secs count=0 last=""
  last="$(ls "$snaps"/*.m3u8 | tail -1)"
  declare -A uri_of
  for f in "$snaps"/*.m3u8; do
    msn="$(media_sequence "$f")"
    [[ -n "$msn" ]] || fail "$f has no EXT-X-MEDIA-SEQUENCE"
    ((msn >= prev)) || fail "MEDIA-SEQUENCE went back from $prev to $msn in $f"
    prev=$msn
    local i=$msn uri
    while IFS= read -r uri; do
      if [[ -n "${uri_of[$i]:-}" && "${uri_of[$i]}" != "$uri" ]]; then
        fail "MSN $i was ${uri_of[$i]} and is $uri in $f"
      fi
      uri_of[$i]="$uri"
      i=$((i + 1))
    done < <(grep -v '^#' "$f")
    if ((count % stride != 0)) && [[ "$f" != "$last" ]]; then
      count=$((count + 1))
      continue
    fi
    secs="$(playlist_seconds "$f")"
    plays "$urlbase/$(basename "$snaps")/$(basename "$f")" "$(awk -v s="$secs" 'BEGIN { printf "%.3f", s - 0.5 }')"
    count=$((count + 1))
  done
  ((count > 0)) || fail "no playlist snapshots in $snaps"
  echo "$count snapshots: MSN monotonic, MSN→URI stable; every ${stride}th and the last play"
}
