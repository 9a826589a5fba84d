#!/usr/bin/env bash
# file:// destination: a hard link on the same file system, a copy across
# file systems (/dev/shm → disk), atomic replacement (a reader never sees a
# partial file), urls that a web server serves, --delete-expired unlinks.
source "$(dirname "$0")/lib/lib.sh"

shm="$(mktemp -d /dev/shm/r2push-test.XXXXXX)"
trap 'rm -rf "$shm"; cleanup' EXIT
www="$work/www"

# --- same file system: hard link; across: copy ------------------------------
make_file "$work/src/0/seg 1.ts" 100000
make_file "$shm/0/seg2.ts" 100000
{
  jq -cn --arg p "$work/src/0/seg 1.ts" '{event:"segment",rendition:"0",path:$p}'
  jq -cn --arg p "$shm/0/seg2.ts" '{event:"segment",rendition:"0",path:$p}'
} | "$R2PUSH" --to "file://$www" --public-url http://127.0.0.1:8000/live --log-format json >"$work/out.jsonl" 2>"$work/run.err" ||
  fail "file:// upload exited $?"
[[ "$(jq -r .url "$work/out.jsonl" | head -1)" == "http://127.0.0.1:8000/live/0/seg%201.ts" ]] || fail "url: $(head -1 "$work/out.jsonl")"
[[ "$(stat -c %i "$work/src/0/seg 1.ts")" == "$(stat -c %i "$www/0/seg 1.ts")" ]] || fail "same file system: not a hard link"
[[ "$(stat -c %i "$shm/0/seg2.ts")" != "$(stat -c %i "$www/0/seg2.ts")" ]] || fail "across file systems: same inode?"
[[ "$(stat -c %d "$shm")" != "$(stat -c %d "$work")" ]] || fail "test setup: /dev/shm and $work are one file system"
cmp -s "$shm/0/seg2.ts" "$www/0/seg2.ts" || fail "the cross-file-system copy differs"
[[ "$(jq -r 'select(.linked != null) | .linked' "$work/run.err")" == 1 ]] || fail "expected 1 link and 1 copy"
[[ "$(jq -r '.etag | length > 2' "$work/out.jsonl" | sort -u)" == true ]] || fail "no etag"
pass "file://: hard link on one file system, copy from $(stat -f -c %T "$shm") to $(stat -f -c %T "$www"), url + etag"

# --- atomic replacement: a reader loops while 30 versions replace one key ---
size=$((4 * 1024 * 1024))
for v in $(seq 1 30); do
  mkdir -p "$shm/v$v"
  head -c "$size" /dev/zero | tr '\0' "\\$(printf '%03o' $((v + 64)))" >"$shm/v$v/big.bin"
done
spawn node "$LIB/read_loop.mjs" "$www/big.bin" "$size" 6000 >"$work/reader.json"
reader=$last_pid
for v in $(seq 1 30); do
  jq -cn --arg p "$shm/v$v/big.bin" '{event:"segment",path:$p}'
  sleep 0.1
done | "$R2PUSH" --to "file://$www" --key '{name}' --same-key-interval 0 >"$work/atomic.out" 2>"$work/atomic.err" ||
  fail "atomic run exited $?"
wait "$reader" || true
read -r reads partial versions < <(jq -r '"\(.reads) \(.partial) \(.versions)"' "$work/reader.json")
((reads >= 10)) || fail "the reader read only $reads times"
[[ "$partial" == 0 ]] || fail "the reader saw $partial partial files"
((versions >= 3)) || fail "the reader saw only $versions versions"
[[ -z "$(find "$www" -name '*.tmp')" ]] || fail "temp files left behind: $(find "$www" -name '*.tmp')"
pass "atomic: $reads reads during 30 cross-file-system replacements, 0 partial, $versions versions seen, no temp files left"

# --- urls served by a web server; --delete-expired unlinks -------------------
spawn node -e '
  const http = require("http"), fs = require("fs"), path = require("path");
  const root = process.argv[1];
  const s = http.createServer((q, r) => {
    const p = path.join(root, decodeURIComponent(q.url.replace(/^\/live/, "")));
    fs.readFile(p, (e, d) => e ? r.writeHead(404).end() : r.end(d));
  });
  s.listen(0, "127.0.0.1", () => console.log("listening on " + s.address().port));
  setInterval(() => { try { process.kill(process.ppid, 0) } catch { process.exit(0) } }, 1000).unref();
