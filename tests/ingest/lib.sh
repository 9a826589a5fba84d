# shellcheck shell=bash disable=SC2034  # sourced: the variables are for the test scripts
# Shared by tests/ingest/*.sh (sourced): the scripts under test, and checks
# on a ladder's output read with ffprobe.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
script_init "ingest-$(basename "$0" .sh)"
src="${HLSMESH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
LADDER="$src/scripts/hlsmesh-ladder"
ORIGIN="$src/scripts/hlsmesh-origin"
TESTSRC="$src/scripts/live-testsrc"
# Small renditions and the fastest preset: the tests share 2 cores.
TEST_LADDER="360p:800k,240p:400k,144p:150k"
export HLSMESH_LADDER_PRESET=ultrafast

# start_origin INGEST_URL INGEST_TIMEOUT READY_LINE: scripts/hlsmesh-origin
# taking OBS ingest at INGEST_URL with the stream key $key, the test ladder
# and a window of 30, its sigd on a free port; returns once sigd answers and
# the origin's log ($work/origin.log) shows READY_LINE. Sets bin, base, live,
# origin_pid, http_port, and a fail_context that shows the log.
start_origin() {
  bin="${HLSMESH_BIN:-$src/build/bin}"
  fail_context() { echo "--- origin.log"; tail -n 30 "$work/origin.log"; }
  http_port="$(free_port)"
  base="http://127.0.0.1:$http_port"
  live="$work/state/www/live"
  HLSMESH_BIN="$bin" HLSMESH_INGEST="$1" HLSMESH_STREAM_KEY="$key" \
    HLSMESH_LADDER="$TEST_LADDER" HLSMESH_INGEST_TIMEOUT="$2" HLSMESH_SEED=0 HLSMESH_WINDOW=30 \
    HLSMESH_STATE_DIR="$work/state" HLSMESH_LISTEN="127.0.0.1:$http_port" HLSMESH_WWW="$bin/../www" \
    spawn "$ORIGIN" 2>>"$work/origin.log"
  origin_pid=$last_pid
  wait_for 30 curl -fs -o /dev/null "$base/health" || fail "sigd of hlsmesh-origin does not answer on $base/health"
  wait_for 10 grep -q "$3" "$work/origin.log" || fail "the ingest did not start: no '$3' in the origin's log"
}

# publish_like_obs SECONDS FORMAT URL: what OBS sends (H.264 + AAC 48 kHz, a
# keyframe every 2 s) for at most SECONDS; `timeout` is the process to signal.
publish_like_obs() {
  exec timeout "$1" ffmpeg -hide_banner -nostdin -loglevel error -re \
    -f lavfi -i "testsrc2=size=640x360:rate=25" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -c:v libx264 -preset ultrafast -g 50 -keyint_min 50 -b:v 1500k -pix_fmt yuv420p \
    -c:a aac -b:a 128k -f "$2" "$3"
}

# random_key PREFIX: a stream key (or SRT passphrase) no other run uses.
random_key() { echo "$1-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"; }

# expect_refused KEY ERRFILE WHO: a 10 s publish with KEY (the script's obs)
# is refused, not cut by its timeout; its status stays in $rc.
expect_refused() {
  rc=0; (obs 10 "$1") 2>"$2" || rc=$?
  ((rc != 0 && rc != 124)) || fail "$3 was not refused (ffmpeg status $rc)"
}

# media N: each of the 3 published renditions ($live/R.m3u8) lists N segments or more.
media() { local r; for r in 0 1 2; do [[ -f "$live/$r.m3u8" ]] && (($(segments "$live/$r.m3u8" | wc -l) >= $1)) || return 1; done; }

# numbers < PLAYLIST_LINES: the encoder's segment numbers (seg-RUN-N.ts → N) in
# order. Published names may carry r2push's {hash} (seg-RUN-N-<16 hex>.ts,
# hlsmesh-origin's default).
numbers() { grep -v '^#' | sed 's/.*seg-[0-9]*-\([0-9]*\)\(-[0-9a-f]\{16\}\)\{0,1\}\.ts$/\1/' | tr '\n' ' '; }

# segments PLAYLIST: the segment URIs it lists, in order.
segments() { grep -v '^#' "$1" | grep -v '^$' || true; }

# first_video_packet FILE: "PTS_SECONDS,FLAGS" of its first video packet.
first_video_packet() {
  ffprobe -v error -select_streams v:0 -read_intervals '%+#1' -show_entries packet=pts_time,flags -of csv=p=0 "$1"
}

