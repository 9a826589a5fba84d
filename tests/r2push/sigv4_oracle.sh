#!/usr/bin/env bash
# SigV4 oracle: every request r2push makes (PUT with awkward keys, HEAD,
# DELETE, ListObjectsV2, PutBucketCors ?cors=, GetBucketCors,
# Get/PutBucketLifecycleConfiguration ?lifecycle=, DeleteObjects ?delete=) goes
# through a proxy that recomputes AWS's canonical request from the bytes curl
# sent and checks the signature; s3rver behind it verifies them too. Negative
# controls: a wrong secret and curl 7.88.1's raw-query quirk must be flagged.
source "$(dirname "$0")/lib/lib.sh"

start_s3rver main
spawn node "$LIB/sigv4_oracle.mjs" "$S3_PORT" S3RVER "$work/oracle.jsonl" >"$work/oracle.out" 2>"$work/oracle.err"
wait_for 10 grep -q "listening on" "$work/oracle.out" || fail "oracle did not start"
ORACLE="http://127.0.0.1:$(grep -o '[0-9]*$' "$work/oracle.out")"
: >"$work/oracle.jsonl"

src="$work/src"
make_file "$src/a/seg one.ts" 2000
make_file "$src/a/ünï=1+2.ts" 1300000  # > 1 MiB: curl adds Expect: 100-continue itself
make_file "$src/a/x~y_z-w.m4s" 10
{
  for f in "seg one.ts" "ünï=1+2.ts" "x~y_z-w.m4s"; do
    jq -cn --arg p "$src/a/$f" '{event:"segment",rendition:"r 1",path:$p,duration:1}'
  done
  jq -cn --arg p "$src/a/seg one.ts" '{event:"expire",rendition:"r 1",path:$p,key:"o/r 1/seg one.ts"}'
  jq -cn --arg p "$src/a/ünï=1+2.ts" '{event:"expire",rendition:"r 1",path:$p,key:"o/r 1/ünï=1+2.ts"}'
} | "$R2PUSH" --to s3://live/o --endpoint "$ORACLE" --delete-expired --expire-delay 0 >"$work/up.out" 2>"$work/up.err" ||
  fail "upload through the oracle exited $?"
"$R2PUSH" cors --to s3://live --endpoint "$ORACLE" --allow-origin https://a.example >/dev/null 2>"$work/cors.err" || fail "cors through the oracle"
# check: ListObjectsV2, PUT, HEAD, GetBucketCors, DELETE, HEAD.
"$R2PUSH" check --to "s3://live/o p" --endpoint "$ORACLE" >"$work/check.out" 2>&1 || fail "check through the oracle: $(cat "$work/check.out")"
# lifecycle reads the rules first (GetBucketLifecycleConfiguration); s3rver
# answers NotImplemented, so the PUT is sent by --replace. Both NotImplemented.
"$R2PUSH" lifecycle --to s3://live/o --endpoint "$ORACLE" --expire-days 1 >/dev/null 2>&1 || true
"$R2PUSH" lifecycle --to s3://live/o --endpoint "$ORACLE" --expire-days 1 --replace >/dev/null 2>&1 || true

bad=$(jq -c 'select(.ok|not)' "$work/oracle.jsonl")
[[ -z "$bad" ]] || fail "the oracle rejected requests r2push made: $bad"
want=(
  "PUT /live/o/r%201/seg%20one.ts"
  "PUT /live/o/r%201/%C3%BCn%C3%AF%3D1%2B2.ts"
  "PUT /live/o/r%201/x~y_z-w.m4s"
  "POST /live?delete="
  "GET /live?list-type=2&max-keys=1&prefix=o%20p"
  "HEAD /live/o%20p/r2push-check-"
  "DELETE /live/o%20p/r2push-check-"
  "PUT /live?cors="
  "GET /live?cors="
  "GET /live?lifecycle="
  "PUT /live?lifecycle="
)
for w in "${want[@]}"; do
  jq -r '.method + " " + .url' "$work/oracle.jsonl" | grep -qF "$w" || fail "no verified request '$w' in $(jq -r '.method + " " + .url' "$work/oracle.jsonl")"
done
s3api list-objects-v2 --bucket live --prefix "o/r 1/" | jq -r '[.Contents[].Key]|join(",")' | grep -qx "o/r 1/x~y_z-w.m4s" ||
  fail "DeleteObjects through the oracle did not delete both expired keys"
pass "$(wc -l <"$work/oracle.jsonl") requests, all verified by the oracle (PUT/HEAD/DELETE, ?list-type=2, ?cors=, ?lifecycle=, ?delete=) and by s3rver"

# Negative controls: the oracle must be able to fail.
: >"$work/oracle.jsonl"
jq -cn --arg p "$src/a/seg one.ts" '{event:"segment",path:$p}' |
  AWS_SECRET_ACCESS_KEY=not-the-secret "$R2PUSH" --to s3://live --endpoint "$ORACLE" >/dev/null 2>&1 || true
[[ "$(jq -r '.ok' "$work/oracle.jsonl")" == false ]] || fail "the oracle accepted a request signed with the wrong secret"
: >"$work/oracle.jsonl"
# curl 7.88.1 signs the query as written: unsorted, '/' unencoded → wrong.
curl -s -o /dev/null --aws-sigv4 aws:amz:auto:s3 -u S3RVER:S3RVER \
  -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
  "$ORACLE/live?prefix=o/&list-type=2" || true
jq -r '.problems[0]' "$work/oracle.jsonl" | grep -q "signature does not match" ||
  fail "the oracle did not catch curl 7.88.1's raw-query signature"
pass "negative controls: wrong secret and curl's raw query (?prefix=o/&list-type=2) are rejected by the oracle"