' "$www" >"$work/web.out"
wait_for 10 grep -q listening "$work/web.out" || fail "web server did not start"
web="http://127.0.0.1:$(grep -o '[0-9]*$' "$work/web.out")/live"
make_file "$work/src/1/a.ts" 5000
make_file "$work/src/1/b.ts" 5000
{
  jq -cn --arg p "$work/src/1/a.ts" '{event:"segment",rendition:"1",path:$p,duration:0.1}'
  jq -cn --arg p "$work/src/1/b.ts" '{event:"segment",rendition:"1",path:$p,duration:0.1}'
  jq -cn --arg p "$work/src/1/a.ts" '{event:"expire",rendition:"1",path:$p,duration:0.1,expire_after:0.3}'
} | "$R2PUSH" --to "file://$www" --public-url "$web" --delete-expired >"$work/d.out" 2>"$work/d.err" || fail "delete run exited $?"
url_b=$(jq -r 'select(.event=="segment" and (.path|endswith("b.ts"))) | .url' "$work/d.out")
curl -sf "$url_b" -o "$work/got" || fail "$url_b is not served"
cmp -s "$work/got" "$work/src/1/b.ts" || fail "$url_b serves other bytes"
[[ ! -e "$www/1/a.ts" ]] || fail "--delete-expired left $www/1/a.ts"
[[ -e "$work/src/1/a.ts" ]] || fail "--delete-expired removed the source file"
pass "urls are served by a web server on the directory; expire_after honoured, the published file unlinked"

# --- local failures are logged, not only put on the event --------------------
set +e
{
  jq -cn --arg p "$work/src/gone/seg9.ts" '{event:"segment",rendition:"0",path:$p}'
  jq -cn '{event:"segment",path:"/srv/hls/0/"}'  # no file name: the key is empty
} | "$R2PUSH" --to "file://$www" --key '{name}' >"$work/lf.out" 2>"$work/lf.err"
rc=$?
set -e
[[ $rc == 69 ]] || fail "local failures: exit $rc, expected 69"
[[ "$(jq -r '[has("url"), (.error.message|length > 0)] | join(" ")' "$work/lf.out" | sort -u)" == "false true" ]] ||
  fail "local failures: expected error events without url: $(cat "$work/lf.out")"
grep -q "error: publishing $work/src/gone/seg9.ts as $www/seg9.ts failed: cannot read $work/src/gone/seg9.ts: .*removed before it could be published" "$work/lf.err" ||
  fail "a missing source file is not logged with its path and what happened: $(cat "$work/lf.err")"
grep -q "error: not uploading /srv/hls/0/: its key '' (from --key {name}): it is empty; put {name} in --key" "$work/lf.err" ||
  fail "an empty key is not logged: $(cat "$work/lf.err")"
pass "local failures (missing source, empty key) logged as errors naming the path and the fix, error events, exit 69"

