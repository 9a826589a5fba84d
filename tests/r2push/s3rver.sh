#!/usr/bin/env bash
# r2push against @20minutes/s3rver (verifies SigV4), read back with awscli:
# same bytes, Content-Type, Cache-Control; keys with spaces, unicode, '=',
# '+'; pass-through order; --env-file with R2_* names; coalescing of newer
# versions of one key; --delete-expired (DeleteObjects, ListObjectsV2 by awscli).
source "$(dirname "$0")/lib/lib.sh"

start_s3rver main
src="$work/src"
make_file "$src/0/seg 1.ts" 300000
make_file "$src/0/ünï=code+x.ts" 120000
make_file "$src/720p/a+b=c.m4s" 200000
make_file "$src/720p/init.mp4" 1500
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n' >"$src/0/playlist.m3u8"
printf 'WEBVTT\n' >"$src/0/subs.vtt"

# --- upload and pass-through -------------------------------------------------
{
  echo '{"event":"hello","n":0}'
  jq -cn --arg p "$src/0/seg 1.ts" '{event:"segment",n:1,rendition:"0",path:$p,duration:2.0,custom:{"keep":[1,2]}}'
  jq -cn --arg p "$src/0/ünï=code+x.ts" '{event:"segment",n:2,rendition:"0",path:$p}'
  jq -cn --arg p "$src/720p/a+b=c.m4s" '{event:"segment",n:3,rendition:"720p",path:$p}'
  jq -cn --arg p "$src/720p/init.mp4" '{event:"init",n:4,rendition:"720p",path:$p}'
  jq -cn --arg p "$src/0/seg 1.ts" '{event:"segment",n:5,path:$p,url:"https://elsewhere/x.ts"}'
  echo 'this is not json'
  jq -cn --arg p "$src/0/playlist.m3u8" '{event:"playlist",n:6,rendition:"0",path:$p,duration:4}'
  jq -cn --arg p "$src/0/subs.vtt" '{event:"segment",n:7,rendition:"0",path:$p}'
  echo '{"event":"end","n":8}'
} >"$work/in.jsonl"
"$R2PUSH" --to s3://live/pre --endpoint "$S3_URL" --public-url "$S3_URL/live" --jobs 3 \
  <"$work/in.jsonl" >"$work/out.jsonl" 2>"$work/upload.err" || fail "upload exited $?"
[[ "$(jq -r .n "$work/out.jsonl" | tr '\n' ' ')" == "0 1 2 3 4 5 6 7 8 " ]] || fail "events not passed through in order: $(cat "$work/out.jsonl")"
grep -q "line 7: not valid JSON" "$work/upload.err" || fail "bad line not reported with its number"
[[ "$(jq -c '.custom' <(sed -n 2p "$work/out.jsonl"))" == '{"keep":[1,2]}' ]] || fail "unknown fields not kept"
[[ "$(sed -n 6p "$work/out.jsonl" | jq -r '.url + " " + (has("key")|tostring)')" == "https://elsewhere/x.ts false" ]] ||
  fail "an event that already had a url was touched"
[[ "$(jq -r 'select(.event=="hello" or .event=="end") | has("url")' "$work/out.jsonl" | sort -u)" == false ]] || fail "pathless events got a url"
pass "9 events out of 9 in order, unknown fields kept, bad line reported"

