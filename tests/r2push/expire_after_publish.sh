#!/usr/bin/env bash
# --delete-expired counts a segment's availability time from the publication
# of the playlist that stopped listing it (RFC 8216 §6.2.2), not from the
# expire event's arrival: with that playlist's upload stalled 5 s by the fault
# proxy, the segment must still be there when the playlist appears, and gone
# about expire_after later.
source "$(dirname "$0")/lib/lib.sh"

start_s3rver main
spawn node "$LIB/fault_proxy.mjs" "$S3_PORT" "$work/faults.jsonl" >"$work/proxy.out" 2>"$work/proxy.err"
wait_for 10 grep -q "listening on" "$work/proxy.out" || fail "fault proxy did not start"
PROXY="http://127.0.0.1:$(grep -o '[0-9]*$' "$work/proxy.out")"

make_file "$work/src/0/seg1.ts" 100000
"$R2PUSH" --to s3://live --endpoint "$S3_URL" --public-url "$S3_URL/live" \
  <<<"$(jq -cn --arg p "$work/src/0/seg1.ts" '{event:"segment",rendition:"0",path:$p}')" >"$work/up.out" 2>"$work/up.err" ||
  fail "segment upload exited $?"
seg_key=$(jq -r .key "$work/up.out")
[[ -n "$seg_key" && "$seg_key" != null ]] || fail "no key on the uploaded segment: $(cat "$work/up.out")"

# The playlist's key matches the proxy's "s004" rule: its first PUT stalls 5 s.
printf '#EXTM3U\n' >"$work/src/0/s004.m3u8"
{
  jq -cn --arg p "$work/src/0/s004.m3u8" '{event:"playlist",rendition:"0",path:$p,duration:2}'
  jq -cn --arg k "$seg_key" '{event:"expire",rendition:"0",key:$k,duration:1,expire_after:1}'
} >"$work/in.jsonl"

exists() { s3api head-object --bucket live --key "$1" >/dev/null 2>&1; }
# Not through spawn: a background command in a function reads /dev/null.
"$R2PUSH" --to s3://live --endpoint "$PROXY" --public-url "$S3_URL/live" --delete-expired --timeout 15 \
  <"$work/in.jsonl" >"$work/run.out" 2>"$work/run.err" &
r2push_pid=$!
started_pids+=("$r2push_pid")
playlist_key="${seg_key%/*}/s004.m3u8"
wait_for 20 exists "$playlist_key" || fail "the playlist $playlist_key was never published"
grep -q '"fault":"stall"' "$work/faults.jsonl" || fail "the proxy did not stall the playlist upload"
wait_for 10 bash -c "! aws --endpoint-url '$S3_URL' s3api head-object --bucket live --key '$seg_key' >/dev/null 2>&1" ||
  fail "$seg_key not deleted after its availability time"
# The order from the proxy's clock, not from polling with aws (a second or
# more per call on a busy machine): the delete is asked for at least
# expire_after (1 s) after the playlist's upload was answered.
published_ms=$(jq -s --arg k "$playlist_key" '[.[] | select(.fault == "answered" and .method == "PUT" and (.url | contains($k)))] | first | .ms' "$work/faults.jsonl")
deleted_ms=$(jq -s '[.[] | select(.fault != "answered" and (.method == "DELETE" or (.method == "POST" and (.url | contains("delete")))))] | first | .ms' "$work/faults.jsonl")
[[ "$published_ms" =~ ^[0-9]+$ ]] || fail "the proxy never answered the playlist's PUT: $(cat "$work/faults.jsonl")"
[[ "$deleted_ms" =~ ^[0-9]+$ ]] || fail "no delete went through the proxy: $(cat "$work/faults.jsonl")"
((deleted_ms - published_ms >= 900)) ||
  fail "$seg_key was deleted $((deleted_ms - published_ms)) ms after the playlist that stopped listing it was published (want ≥ 1 s)"
wait "$r2push_pid" || fail "r2push exited $?"
pass "the expired segment outlived the stalled playlist upload, then was deleted"

# SIGTERM while that playlist is still uploading: the expire event behind it
# is written after the stop, so its delete is left (with a warning) rather
# than held for its 60 s availability time.
make_file "$work/src/0/seg2.ts" 100000
"$R2PUSH" --to s3://live --endpoint "$S3_URL" --public-url "$S3_URL/live" \
  <<<"$(jq -cn --arg p "$work/src/0/seg2.ts" '{event:"segment",rendition:"0",path:$p}')" >"$work/up2.out" 2>"$work/up2.err" ||
  fail "second segment upload exited $?"
seg2_key=$(jq -r .key "$work/up2.out")
printf '#EXTM3U\n' >"$work/src/0/s010.m3u8"  # s010: the proxy stalls its first PUT 5 s
mkfifo "$work/fifo"
"$R2PUSH" --to s3://live --endpoint "$PROXY" --public-url "$S3_URL/live" --delete-expired --timeout 15 \
  <"$work/fifo" >"$work/stop.out" 2>"$work/stop.err" &
stop_pid=$!
started_pids+=("$stop_pid")
exec {feed}>"$work/fifo"
jq -cn --arg p "$work/src/0/s010.m3u8" '{event:"playlist",rendition:"0",path:$p,duration:2}' >&$feed
jq -cn --arg k "$seg2_key" '{event:"expire",rendition:"0",key:$k,duration:1,expire_after:60}' >&$feed
wait_for 10 grep -q '"url":"[^"]*s010.m3u8"\|s010' "$work/faults.jsonl" || fail "the playlist upload did not start"
kill -TERM "$stop_pid"
started=$SECONDS
wait "$stop_pid" || fail "r2push exited $? after SIGTERM"
exec {feed}>&-
((SECONDS - started < 20)) || fail "r2push took $((SECONDS - started)) s to stop: it waited for a delete scheduled after the stop"
grep -q "not deleting expired '$seg2_key': r2push is stopping" "$work/stop.err" || fail "the abandoned delete was not named: $(cat "$work/stop.err")"
exists "$seg2_key" || fail "$seg2_key was deleted although r2push stopped before its availability time"
pass "SIGTERM during the playlist upload: r2push stops at once, the delete behind it named and left"
