#!/usr/bin/env bash
# The command line contract: --help/--version, usage errors (64), bad input
# lines (reported and skipped; --strict → 65), a corrupt playlist to resume
# from (65, no overwrite), SIGTERM → 0, refusals on stderr and in the event.
source "$(dirname "$0")/lib.sh"

m3u8roll --help | grep -q -- '--window-seconds' || fail "--help does not list --window-seconds"
m3u8roll --version | grep -q '^m3u8roll (hlsmesh) ' || fail "--version"
rc=0; m3u8roll </dev/null 2>"$T/err" || rc=$?
[[ $rc == 64 ]] || fail "missing --out should exit 64, got $rc"
grep -q -- '--out' "$T/err" || fail "usage error does not name --out"
rc=0; m3u8roll --out "$T/x.m3u8" --window 5 --window-seconds 10 </dev/null 2>/dev/null || rc=$?
[[ $rc == 64 ]] || fail "--window with --window-seconds should exit 64, got $rc"

seg() { printf '{"event":"segment","msn":%d,"uri":"s%d.ts","duration":%s,"target_duration":2}\n' "$1" "$1" "${2:-2}"; }

# A bad line is reported with its number and skipped; the rest goes on.
out="$( { echo 'not json'; seg 0; seg 1; seg 2; echo '{"event":"other","k":1}'; } |
  m3u8roll --out "$T/a/{rendition}.m3u8" --base-url http://cdn.example/live 2>"$T/err")"
grep -q 'line 1' "$T/err" || fail "bad line not reported with its number: $(cat "$T/err")"
grep -qx '{"event":"other","k":1}' <<<"$out" || fail "unknown event not passed through unchanged"
grep -qx 'http://cdn.example/live/s2.ts' "$T/a/0.m3u8" || fail "playlist not written: $(cat "$T/a/0.m3u8")"
rc=0; { echo 'not json'; seg 0; } | m3u8roll --strict --out "$T/b.m3u8" --base-url http://x >/dev/null 2>&1 || rc=$?
[[ $rc == 65 ]] || fail "--strict with a bad line should exit 65, got $rc"

# A segment longer than the target duration: refused, loudly, with the fix.
out="$( { seg 3 2.6; } | m3u8roll --out "$T/a/{rendition}.m3u8" --base-url http://cdn.example/live 2>"$T/err")"
grep -q 'NOT listed' "$T/err" || fail "over-long segment not reported"
grep -q -- '--target-duration 3' "$T/err" || fail "the fix is not named: $(cat "$T/err")"
grep -q '"playlist_error"' <<<"$out" || fail "refused segment event lacks playlist_error"
grep -q '"reason":"not-listed"' <<<"$out" || fail "refused segment has no not-listed expire event"
[[ "$(grep -c EXTINF "$T/a/0.m3u8")" == 3 ]] || fail "refused segment was listed"

# A corrupt playlist to resume from: exit 65, and it is left alone.
mkdir -p "$T/c" && printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n' >"$T/c/0.m3u8"
rc=0; seg 0 | m3u8roll --out "$T/c/{rendition}.m3u8" --base-url http://x >/dev/null 2>"$T/err" || rc=$?
[[ $rc == 65 ]] || fail "corrupt playlist to resume from should exit 65, got $rc"
grep -q 'cannot resume from' "$T/err" || fail "no message about the corrupt playlist"
[[ "$(wc -l <"$T/c/0.m3u8")" == 3 ]] || fail "the corrupt playlist was overwritten"

# SIGTERM while waiting for input: clean exit 0.
mkfifo "$T/fifo"
m3u8roll --out "$T/d/{rendition}.m3u8" --base-url http://x <"$T/fifo" >"$T/d.out" 2>"$T/d.err" &
pid=$!
started_pids+=("$pid")
exec {w}>"$T/fifo"
seg 0 >&$w
for _ in $(seq 50); do grep -q '"event":"segment"' "$T/d.out" && break; sleep 0.1; done
grep -q '"event":"segment"' "$T/d.out" || fail "event not passed through before SIGTERM"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
exec {w}>&-
[[ $rc == 0 ]] || fail "SIGTERM should exit 0, got $rc: $(cat "$T/d.err")"
pass "cli: help, usage 64, bad lines, strict 65, refusals, corrupt resume 65, SIGTERM 0"