check_object() {  # n expected-key content-type cache-control [curl]
  local ev key url path
  ev=$(jq -c "select(.n == $1)" "$work/out.jsonl")
  key=$(jq -r .key <<<"$ev")
  url=$(jq -r .url <<<"$ev")
  path=$(jq -r .path <<<"$ev")
  [[ "$key" == "$2" ]] || fail "event $1: key '$key', expected '$2'"
  [[ "$(jq -r '(.etag|length>2) and (.upload_ms|type=="number") and (has("error")|not)' <<<"$ev")" == true ]] ||
    fail "event $1 lacks etag/upload_ms: $ev"
  if [[ "${5:-}" == curl ]]; then  # fewer awscli runs (each costs seconds): the same headers, unsigned
    curl -sfI "$url" | tr -d '\r' >"$work/hdr" || fail "HEAD $url"
    hdr() { awk -F': ' -v n="$1" 'tolower($1) == n { print $2 }' "$work/hdr"; }
    jq -n --arg t "$(hdr content-type)" --arg c "$(hdr cache-control)" --arg e "$(hdr etag)" \
      '{ContentType: $t, CacheControl: $c, ETag: $e}' >"$work/head.json"
  else
    s3api get-object --bucket live --key "$key" "$work/got" >"$work/head.json" || fail "awscli cannot read back '$key'"
    cmp -s "$work/got" "$path" || fail "'$key': bytes differ from $path"
  fi
  [[ "$(jq -r .ContentType "$work/head.json")" == "$3" ]] || fail "'$key': Content-Type $(jq -r .ContentType "$work/head.json"), expected $3"
  [[ "$(jq -r .CacheControl "$work/head.json")" == "$4" ]] || fail "'$key': Cache-Control $(jq -r .CacheControl "$work/head.json")"
  [[ "$(jq -r .ETag "$work/head.json")" == "$(jq -r .etag <<<"$ev")" ]] || fail "'$key': etag differs from the stored ETag"
  curl -sf "$url" -o "$work/public" || fail "public url $url does not serve '$key'"
  cmp -s "$work/public" "$path" || fail "public url $url serves other bytes"
}
seg_cc="public, max-age=31536000, immutable"
check_object 1 "pre/0/seg 1.ts" video/mp2t "$seg_cc"
check_object 2 "pre/0/ünï=code+x.ts" video/mp2t "$seg_cc"
check_object 3 "pre/720p/a+b=c.m4s" video/iso.segment "$seg_cc"
check_object 4 "pre/720p/init.mp4" video/mp4 "$seg_cc" curl
check_object 6 "pre/0/playlist.m3u8" application/vnd.apple.mpegurl "public, max-age=1, no-transform"
check_object 7 "pre/0/subs.vtt" text/vtt "$seg_cc" curl
[[ "$(jq -r 'select(.n==2).url' "$work/out.jsonl")" == "$S3_URL/live/pre/0/%C3%BCn%C3%AF%3Dcode%2Bx.ts" ]] || fail "url not AWS-encoded"
pass "awscli reads back the same bytes, Content-Type, Cache-Control, ETag; keys with space/unicode/=/+; public urls serve them"

# --- --env-file with the R2_* names, no --to (R2_BUCKET) --------------------
cat >"$work/r2.env" <<ENV
# deployment settings
R2_ACCESS_KEY_ID=S3RVER
R2_SECRET_ACCESS_KEY="S3RVER"
R2_BUCKET=live
R2_ENDPOINT=$S3_URL
ENV
jq -cn --arg p "$src/0/seg 1.ts" '{event:"segment",path:$p}' |
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$R2PUSH" --env-file "$work/r2.env" --key 'envfile/{name}' \
    >"$work/env.jsonl" 2>"$work/env.err" || fail "--env-file upload exited $?"
[[ "$(jq -r .key "$work/env.jsonl")" == "envfile/seg 1.ts" ]] || fail "--env-file/--key: $(cat "$work/env.jsonl")"
curl -sf "$S3_URL/live/envfile/seg%201.ts" | cmp -s - "$src/0/seg 1.ts" || fail "--env-file upload not stored"
pass "--env-file with R2_ACCESS_KEY_ID/R2_SECRET_ACCESS_KEY/R2_BUCKET/R2_ENDPOINT and --key"

# --- coalescing: five versions of one key arrive at once ------------------
for v in 1 2 3 4 5; do
  mkdir -p "$src/v$v"
  printf '#EXTM3U\n# version %s\n' "$v" >"$src/v$v/index.m3u8"
  jq -cn --arg p "$src/v$v/index.m3u8" --argjson v "$v" '{event:"playlist",v:$v,rendition:"0",path:$p}'