# --- keys from events never reach outside DIR --------------------------------
make_file "$work/src/evil/seg0.ts" 1000
echo "keep me" >"$work/victim"
set +e
{
  jq -cn --arg p "$work/src/evil/seg0.ts" '{event:"segment",rendition:"../../x",path:$p}'
  jq -cn '{event:"expire",key:"../victim",duration:0.1,expire_after:0}'
} | "$R2PUSH" --to "file://$www" --delete-expired >"$work/tr.out" 2>"$work/tr.err"
rc=$?
set -e
[[ $rc == 69 ]] || fail "traversal: exit $rc, expected 69"
# $www/../../x is beside $work: the template's key would have put it there.
[[ ! -e "$(dirname "$work")/x/seg0.ts" ]] || fail "a '../../x' rendition published outside $www"
[[ -z "$(find "$work" -name seg0.ts -not -path "$work/src/*")" ]] || fail "seg0.ts published: $(find "$work" -name seg0.ts)"
[[ "$(cat "$work/victim")" == "keep me" ]] || fail "an expire event with key ../victim unlinked a file outside $www"
[[ "$(jq -r 'select(.event=="segment") | has("url")' "$work/tr.out")" == false ]] || fail "a traversal key got a url"
jq -r '.error.message' "$work/tr.out" | grep -q "its key '../../x/seg0.ts' (from --key {prefix}/{rendition}/{name}): it has a '..' segment; it could reach a file outside $www" ||
  fail "the error event does not say why: $(cat "$work/tr.out")"
jq -r 'select(.event=="expire") | .error.message' "$work/tr.out" | grep -q "not deleting expired '../victim': it has a '..' segment" ||
  fail "the expire event with a traversal key has no error: $(cat "$work/tr.out")"
grep -q "error: not deleting expired '../victim'" "$work/tr.err" || fail "the refused delete is not logged: $(cat "$work/tr.err")"
pass "keys from events: rendition '../../x' and expire key '../victim' refused with error events and messages; nothing written or unlinked outside DIR"

# --- a restarted source reuses a key: the pending delete of the old file is
# cancelled (it would remove the new one), and the reuse is warned about once
mkdir -p "$work/run1" "$work/run2"
make_file "$work/run1/seg0.ts" 3000
make_file "$work/run2/seg0.ts" 4000
make_file "$work/run1/seg1.ts" 3000
make_file "$work/run2/seg1.ts" 5000
{
  jq -cn --arg p "$work/run1/seg0.ts" '{event:"segment",rendition:"r",path:$p,duration:0.1}'
  jq -cn --arg p "$work/run1/seg1.ts" '{event:"segment",rendition:"r",path:$p,duration:0.1}'
  jq -cn --arg p "$work/run1/seg0.ts" '{event:"expire",rendition:"r",path:$p,key:"r/seg0.ts",expire_after:0.4}'
  sleep 0.1
  # the source restarts: seg0.ts and seg1.ts again, with new content
  jq -cn --arg p "$work/run2/seg0.ts" '{event:"segment",rendition:"r",path:$p,duration:0.1}'
  jq -cn --arg p "$work/run2/seg1.ts" '{event:"segment",rendition:"r",path:$p,duration:0.1}'
  sleep 1.5  # well past the delete's due time
} | "$R2PUSH" --to "file://$www" --delete-expired >"$work/re.out" 2>"$work/re.err" || fail "reuse run exited $?: $(cat "$work/re.err")"
[[ -e "$www/r/seg0.ts" ]] || fail "the delete of the old r/seg0.ts removed the new one"
cmp -s "$www/r/seg0.ts" "$work/run2/seg0.ts" || fail "r/seg0.ts does not hold the new run's file"
grep -q "delete of r/seg0.ts cancelled: the key was written again" "$work/re.err" || fail "the cancel is not logged: $(cat "$work/re.err")"
[[ "$(grep -c "warning: segment key r/seg.\.ts was uploaded earlier in this run with other content" "$work/re.err")" == 1 ]] ||
  fail "expected one reuse warning: $(cat "$work/re.err")"
grep -q "{hash}" "$work/re.err" || fail "the reuse warning does not suggest a key template"
pass "reused key: pending delete cancelled, the new r/seg0.ts still there after the delay; one reuse warning with a --key suggestion"

# check against sigd serving the directory (the embedded default): writable,
# served, CORS, the Range preflight and a 206.
if [[ -x "${HLSMESH_BIN:-}/sigd" ]]; then
  port="$(free_port)"
  mkdir -p "$work/site/live"
  spawn "$HLSMESH_BIN/sigd" --listen "127.0.0.1:$port" --www "$work/site" </dev/null 2>"$work/sigd.err"
  wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$port/health" || fail "sigd did not start: $(cat "$work/sigd.err")"
  "$R2PUSH" check --to "file://$work/site/live" --public-url "http://127.0.0.1:$port/live" --origin https://tv.example \
    >"$work/check.out" 2>&1 || fail "check against sigd: $(cat "$work/check.out")"
  for step in "is writable" "public URL serves" "CORS: https://tv.example may read" "preflight allows the Range header" "answered 206"; do
    grep -q "^OK .*$step" "$work/check.out" || fail "check against sigd lacks '$step': $(cat "$work/check.out")"
  done
  [[ -z "$(find "$work/site/live" -name 'r2push-check-*')" ]] || fail "check left its test file behind"
  pass "check --to file:// against sigd: writable, served, CORS, Range preflight, 206; test file removed"
fi
