#!/usr/bin/env bash
# --key with {hash}: segment keys named by their bytes (16 hex digits of
# SHA-256). Against s3rver: a source that restarts (same names, new bytes)
# gets new keys, the old objects keep their bytes, no reuse warning; the same
# file uploaded again by another r2push (a restarted hlswatch or r2push) gets
# the same key; a file rewritten between its event and its upload is refused
# with an error naming it; an expire event deletes the key r2push chose. On
# file://: the object is a copy of the bytes hashed, not a hard link to a
# source the encoder may rewrite in place. A misspelt placeholder exits 78.
source "$(dirname "$0")/lib/lib.sh"

tpl='{prefix}/{rendition}/{stem}-{hash}.{ext}'
hash_of() { sha256sum "$1" | cut -c1-16; }
seg_event() { jq -cn --arg p "$1" '{event:"segment",rendition:"r",path:$p,duration:2}'; }
start_s3rver main
push() { "$R2PUSH" --to s3://live/pre --endpoint "$S3_URL" --key "$tpl" "$@"; }

# --- a source that restarts: same names, new bytes, new keys -----------------
for run in run1 run2; do
  make_file "$work/$run/seg0.ts" 3000
  make_file "$work/$run/seg1.ts" 4000
done
{
  seg_event "$work/run1/seg0.ts"; seg_event "$work/run1/seg1.ts"
  sleep 0.2
  seg_event "$work/run2/seg0.ts"; seg_event "$work/run2/seg1.ts"
} | push >"$work/restart.out" 2>"$work/restart.err" || fail "restart run exited $?: $(cat "$work/restart.err")"
i=0
for f in run1/seg0 run1/seg1 run2/seg0 run2/seg1; do
  want="pre/r/${f#*/}-$(hash_of "$work/$f.ts").ts"
  got="$(jq -rs ".[$i].key" "$work/restart.out")"
  [[ "$got" == "$want" ]] || fail "$f.ts: key $got, expected $want"
  s3api get-object --bucket live --key "$got" "$work/got" >/dev/null || fail "$got is not in the bucket"
  cmp -s "$work/got" "$work/$f.ts" || fail "$got does not hold the bytes of $f.ts"
  i=$((i + 1))
done
[[ "$(jq -r .key "$work/restart.out" | sort -u | wc -l)" == 4 ]] || fail "the restart reused a key: $(cat "$work/restart.out")"
! grep -q "uploaded earlier in this run" "$work/restart.err" || fail "a reuse warning with {hash}: $(cat "$work/restart.err")"
pass "restarted source: seg0.ts and seg1.ts again with new bytes get new keys; old objects intact; no reuse warning"

# --- the same file again, from another r2push: the same key, no warning ------
{ seg_event "$work/run1/seg0.ts"; seg_event "$work/run1/seg0.ts"; } | push >"$work/again.out" 2>"$work/again.err" ||
  fail "second upload exited $?: $(cat "$work/again.err")"
first_key="$(jq -rs '.[0].key' "$work/restart.out")"
[[ "$(jq -r .key "$work/again.out" | sort -u)" == "$first_key" ]] ||
  fail "the same file got another key: $(cat "$work/again.out") (first: $first_key)"
! grep -q "uploaded earlier in this run" "$work/again.err" || fail "a reuse warning for the same bytes: $(cat "$work/again.err")"
pass "the same file uploaded again (another r2push, and twice in one): the same key $first_key"

# --- rewritten between its event and its upload: refused, named --------------
# The proxy stalls the first PUT of s004 5 s; with one job, seg5.ts waits
# behind it while the source rewrites it.
spawn node "$LIB/fault_proxy.mjs" "$S3_PORT" "$work/faults.jsonl" >"$work/proxy.out" 2>"$work/proxy.err"
wait_for 10 grep -q "listening on" "$work/proxy.out" || fail "fault proxy did not start"
proxy="http://127.0.0.1:$(grep -o '[0-9]*$' "$work/proxy.out")"
make_file "$work/src/s004.ts" 2000
make_file "$work/src/seg5.ts" 2000
set +e
{
  seg_event "$work/src/s004.ts"; seg_event "$work/src/seg5.ts"
  sleep 1
  head -c 2500 /dev/urandom >"$work/src/seg5.ts"  # an encoder restarted, writing seg5.ts in place
  sleep 0.2
} | "$R2PUSH" --to s3://live/pre --endpoint "$proxy" --key "$tpl" --jobs 1 --timeout 15 >"$work/changed.out" 2>"$work/changed.err"
rc=$?
set -e
[[ $rc == 69 ]] || fail "changed file: exit $rc, expected 69: $(cat "$work/changed.err")"
grep -q '"fault":"stall"' "$work/faults.jsonl" || fail "the proxy did not stall s004"
[[ "$(jq -r 'select(.path | endswith("s004.ts")) | has("url")' "$work/changed.out")" == true ]] || fail "s004.ts not uploaded"
[[ "$(jq -r 'select(.path | endswith("seg5.ts")) | has("url")' "$work/changed.out")" == false ]] ||
  fail "seg5.ts uploaded although it changed: $(cat "$work/changed.out")"
grep -q "error: not uploading $work/src/seg5.ts as pre/r/seg5-[0-9a-f]*.ts: the file changed after its event" "$work/changed.err" ||
  fail "the changed file is not named in an error: $(cat "$work/changed.err")"
[[ -z "$(s3api list-objects-v2 --bucket live --prefix pre/r/seg5 | jq -r '.Contents[]?.Key')" ]] ||
  fail "an object was written for the changed seg5.ts"
pass "a file rewritten after its event: not uploaded under its old bytes' key, named in an error, exit 69"

# --- expire events delete the key r2push chose; without a key, nothing ------
old_key="$(jq -rs '.[0].key' "$work/restart.out")" new_key="$(jq -rs '.[2].key' "$work/restart.out")"
{
  jq -c '.[0] | .event = "expire" | .expire_after = 0.2' -s "$work/restart.out"
  jq -cn --arg p "$work/run2/seg1.ts" '{event:"expire",rendition:"r",path:$p,expire_after:0.2}'
  sleep 1.5
} | "$R2PUSH" --to s3://live/pre --endpoint "$S3_URL" --key "$tpl" --delete-expired >"$work/exp.out" 2>"$work/exp.err" ||
  fail "expire run exited $?: $(cat "$work/exp.err")"
! s3api head-object --bucket live --key "$old_key" >/dev/null 2>&1 || fail "$old_key not deleted"
s3api head-object --bucket live --key "$new_key" >/dev/null || fail "$new_key (the restarted source's seg0.ts) was deleted"
grep -q "expire event for $work/run2/seg1.ts carries no key, and --key $tpl has {hash}" "$work/exp.err" ||
  fail "an expire event without key is not explained: $(cat "$work/exp.err")"
pass "expire: the event's key ($old_key) deleted, the new seg0.ts kept; no key + {hash}: nothing deleted, said why"

# --- file://: a copy of the hashed bytes, not a link to the source -----------
"$R2PUSH" --to "file://$work/www" --key "$tpl" <<<"$(seg_event "$work/run1/seg0.ts")" >"$work/file.out" 2>"$work/file.err" ||
  fail "file:// exited $?: $(cat "$work/file.err")"
target="$work/www/r/seg0-$(hash_of "$work/run1/seg0.ts").ts"
cmp -s "$target" "$work/run1/seg0.ts" || fail "file://: $target missing or other bytes"
[[ "$(stat -c %i "$target")" != "$(stat -c %i "$work/run1/seg0.ts")" ]] || fail "file://: $target is a hard link to the source"
pass "file://: {hash} key published as a copy of the bytes hashed"

# --- a misspelt placeholder stops r2push with the fix -------------------------
set +e
"$R2PUSH" --to "file://$work/www" --key '{prefix}/{rendition}/{stem}-{hsh}.{ext}' </dev/null >/dev/null 2>"$work/bad.err"
rc=$?
set -e
[[ $rc == 78 ]] || fail "bad placeholder: exit $rc, expected 78"
grep -q "unknown placeholder {hsh}; use .*{hash}" "$work/bad.err" || fail "bad placeholder message: $(cat "$work/bad.err")"
pass "--key with {hsh}: exit 78, the message names it and lists {hash}"