done >"$work/coalesce.jsonl"
"$R2PUSH" --to s3://live/pre --endpoint "$S3_URL" --log-format json <"$work/coalesce.jsonl" >"$work/co.out" 2>"$work/co.err" ||
  fail "coalescing run exited $?"
[[ "$(jq -r .v "$work/co.out" | tr '\n' ' ')" == "1 2 3 4 5 " ]] || fail "coalesced events out of order"
[[ "$(jq -r 'select(has("url")) | .v' "$work/co.out" | wc -l)" == 5 ]] || fail "a coalesced event has no url"
coalesced=$(jq -r 'select(.coalesced != null) | .coalesced' "$work/co.err" | tail -1)
uploaded=$(jq -r 'select(.uploaded != null) | .uploaded' "$work/co.err" | tail -1)
((coalesced >= 3 && uploaded <= 2)) || fail "expected the waiting versions to coalesce (coalesced=$coalesced uploaded=$uploaded)"
curl -sf "$S3_URL/live/pre/0/index.m3u8" -o "$work/idx" || fail "pre/0/index.m3u8 not stored"
grep -q "version 5" "$work/idx" || fail "the object does not hold the newest version: $(cat "$work/idx")"
pass "5 versions of one key: $uploaded PUT(s), $coalesced coalesced, all 5 events with url, newest content stored"

# --- --delete-expired: DeleteObjects (?delete=) after the availability time --
{
  for i in 1 2 3; do
    make_file "$src/exp/e$i.ts" 1000
    jq -cn --arg p "$src/exp/e$i.ts" '{event:"segment",rendition:"x",path:$p,duration:0.2}'
  done
  jq -cn '{event:"playlist",rendition:"x",duration:0.5}'
  jq -cn --arg p "$src/exp/e1.ts" '{event:"expire",rendition:"x",path:$p,duration:0.2,key:"pre/x/e1.ts"}'
  jq -cn --arg p "$src/exp/e2.ts" '{event:"expire",rendition:"x",path:$p,duration:0.2}'
} >"$work/exp.jsonl"
"$R2PUSH" --to s3://live/pre --endpoint "$S3_URL" --delete-expired <"$work/exp.jsonl" >"$work/exp.out" 2>"$work/exp.err" ||
  fail "--delete-expired run exited $?"
[[ "$(jq -r 'select(.event=="expire") | has("url")' "$work/exp.out" | sort -u)" == false ]] || fail "an expire event was uploaded"
s3api list-objects-v2 --bucket live --prefix pre/x/ >"$work/list.json"
[[ "$(jq -r '[.Contents[].Key] | join(" ")' "$work/list.json")" == "pre/x/e3.ts" ]] ||
  fail "after expiry only pre/x/e3.ts should remain: $(jq -c '[.Contents[].Key]' "$work/list.json")"
grep -q "deleted 2 expired object" "$work/exp.err" || fail "no batched delete reported: $(cat "$work/exp.err")"
pass "--delete-expired: one DeleteObjects batch removed the 2 expired objects after duration + playlist duration"


# --- local failures: logged with the path, error event; '..' keys refused ----
set +e
{
  jq -cn --arg p "$src/gone/seg9.ts" '{event:"segment",rendition:"0",path:$p}'
  jq -cn --arg p "$src/0/seg 1.ts" '{event:"segment",rendition:"../../x",path:$p}'
} | "$R2PUSH" --to s3://live/pre --endpoint "$S3_URL" >"$work/lf.out" 2>"$work/lf.err"
rc=$?
set -e
[[ $rc == 69 ]] || fail "local failures: exit $rc, expected 69"
grep -q "error: upload of $src/gone/seg9.ts to s3://live/pre/0/seg9.ts failed: cannot read $src/gone/seg9.ts: No such file or directory" "$work/lf.err" ||
  fail "an unreadable source is not logged with its path: $(cat "$work/lf.err")"
grep -q "error: not uploading $src/0/seg 1.ts: its key 'pre/../../x/seg 1.ts' .*: it has a '..' segment; it could reach another key of bucket live" "$work/lf.err" ||
  fail "a '..' key is not refused with a message: $(cat "$work/lf.err")"
