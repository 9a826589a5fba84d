#!/usr/bin/env bash
# A fault-injecting proxy between r2push and s3rver (500s, 429 with
# Retry-After, connection reset mid-body, a 5 s stall, 503 twice, and keys
# that always fail): every event comes out once, in order, with url or error;
# uploaded objects hold the right bytes. Then SIGTERM mid-stream: exit 0, and
# every event read comes out.
source "$(dirname "$0")/lib/lib.sh"

start_s3rver main
spawn node "$LIB/fault_proxy.mjs" "$S3_PORT" "$work/faults.jsonl" >"$work/proxy.out" 2>"$work/proxy.err"
wait_for 10 grep -q "listening on" "$work/proxy.out" || fail "fault proxy did not start"
PROXY="http://127.0.0.1:$(grep -o '[0-9]*$' "$work/proxy.out")"

n=0
{
  for i in $(seq 0 35); do
    name=$(printf 's%03d' "$i")
    make_file "$work/src/$name.ts" $((200000 + i * 1000))
    jq -cn --arg p "$work/src/$name.ts" --argjson n $n '{event:"segment",n:$n,rendition:"0",path:$p}'
    n=$((n + 1))
    if ((i % 9 == 4)); then
      make_file "$work/src/doomed$i.ts" 1000
      jq -cn --arg p "$work/src/doomed$i.ts" --argjson n $n '{event:"segment",n:$n,rendition:"0",path:$p}'
      n=$((n + 1))
    fi
    if ((i % 5 == 0)); then
      jq -cn --argjson n $n '{event:"tick",n:$n}'
      n=$((n + 1))
    fi
  done
} >"$work/in.jsonl"
total=$(wc -l <"$work/in.jsonl")

set +e
"$R2PUSH" --to s3://live --endpoint "$PROXY" --public-url "$S3_URL/live" --jobs 4 --retries 4 --timeout 3 --deadline 40 \
  <"$work/in.jsonl" >"$work/out.jsonl" 2>"$work/run.err"
rc=$?
set -e
[[ $rc == 69 ]] || fail "with objects that always fail the exit should be 69, got $rc"
[[ "$(wc -l <"$work/out.jsonl")" == "$total" ]] || fail "$(wc -l <"$work/out.jsonl") events out of $total"
[[ "$(jq -r .n "$work/out.jsonl" | tr '\n' ' ')" == "$(seq 0 $((total - 1)) | tr '\n' ' ')" ]] || fail "events out of order or duplicated"
jq -e 'select(.event=="segment") | select((has("url")) == (has("error")))' "$work/out.jsonl" >/dev/null &&
  fail "a segment event has both or neither of url and error"
doomed_ok=$(jq -r 'select(.path|tostring|test("doomed")) | "\(.error.status) \(has("url"))"' "$work/out.jsonl" | sort -u)
[[ "$doomed_ok" == "500 false" ]] || fail "always-failing objects: $doomed_ok"
grep -q "failed after 5 tries: server error (InternalError)" "$work/run.err" || fail "final failure not explained on stderr"
[[ "$(jq -r 'select(.event=="segment" and (.path|test("/s[0-9]{3}")) and has("url")) | .n' "$work/out.jsonl" | wc -l)" == 36 ]] ||
  fail "not every recoverable object got a url: $(jq -c 'select(.error)' "$work/out.jsonl" | head -3)"
while read -r url path; do
  curl -sf "$url" -o "$work/got" || fail "$url not served"
  cmp -s "$work/got" "$path" || fail "$url holds other bytes than $path"
done < <(jq -r 'select(has("url")) | "\(.url) \(.path)"' "$work/out.jsonl")
for kind in error500 retry_after reset stall error503; do
  grep -q "\"fault\":\"$kind\"" "$work/faults.jsonl" || fail "the proxy never injected $kind"
done
grep -q "rate limited (TooManyRequests); retrying in 1[0-9][0-9][0-9] ms" "$work/run.err" || fail "Retry-After: 1 not honoured"
pass "$total events with 500/429+Retry-After/reset/stall/503 faults: all out once, in order; 36 with url and right bytes, doomed ones with error"

# SIGTERM mid-stream: in-flight work finishes, every event read comes out, exit 0.
mkfifo "$work/fifo"
spawn bash -c "exec >'$work/fifo'; head -n 12 '$work/in.jsonl'; exec sleep 30"
writer=$last_pid
"$R2PUSH" --to s3://live/term --endpoint "$PROXY" --jobs 2 --timeout 3 <"$work/fifo" >"$work/term.out" 2>"$work/term.err" &
r2=$!
started_pids+=("$r2")
wait_for 10 test -s "$work/term.out" || fail "nothing came out before SIGTERM"
sleep 0.5
kill -TERM "$r2"
set +e
wait "$r2"
rc=$?
set -e
kill "$writer" 2>/dev/null || true
[[ $rc == 0 ]] || fail "SIGTERM: exit $rc, expected 0"
[[ "$(wc -l <"$work/term.out")" == 12 ]] || fail "SIGTERM: $(wc -l <"$work/term.out") of 12 events out"
jq -e 'select(.event=="segment") | select((has("url")) == (has("error")))' "$work/term.out" >/dev/null &&
  fail "SIGTERM: a segment event has neither url nor error"
pass "SIGTERM mid-stream: exit 0, all 12 events read came out with url or error"
