#!/usr/bin/env bash
# r2push's bucket subcommands and failure reports against @20minutes/s3rver:
# cors (?cors=, read back by awscli), check (ListObjectsV2, PUT/HEAD/DELETE,
# public URL, CORS), lifecycle (?lifecycle=: signature accepted, s3rver says
# NotImplemented); wrong secret, wrong bucket, clock skew; no credential in
# any output, -v's curl trace included.
source "$(dirname "$0")/lib/lib.sh"

start_s3rver main
src="$work/src"
make_file "$src/0/seg 1.ts" 3000

# --- subcommands: check (ListObjectsV2, PUT/HEAD/DELETE), cors, lifecycle ---
"$R2PUSH" cors --to s3://live --endpoint "$S3_URL" --allow-origin https://watch.example.com \
  --allow-origin http://localhost:8000 >"$work/cors.out" 2>"$work/cors.err" || fail "r2push cors exited $?"
s3api get-bucket-cors --bucket live >"$work/cors.json" || fail "no CORS on the bucket after r2push cors"
[[ "$(jq -r '.CORSRules[0] | (.AllowedOrigins|join(",")) + " " + (.AllowedMethods|join(",")) + " " + (.ExposeHeaders|index("Content-Range")|tostring)' "$work/cors.json")" == \
  "https://watch.example.com,http://localhost:8000 GET,HEAD 1" ]] || fail "CORS rule: $(cat "$work/cors.json")"
"$R2PUSH" check --to s3://live/pre --endpoint "$S3_URL" --public-url "$S3_URL/live" --origin https://watch.example.com \
  >"$work/check.out" 2>"$work/check.err" || fail "r2push check failed: $(cat "$work/check.out")"
for step in "credentials accepted" "PUT pre/r2push-check" "HEAD pre/" "public URL serves" "CORS: https://watch.example.com may read" \
  "CORS preflight allows the Range header" "Range: bytes=1-3 answered 206" "the object is gone"; do
  grep -q "^OK .*$step" "$work/check.out" || fail "check lacks an OK line for '$step': $(cat "$work/check.out")"
done
pass "cors (PutBucketCors ?cors=) read back by awscli; check: ListObjectsV2, PUT/HEAD/DELETE, public URL, CORS, Range preflight, 206 all OK"

# An origin the CORS rule does not list: check says FAIL with the fix, exit 69.
set +e
"$R2PUSH" check --to s3://live/pre --endpoint "$S3_URL" --public-url "$S3_URL/live" --origin https://other.example.com \
  >"$work/check2.out" 2>"$work/check2.err"
rc=$?
set -e
[[ $rc == 69 ]] || fail "check with an origin CORS does not allow: exit $rc, want 69: $(cat "$work/check2.out")"
grep -q "^FAIL .*CORS.*r2push cors --allow-origin https://other.example.com" "$work/check2.out" ||
  fail "check lacks the CORS FAIL line with its fix: $(cat "$work/check2.out")"
pass "check: an origin the bucket's CORS does not allow is a FAIL naming the fix"

set +e
"$R2PUSH" lifecycle --to s3://live/pre --endpoint "$S3_URL" --expire-days 2 >"$work/lc.out" 2>"$work/lc.err"
rc=$?
set -e
[[ $rc == 69 ]] || fail "lifecycle on s3rver should exit 69 (NotImplemented), got $rc"
grep -q "GetBucketLifecycleConfiguration on live: not implemented by the server (NotImplemented).*--replace" "$work/lc.err" ||
  fail "lifecycle: expected s3rver's NotImplemented on the GET, with --replace offered: $(cat "$work/lc.err")"
! grep -q "SignatureDoesNotMatch\|credentials rejected" "$work/lc.err" || fail "lifecycle request signature rejected"
pass "lifecycle (GET ?lifecycle= first): signature accepted, s3rver answers NotImplemented, --replace offered"

# --- wrong secret: credentials rejected, error event, no secret printed ----
set +e
jq -cn --arg p "$src/0/seg 1.ts" '{event:"segment",path:$p}' |
  AWS_SECRET_ACCESS_KEY=wrong-secret-4242 "$R2PUSH" --to s3://live --endpoint "$S3_URL" -v >"$work/bad.out" 2>"$work/bad.err"
rc=$?
set -e
[[ $rc == 69 ]] || fail "wrong secret: exit $rc, expected 69"
[[ "$(jq -r '[has("url"), .error.tool, (.error.status|tostring)] | join(" ")' "$work/bad.out")" == "false r2push 403" ]] ||
  fail "wrong secret: expected an error event without url: $(cat "$work/bad.out")"
jq -r .error.message "$work/bad.out" | grep -q "credentials rejected (SignatureDoesNotMatch)" || fail "no 'credentials rejected' in the event"
grep -q "credentials rejected (SignatureDoesNotMatch).*R2_SECRET_ACCESS_KEY" "$work/bad.err" || fail "stderr lacks 'credentials rejected' and the fix"
grep -q "curl > PUT /live/seg%201.ts" "$work/bad.err" || fail "-v shows no curl trace"
! grep -q "wrong-secret-4242\|S3RVER" "$work/bad.err" "$work/bad.out" || fail "a credential leaked into the output"
grep -q "Authorization: AWS4-HMAC-SHA256 \*\*\*" "$work/bad.err" || fail "Authorization header not redacted in the trace"
! grep -q "Signature=\|Credential=" "$work/bad.err" || fail "the signature reached the -v trace: $(grep "Signature=\|Credential=" "$work/bad.err")"
pass "wrong secret: 'credentials rejected' on stderr and in the event's error, exit 69, no credential in the -v trace"

set +e
jq -cn --arg p "$src/0/seg 1.ts" '{event:"segment",path:$p}' |
  "$R2PUSH" --to s3://nosuchbucket --endpoint "$S3_URL" >"$work/nb.out" 2>"$work/nb.err"
rc=$?
set -e
[[ $rc == 69 ]] || fail "wrong bucket: exit $rc"
grep -q "bucket 'nosuchbucket' does not exist (NoSuchBucket)" "$work/nb.err" || fail "wrong bucket message: $(cat "$work/nb.err")"
[[ "$(jq -r '.error.status' "$work/nb.out")" == 404 ]] || fail "wrong bucket: error event status"
pass "wrong bucket: NoSuchBucket named with the fix, error event"

# --- clock skew: a server whose clock is 30 minutes ahead --------------------
start_s3rver skewed 1800000
set +e
jq -cn --arg p "$src/0/seg 1.ts" '{event:"segment",path:$p}' |
  "$R2PUSH" --to s3://live --endpoint "$S3_URL" >"$work/skew.out" 2>"$work/skew.err"
rc=$?
"$R2PUSH" check --to s3://live --endpoint "$S3_URL" >"$work/skewcheck.out" 2>&1
set -e
[[ $rc == 69 ]] || fail "clock skew: exit $rc"
grep -q "clock skew: the server rejected the request time (RequestTimeTooSkewed).*NTP" "$work/skew.err" ||
  fail "clock skew message: $(cat "$work/skew.err")"
grep -q "^FAIL .*clock skew.*RequestTimeTooSkewed" "$work/skewcheck.out" || fail "check did not flag the skew: $(cat "$work/skewcheck.out")"
pass "clock skew of 30 min (server clock shifted): RequestTimeTooSkewed explained, check flags it"
