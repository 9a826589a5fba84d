#!/usr/bin/env bash
# EACCES (the seeds' broadcaster sat in an error loop on exactly this): the
# watcher runs as an unprivileged user (root ignores permissions) on a
# directory it may not read. It says what, on which path, as which uid, and
# how to fix it; retries with backoff; resumes by itself once fixed, also
# after a second lockout while running; never exits (unless --once: 74).
source "$(dirname "$0")/lib.sh"

run_as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
run_as_nobody true 2>/dev/null || { echo "skip: setpriv cannot switch to uid 65534 here"; exit 0; }

dir="$work/live"
mkdir -p "$dir"
chmod 700 "$dir"  # root's, unreadable by nobody

rc=0
run_as_nobody "$HLSWATCH" --once "$dir" >/dev/null 2>"$work/once.err" || rc=$?
[[ $rc == 74 ]] || fail "--once on an unreadable directory exited $rc, expected 74"

spawn setpriv --reuid=65534 --regid=65534 --clear-groups "$HLSWATCH" --retry-max 500 "$dir" >"$work/ev.jsonl" 2>"$work/watch.err"
watch_pid=$last_pid
# 14 s of video, ending by itself (ENDLIST) after both lockouts.
spawn ffmpeg -nostdin -loglevel error -re -f lavfi -i "testsrc2=size=320x180:rate=25" -t 14 \
  -c:v libx264 -preset ultrafast -g 25 -f hls -hls_time 1 -hls_list_size 0 "$dir/stream.m3u8"
ffmpeg_pid=$last_pid
wait_for 5 grep -q "(EACCES) on $dir" "$work/watch.err" || fail "no EACCES message naming $dir"
msg=$(grep -m1 "(EACCES) on $dir" "$work/watch.err")
grep -q "uid 65534" <<<"$msg" || fail "the message does not name the uid: $msg"
grep -q "chmod" <<<"$msg" || fail "the message does not say how to fix it: $msg"
grep -q "retrying" <<<"$msg" || fail "the message does not say it retries: $msg"
sleep 2
kill -0 "$watch_pid" || fail "the watcher exited on EACCES"
[[ ! -s "$work/ev.jsonl" ]] || fail "events emitted while the directory was unreadable"

# Fixed: it resumes by itself.
chmod 755 "$dir"
wait_for 10 bash -c "[[ \$(jq -s '[.[] | select(.event==\"segment\")] | length' '$work/ev.jsonl') -ge 3 ]]" ||
  fail "did not resume after chmod 755"
grep -q "readable again" "$work/watch.err" || fail "no notice on recovery"

# Locked out again while running, then fixed again.
chmod 700 "$dir"
before=$(jq -s '[.[] | select(.event=="segment")] | length' "$work/ev.jsonl")
wait_for 5 bash -c "[[ \$(grep -c '(EACCES) on $dir' '$work/watch.err') -ge 2 ]]" || fail "second lockout not reported"
sleep 1.5
chmod 755 "$dir"
wait_for 10 bash -c "[[ \$(jq -s '[.[] | select(.event==\"segment\")] | length' '$work/ev.jsonl') -ge $((before + 3)) ]]" ||
  fail "did not resume after the second fix"
wait "$ffmpeg_pid" 2>/dev/null || true
wait_for 10 grep -q '"event":"end"' "$work/ev.jsonl" || fail "no end event"
sleep 0.2

n=$(grep -c '^stream[0-9]*\.ts$' "$dir/stream.m3u8")
# Everything the (list-all) playlist listed was emitted once, in order, even
# what was written while the watcher was locked out.
[[ "$(msn_list "$work/ev.jsonl")" == "$(seq_text 0 $((n - 1)))" ]] || fail "msns $(msn_list "$work/ev.jsonl"), want 0..$((n - 1))"
check_no_duplicates "$work/ev.jsonl"
check_sizes "$work/ev.jsonl"
kill -0 "$watch_pid" || fail "the watcher exited"
pass "EACCES as uid 65534: reported with path/uid/fix, resumed twice by itself, 0..$((n - 1)) once each"