[[ "$(jq -r '[has("url"), (.error.status|tostring)] | join(" ")' "$work/lf.out" | sort -u)" == "false 0" ]] ||
  fail "local failures: expected error events without url: $(cat "$work/lf.out")"
[[ -z "$(s3api list-objects-v2 --bucket live --prefix x/ | jq -r '.Contents[]?.Key')" ]] || fail "a '..' key was written as x/…"
pass "s3: an unreadable source and a '..' key are logged as errors naming path and key, error events, exit 69"

# --- a restarted source reuses a key: pending deletes of it are cancelled ----
mkdir -p "$src/run1" "$src/run2"
make_file "$src/run1/seg0.ts" 3000
make_file "$src/run2/seg0.ts" 4000
# One r2push uploads and deletes: expire of the old seg0.ts, then the new one.
{
  jq -cn --arg p "$src/run1/seg0.ts" '{event:"segment",rendition:"re",path:$p,duration:0.1}'
  jq -cn --arg p "$src/run1/seg0.ts" '{event:"expire",rendition:"re",path:$p,key:"pre/re/seg0.ts",expire_after:0.5}'
  sleep 0.1
  jq -cn --arg p "$src/run2/seg0.ts" '{event:"segment",rendition:"re",path:$p,duration:0.1}'
  sleep 2  # past the delete's due time and the same-key interval
} | "$R2PUSH" --to s3://live/pre --endpoint "$S3_URL" --delete-expired >"$work/re.out" 2>"$work/re.err" ||
  fail "reuse run exited $?: $(cat "$work/re.err")"
s3api get-object --bucket live --key pre/re/seg0.ts "$work/got" >/dev/null || fail "the delete of the old pre/re/seg0.ts removed the new one"
cmp -s "$work/got" "$src/run2/seg0.ts" || fail "pre/re/seg0.ts does not hold the new run's bytes"
grep -q "delete of pre/re/seg0.ts cancelled" "$work/re.err" || fail "no cancel logged: $(cat "$work/re.err")"
grep -q "warning: segment key pre/re/seg0.ts was uploaded earlier in this run with other content" "$work/re.err" ||
  fail "no reuse warning: $(cat "$work/re.err")"
# The pipeline's shape: the deleting r2push sees the new segment already
# uploaded upstream (it has key and url) after the old one's expire event.
make_file "$src/run1/seg1.ts" 3000
make_file "$src/run2/seg1.ts" 5000
jq -cn --arg p "$src/run1/seg1.ts" '{event:"segment",rendition:"re",path:$p}' |
  "$R2PUSH" --to s3://live/pre --endpoint "$S3_URL" >"$work/up1.out" 2>/dev/null || fail "upload of run1/seg1.ts"
jq -cn --arg p "$src/run2/seg1.ts" '{event:"segment",rendition:"re",path:$p}' |
  "$R2PUSH" --to s3://live/pre --endpoint "$S3_URL" >"$work/up2.out" 2>/dev/null || fail "upload of run2/seg1.ts"
{
  jq -c '.event = "expire" | .expire_after = 0.5' "$work/up1.out"
  sleep 0.1
  cat "$work/up2.out"
  sleep 1.5
} | "$R2PUSH" --to s3://live/pre --endpoint "$S3_URL" --delete-expired >"$work/re2.out" 2>"$work/re2.err" ||
  fail "second-stage run exited $?: $(cat "$work/re2.err")"
s3api get-object --bucket live --key pre/re/seg1.ts "$work/got" >/dev/null || fail "the second stage deleted the new pre/re/seg1.ts"
cmp -s "$work/got" "$src/run2/seg1.ts" || fail "pre/re/seg1.ts does not hold the new run's bytes"
grep -q "delete of pre/re/seg1.ts cancelled" "$work/re2.err" || fail "second stage: no cancel logged: $(cat "$work/re2.err")"
pass "reused key: the pending delete is cancelled when the key is uploaded again (same r2push) or passes by uploaded (a later r2push); one reuse warning"
