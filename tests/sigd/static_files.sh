#!/usr/bin/env bash
# --www: MIME types, cache policy, Range (206/416), HEAD, CORS preflight,
# traversal attempts, symlink escapes, dotfiles, no directory listing,
# index.html for /.
source "$(dirname "$0")/common.sh"
www="$work/www"; mkdir -p "$www/live" "$www/empty"
echo '<!doctype html><title>viewer</title>' > "$www/index.html"
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n' > "$www/live/stream.m3u8"
head -c 5000 /dev/urandom > "$www/live/seg1.ts"
head -c 300 /dev/urandom > "$www/live/seg1.m4s"
for e in mp4 js mjs css json svg ico html; do echo x > "$www/f.$e"; done
echo secret > "$work/secret.txt"
ln -s "$work/secret.txt" "$www/leak.txt"
mkdir -p "$work/outside" "$www/.git" && echo secret > "$work/outside/index.html"
ln -s "$work/outside" "$www/out"                       # a symlinked directory out of the root
echo secret > "$www/.env"; echo secret > "$www/.git/config"; echo secret > "$www/live/.seg9.ts.swp"
ln -s "$www/.env" "$www/env.txt"                       # an in-root symlink to a dotfile
ln -s "$www/live/seg1.ts" "$www/alias.ts"              # an in-root symlink to a plain file: served
start_sigd --www "$www" --cors-origin '*'

hdr() { curl -s -o /dev/null -D - "$@" | tr -d '\r'; }
ct() { hdr "http://$addr$1" | sed -n 's/^content-type: //Ip' ; }
expect_eq "$(ct /live/stream.m3u8)" "application/vnd.apple.mpegurl" "m3u8 MIME"
expect_eq "$(ct /live/seg1.ts)" "video/mp2t" "ts MIME"
expect_eq "$(ct /live/seg1.m4s)" "video/iso.segment" "m4s MIME"
expect_eq "$(ct /f.mp4)" "video/mp4" "mp4 MIME"
expect_eq "$(ct /f.js)" "text/javascript; charset=utf-8" "js MIME"
expect_eq "$(ct /f.mjs)" "text/javascript; charset=utf-8" "mjs MIME"
expect_eq "$(ct /f.css)" "text/css; charset=utf-8" "css MIME"
expect_eq "$(ct /f.json)" "application/json" "json MIME"
expect_eq "$(ct /f.svg)" "image/svg+xml" "svg MIME"
expect_eq "$(ct /f.ico)" "image/x-icon" "ico MIME"
expect_eq "$(curl -s "http://$addr/")" "$(cat "$www/index.html")" "/ serves index.html"
expect_eq "$(hdr "http://$addr/live/stream.m3u8" | sed -n 's/^cache-control: //Ip')" "no-cache" "playlists are no-cache"
expect_eq "$(hdr "http://$addr/live/seg1.ts" | sed -n 's/^cache-control: //Ip')" "public, max-age=31536000, immutable" "segments are immutable"
expect_eq "$(hdr "http://$addr/live/seg1.ts" | sed -n 's/^access-control-allow-origin: //Ip')" "*" "CORS header on files"

# Range
curl -s -H 'Range: bytes=100-199' -o "$work/part" -D "$work/h" "http://$addr/live/seg1.ts"
expect_eq "$(head -1 "$work/h" | awk '{print $2}')" "206" "Range gets 206"
expect_eq "$(sed -n 's/^content-range: //Ip' "$work/h" | tr -d '\r')" "bytes 100-199/5000" "Content-Range"
expect_eq "$(cmp <(tail -c +101 "$www/live/seg1.ts" | head -c 100) "$work/part" && echo same)" "same" "Range body matches the file bytes"
expect_eq "$(curl -s -H 'Range: bytes=-50' "http://$addr/live/seg1.ts" | wc -c)" "50" "suffix Range"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Range: bytes=9000-' "http://$addr/live/seg1.ts")" "416" "unsatisfiable Range gets 416"
expect_eq "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -I "http://$addr/live/seg1.ts")" "200 0" "HEAD has no body"
expect_eq "$(hdr -I "http://$addr/live/seg1.ts" | sed -n 's/^content-length: //Ip')" "5000" "HEAD reports the length"

# CORS preflight for Range
pre="$(hdr -X OPTIONS -H 'Origin: https://viewer.example' -H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: range' "http://$addr/live/seg1.ts")"
expect_eq "$(echo "$pre" | head -1 | awk '{print $2}')" "204" "preflight gets 204"
echo "$pre" | grep -qi '^access-control-allow-headers:.*range' || fail "preflight allows Range"; ok "preflight allows the Range header"
echo "$pre" | grep -qi '^access-control-allow-methods:.*GET' || fail "preflight allows GET"; ok "preflight allows GET"

# Traversal and listing
code() { curl -s -o "$work/body" -w '%{http_code}' --path-as-is "http://$addr$1"; }
for p in '/../secret.txt' '/live/../../secret.txt' '/%2e%2e/secret.txt' '/live/%2e%2e/%2e%2e/secret.txt' '/..%2fsecret.txt' '/leak.txt' '/live/' '/empty/' '/nonexistent'; do
  c="$(code "$p")"
  [[ "$c" == 404 || "$c" == 403 ]] || fail "$p returned $c"
  ! grep -q secret "$work/body" || fail "$p leaked the file"
done
ok "traversal attempts, an escaping symlink and directories without index.html get 403/404"
for p in '/out/index.html' '/out/' '/out'; do
  c="$(code "$p")"; [[ "$c" == 404 ]] || fail "symlinked directory out of the root: $p returned $c"
  ! grep -q secret "$work/body" || fail "$p leaked a file outside the root"
done
ok "a symlinked directory leading out of the root is not served (404)"
for p in '/.env' '/.git/config' '/.git/' '/live/.seg9.ts.swp' '/%2eenv' '/live/%2Eseg9.ts.swp' '/env.txt'; do
  c="$(code "$p")"; [[ "$c" == 404 ]] || fail "dotfile $p returned $c"
  ! grep -q secret "$work/body" || fail "$p served a dotfile"
done
ok "dotfiles and dot directories, asked for or reached by a symlink, get 404"
expect_eq "$(curl -s "http://$addr/alias.ts" | cmp - "$www/live/seg1.ts" && echo same)" "same" "a symlink staying inside the root is served"
# A raw request line that lws does not normalize.
exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}"
printf 'GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
raw="$(timeout 5 cat <&3 || true)"; exec 3<&-
! grep -q 'root:' <<<"$raw" || fail "raw traversal leaked /etc/passwd"; ok "raw ../ request line does not escape the root"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$addr/live/seg1.ts")" "405" "POST gets 405"
expect_eq "$(curl -s "http://$addr/health")" "ok" "/health"
kill "$sigd_pid"; wait "$sigd_pid"; rc=$?; sigd_pid=""
expect_eq "$rc" "0" "sigd exits 0 on SIGTERM"
