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

# segments PLAYLIST: the segment URIs it lists, in order.
segments() { grep -v '^#' "$1" | grep -v '^$' || true; }

# first_video_packet FILE: "PTS_SECONDS,FLAGS" of its first video packet.
first_video_packet() {
  ffprobe -v error -select_streams v:0 -read_intervals '%+#1' -show_entries packet=pts_time,flags -of csv=p=0 "$1"
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
