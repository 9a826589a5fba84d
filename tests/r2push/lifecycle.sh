#!/usr/bin/env bash
# r2push lifecycle keeps the bucket's other rules: PutBucketLifecycleConfiguration
# replaces the whole configuration, so r2push reads it first (GET ?lifecycle=)
# and puts back every other rule, replacing only its own rule for the prefix.
# No rules yet (NoSuchLifecycleConfiguration): starts empty. GET refused: stops
# and offers --replace, which PUTs r2push's rule alone. Requests go through the
# SigV4 oracle to a loopback lifecycle store (s3rver has no lifecycle support).
source "$(dirname "$0")/lib/lib.sh"

state="$work/store"
mkdir -p "$state"
spawn node "$LIB/lifecycle_store.mjs" "$state" >"$work/store.out" 2>"$work/store.err"
wait_for 10 grep -q "listening on" "$work/store.out" || fail "lifecycle store did not start"
store_port=$(grep -o '[0-9]*$' "$work/store.out")
spawn node "$LIB/sigv4_oracle.mjs" "$store_port" S3RVER "$work/oracle.jsonl" >"$work/oracle.out" 2>"$work/oracle.err"
wait_for 10 grep -q "listening on" "$work/oracle.out" || fail "oracle did not start"
ORACLE="http://127.0.0.1:$(grep -o '[0-9]*$' "$work/oracle.out")"
: >"$work/oracle.jsonl"
lifecycle() { "$R2PUSH" lifecycle --endpoint "$ORACLE" "$@"; }
rules() { node -e '
  const x = require("fs").readFileSync(process.argv[1], "utf8");
  for (const r of x.match(/<Rule>[\s\S]*?<\/Rule>/g) || []) console.log(r);' "$state/lifecycle.xml"; }

# --- existing rules: a foreign one and r2push's own for the prefix ----------
abort='<Rule><ID>Default Multipart Abort Rule</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>'
logs='<Rule><ID>logs &amp; more</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>'
printf '<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">%s%s</LifecycleConfiguration>' \
  "$abort" "$logs" >"$state/lifecycle.xml"
lifecycle --to s3://live/live --expire-days 7 >"$work/lc1.out" 2>"$work/lc1.err" || fail "lifecycle exited $?: $(cat "$work/lc1.err")"
grep -q "2 other rule(s) kept" "$work/lc1.out" || fail "lifecycle output: $(cat "$work/lc1.out")"
lifecycle --to s3://live/live --expire-days 2 >"$work/lc2.out" 2>"$work/lc2.err" || fail "second lifecycle exited $?: $(cat "$work/lc2.err")"
grep -q "2 other rule(s) kept, the earlier rule of that ID replaced" "$work/lc2.out" || fail "second lifecycle output: $(cat "$work/lc2.out")"
mapfile -t got < <(rules)
((${#got[@]} == 3)) || fail "expected 3 rules, got ${#got[@]}: $(cat "$state/lifecycle.xml")"
[[ "${got[0]}" == "$abort" ]] || fail "the multipart abort rule was not kept as it was: ${got[0]}"
[[ "${got[1]}" == "$logs" ]] || fail "the logs rule was not kept as it was: ${got[1]}"
[[ "${got[2]}" == '<Rule><ID>r2push-expire:live/</ID><Filter><Prefix>live/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>' ]] ||
  fail "r2push's rule: ${got[2]}"
[[ "$(jq -r '.method + " " + .url' "$work/oracle.jsonl" | tr '\n' ',')" == "GET /live?lifecycle=,PUT /live?lifecycle=,GET /live?lifecycle=,PUT /live?lifecycle=," ]] ||
  fail "requests: $(jq -c . "$work/oracle.jsonl")"
[[ -z "$(jq -c 'select(.ok|not)' "$work/oracle.jsonl")" ]] || fail "the oracle rejected: $(jq -c 'select(.ok|not)' "$work/oracle.jsonl")"
pass "existing rules kept byte for byte (multipart abort, 'logs & more'); r2push's rule for live/ added, then replaced (7 → 2 days), not doubled; GET/PUT signatures verified"

# --- no configuration yet: NoSuchLifecycleConfiguration → only r2push's rule --
rm "$state/lifecycle.xml"
lifecycle --to s3://live --expire-days 3 >"$work/lc3.out" 2>"$work/lc3.err" || fail "lifecycle on a bucket without rules exited $?: $(cat "$work/lc3.err")"
mapfile -t got < <(rules)
[[ "${#got[@]} ${got[0]}" == "1 <Rule><ID>r2push-expire:</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>" ]] ||
  fail "bucket without rules: $(cat "$state/lifecycle.xml")"
pass "no configuration yet (404 NoSuchLifecycleConfiguration): r2push's rule alone"

# --- GET refused: stop, say why, offer --replace; --replace PUTs only ours --
printf '%s' "$abort" | sed 's/^/<LifecycleConfiguration>/; s/$/<\/LifecycleConfiguration>/' >"$state/lifecycle.xml"
cp "$state/lifecycle.xml" "$work/before.xml"
echo 403 >"$state/get_status"
: >"$work/oracle.jsonl"
set +e
lifecycle --to s3://live --expire-days 3 >"$work/lc4.out" 2>"$work/lc4.err"
rc=$?
set -e
[[ $rc == 69 ]] || fail "GET refused: exit $rc, expected 69"
grep -q "GetBucketLifecycleConfiguration on live: access denied (AccessDenied).*--replace" "$work/lc4.err" ||
  fail "GET refused: message $(cat "$work/lc4.err")"
! jq -r .method "$work/oracle.jsonl" | grep -q PUT || fail "GET refused, yet a PUT was sent"
cmp -s "$state/lifecycle.xml" "$work/before.xml" || fail "GET refused, yet the configuration changed"
lifecycle --to s3://live --expire-days 4 --replace >"$work/lc5.out" 2>"$work/lc5.err" || fail "--replace exited $?: $(cat "$work/lc5.err")"
[[ "$(jq -r '.method' "$work/oracle.jsonl" | tr '\n' ' ')" == "GET PUT " ]] || fail "--replace should PUT without a GET: $(jq -c . "$work/oracle.jsonl")"
mapfile -t got < <(rules)
[[ "${#got[@]}" == 1 && "${got[0]}" == *"<Days>4</Days>"* ]] || fail "--replace: $(cat "$state/lifecycle.xml")"
grep -q "every other rule removed (--replace)" "$work/lc5.out" || fail "--replace output: $(cat "$work/lc5.out")"
pass "GET refused (403): exit 69, 'access denied' with --replace offered, nothing written; --replace PUTs r2push's rule alone"