# check_aligned_published N PLAYLIST...: the last N MSNs of the published
# renditions (m3u8roll's media playlists; URIs absolute or relative to the
# playlist) start at the same video PTS within a frame, on a keyframe.
check_aligned_published() {
  local n="$1" pl msn first_pl="" pts packet uri; shift
  local seq listed
  seq=$(awk -F: '/^#EXT-X-MEDIA-SEQUENCE/ {print $2}' "$1")
  listed=$(segments "$1" | wc -l)
  ((listed >= n)) || fail "$1 lists $listed segments, fewer than $n"
  for ((msn = seq + listed - n; msn < seq + listed; msn++)); do
    local first=""
    for pl in "$@"; do
      uri=$(uri_of_msn "$pl" "$msn")
      [[ -n "$uri" ]] || fail "$pl does not list MSN $msn: $(cat "$pl")"
      [[ "$uri" == *://* ]] || uri="$(dirname "$pl")/$uri"
      packet=$(first_video_packet "$uri")
      pts="${packet%%,*}"
      [[ -n "$pts" ]] || fail "ffprobe read no video packet in $uri"
      [[ "$packet" == *,K* ]] || fail "$uri does not start on a keyframe ($packet)"
      if [[ -z "$first" ]]; then first="$pts" first_pl="$pl"
      else awk -v a="$first" -v b="$pts" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 0.04) }' ||
        fail "MSN $msn starts at PTS $first in $first_pl but $pts in $pl"
      fi
    done
  done
}

# uri_of_msn PLAYLIST MSN: the URI it lists for that media sequence number.
uri_of_msn() {
  awk -v want="$2" -F: '/^#EXT-X-MEDIA-SEQUENCE/ {m = $2} /^[^#]/ && NF {if (m == want) print; m++}' "$1"
}

# check_aligned URL_OR_DIR RENDITIONS N: the last N media sequence numbers
# listed by every rendition start at the same video PTS (within one frame,
# 1/25 s) in each of them, and each such segment starts on a keyframe.
check_aligned() {
  local base="$1" count="$2" n="$3" r msn first pts seq
  seq=$(awk -F: '/^#EXT-X-MEDIA-SEQUENCE/ {print $2}' "$base/0/stream.m3u8")
  local listed; listed=$(segments "$base/0/stream.m3u8" | wc -l)
  ((listed >= n)) || fail "rendition 0 lists $listed segments, fewer than $n"
  for ((msn = seq + listed - n; msn < seq + listed; msn++)); do
    first=""
    for ((r = 0; r < count; r++)); do
      local uri; uri=$(awk -v want=$((msn)) -F: '/^#EXT-X-MEDIA-SEQUENCE/ {m = $2} /^[^#]/ {if (m == want) print; m++}' "$base/$r/stream.m3u8")
      [[ -n "$uri" ]] || fail "rendition $r does not list MSN $msn"
      local packet; packet=$(first_video_packet "$base/$r/$uri")
      pts="${packet%%,*}"
      [[ -n "$pts" ]] || fail "ffprobe read no video packet in $base/$r/$uri"
      [[ "$packet" == *,K* ]] || fail "$base/$r/$uri does not start on a keyframe ($packet)"
      if [[ -z "$first" ]]; then first="$pts"
      else awk -v a="$first" -v b="$pts" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 0.04) }' ||
        fail "MSN $msn starts at PTS $first in rendition 0 but $pts in rendition $r"
      fi
    done
  done
}

# descendants PID: every process under PID (its children, theirs, ...).
descendants() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { kids[$2] = kids[$2] " " $1 }
    END { n = split(kids[root], q, " ")
          for (i = 1; i <= n; i++) { print q[i]; m = split(kids[q[i]], more, " "); for (j = 1; j <= m; j++) q[++n] = more[j] } }'
}

# check_key_off_cmdlines KEY PID WANT: no process under PID has KEY in its
# command line (ps shows those to every user), and one of them is WANT (the
# walk saw the process that uses the key).
check_key_off_cmdlines() {
  local key="$1" root="$2" want="$3" p line seen=0
  for p in $(descendants "$root"); do
    line="$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" || continue
    [[ "$line" == *"$want"* ]] && seen=1
    [[ "$line" == *"$key"* ]] && fail "the stream key is in the command line of pid $p: ${line//$key/<KEY>}"
  done
  ((seen)) || fail "no process under pid $root runs '$want': $(descendants "$root" | tr '\n' ' ')"
}
