#!/usr/bin/env bash
# The issue's "done when": hlswatch DIR | r2push --to file://… --public-url … |
# m3u8roll … | r2push --delete-expired gives a playlist whose every URL
# serves its segment, and segments that left the window are deleted.
# Needs hlswatch, m3u8roll and ffmpeg; skipped (77) when one is not built.
source "$(dirname "$0")/lib/lib.sh"
for tool in hlswatch m3u8roll ffmpeg; do
  command -v "$tool" >/dev/null || { echo "skip: $tool not available"; exit 77; }
done

hls="$work/hls"
www="$work/www"
mkdir -p "$hls" "$www/live"
ffmpeg -loglevel error -f lavfi -i testsrc=size=160x90:rate=10 -t 6 -c:v libx264 -g 10 -pix_fmt yuv420p \
  -f hls -hls_time 1 -hls_list_size 0 -hls_playlist_type vod -hls_segment_filename "$hls/seg%03d.ts" \
  "$hls/index.m3u8" || fail "ffmpeg could not make the source"

spawn node -e '
  const http = require("http"), fs = require("fs"), path = require("path");
  const root = process.argv[1];
  const s = http.createServer((q, r) => {
    fs.readFile(path.join(root, decodeURIComponent(q.url)), (e, d) => e ? r.writeHead(404).end() : r.end(d));
  });
  s.listen(0, "127.0.0.1", () => console.log("listening on " + s.address().port));
  setInterval(() => { try { process.kill(process.ppid, 0) } catch { process.exit(0) } }, 1000).unref();
' "$www" >"$work/web.out"
wait_for 10 grep -q listening "$work/web.out" || fail "web server did not start"
public="http://127.0.0.1:$(grep -o '[0-9]*$' "$work/web.out")/live"

hlswatch --once "$hls" 2>"$work/hlswatch.err" |
  "$R2PUSH" --to "file://$www/live" --public-url "$public" 2>"$work/r2push1.err" |
  m3u8roll --out "$www/live/{rendition}/playlist.m3u8" --window 3 2>"$work/m3u8roll.err" |
  "$R2PUSH" --to "file://$www/live" --public-url "$public" --delete-expired >"$work/out.jsonl" 2>"$work/r2push2.err" ||
  fail "the pipeline failed"

playlist=$(jq -r 'select(.event == "playlist") | .path' "$work/out.jsonl" | tail -1)
[[ -f "$playlist" ]] || fail "no playlist written: $(head -c 2000 "$work/out.jsonl")"
mapfile -t uris < <(grep -v '^#' "$playlist" | grep .)
((${#uris[@]} == 3)) || fail "expected a 3-segment window, got ${#uris[@]}: $(cat "$playlist")"
for uri in "${uris[@]}"; do
  [[ "$uri" == "$public/"* ]] || fail "playlist URI $uri is not on the public URL"
  src=$(jq -r --arg u "$uri" 'select(.event == "segment" and .url == $u) | .path' "$work/out.jsonl" | head -1)
  [[ -n "$src" ]] || fail "no segment event has url $uri"
  curl -sf "$uri" -o "$work/got" || fail "$uri does not serve"
  cmp -s "$work/got" "$src" || fail "$uri serves other bytes than $src"
done
expired=$(jq -r 'select(.event == "expire") | .url' "$work/out.jsonl")
[[ -n "$expired" ]] || fail "no expire events from m3u8roll"
for uri in $expired; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$uri")
  [[ "$code" == 404 ]] || fail "expired $uri still served ($code)"
done
pass "hlswatch | r2push file:// | m3u8roll | r2push --delete-expired: all ${#uris[@]} playlist URLs serve their segment, $(wc -w <<<"$expired") expired ones deleted"
