# Shared helpers for hlswatch's integration scripts (sourced, not run).
# Every script gets a private temp dir, kills only the PIDs it started, and
# fails with a message naming what did not hold.
set -euo pipefail

HLSWATCH="${HLSMESH_BIN:+$HLSMESH_BIN/}hlswatch"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/script.sh"
script_init hlswatch-test
chmod 755 "$work"  # the EACCES test runs the watcher as nobody

fail_context() {
  local f
  for f in "$work"/*.err "$work"/*.jsonl; do
    [[ -f "$f" ]] && { echo "--- $f"; tail -n 30 "$f" | cut -c1-300; }
  done
  find "$work" -name '*.m3u8' -newer "$work" 2>/dev/null | head -n 4 | while read -r f; do
    echo "--- $f"
    cat "$f"
  done
}

# Lines of `jq -c` selecting events of one kind.
events() { jq -c "select(.event == \"$2\")" "$1"; }
count_events() { jq -s "[.[] | select(.event == \"$2\")] | length" "$1"; }

# The MSNs of segment events (optionally of one rendition) as "0 1 2 ...".
msn_list() {
  local file=$1 rendition=${2:-}
  if [[ -n "$rendition" ]]; then
    jq -r "select(.event == \"segment\" and .rendition == \"$rendition\") | .msn" "$file" | tr '\n' ' ' | sed 's/ $//'
  else
    jq -r 'select(.event == "segment") | .msn' "$file" | tr '\n' ' ' | sed 's/ $//'
  fi
}

# Every segment event's `bytes` equals the size of its file now, its path is
# absolute, its duration equals the EXTINF the playlist gave it.
check_sizes() {
  local file=$1 path bytes size
  while IFS=$'\t' read -r path bytes; do
    [[ "$path" == /* ]] || fail "path is not absolute: $path"
    [[ -f "$path" ]] || fail "segment file missing: $path"
    size=$(stat -c %s "$path")
    [[ "$size" == "$bytes" ]] || fail "bytes=$bytes but $path has $size bytes (emitted before it was complete?)"
  done < <(jq -r 'select(.event == "segment") | [.path, (.bytes|tostring)] | @tsv' "$file")
}

# No (rendition, msn, discontinuity-run) is emitted twice within one run of
# the source: count duplicates of "rendition msn uri".
check_no_duplicates() {
  local file=$1 dups
  dups=$(jq -r 'select(.event == "segment") | "\(.rendition) \(.msn) \(.uri) \(.path)"' "$file" | sort | uniq -d)
  [[ -z "$dups" ]] || fail "segments emitted twice: $dups"
}

# seq_text FIRST LAST → "FIRST ... LAST"
seq_text() { seq -s ' ' "$1" "$2"; }

# Renders real MPEG-TS segments once (1 s each) for the writer scripts.
make_source_segments() {
  local out=$1 seconds=${2:-8}
  mkdir -p "$out"
  ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc2=size=320x180:rate=25" -t "$seconds" \
    -c:v libx264 -preset ultrafast -g 25 -f hls -hls_time 1 -hls_list_size 0 \
    -hls_segment_filename "$out/src%d.ts" "$out/src.m3u8"
}

# ffmpeg live HLS into DIR: SECONDS of video at real-time pace (extra hls
# flags as $3...). It ends by itself (-t), so it writes a complete final
# playlist with ENDLIST; the timeout only guards against a hang.
run_ffmpeg_live() {
  local dir=$1 seconds=$2
  shift 2
  timeout $((seconds + 60)) ffmpeg -nostdin -loglevel error -re -f lavfi -i "testsrc2=size=320x180:rate=25" \
    -t "$seconds" -c:v libx264 -preset ultrafast -g 25 -f hls -hls_time 1 "$@" "$dir/stream.m3u8" ||
    fail "ffmpeg failed writing $dir"
}
