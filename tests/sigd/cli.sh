#!/usr/bin/env bash
# Command line and exit codes: --help/--version 0, bad usage 64, bad stdin
# event with --strict 65, missing --www 66, address in use 69, bad allow-list 78.
source "$(dirname "$0")/common.sh"
rc() { set +e; "$@" >/dev/null 2>"$work/err" </dev/null; local r=$?; set -e; echo "$r"; }
expect_eq "$(rc sigd --help)" "0" "--help exits 0"
sigd --version | grep -q '^sigd (hlsmesh)' || fail "--version text"; ok "--version names the program"
expect_eq "$(rc sigd --no-such-option)" "64" "unknown option exits 64"
expect_eq "$(rc sigd --interval 120 --idle-timeout 100)" "64" "idle timeout not above the interval exits 64"
grep -q 'browsers cannot ping' "$work/err" || fail "idle-timeout message says why"; ok "and says why"
expect_eq "$(rc sigd --trusted-proxy localhost)" "64" "a --trusted-proxy that is not an IP exits 64"
grep -q -- '--trusted-proxy localhost: not an IP address' "$work/err" || fail "trusted-proxy message: $(cat "$work/err")"
ok "and names the entry"
expect_eq "$(rc sigd --listen 127.0.0.1:0 --www "$work/nope")" "66" "missing --www exits 66"
echo "not-a-hash" > "$work/allow.txt"
expect_eq "$(rc sigd --listen 127.0.0.1:0 --allow-list "$work/allow.txt")" "78" "bad allow-list exits 78"
grep -q 'line 1' "$work/err" || fail "allow-list error names the line"; ok "and names the line"
start_sigd
expect_eq "$(rc sigd --listen "$addr")" "69" "address in use exits 69"
set +e
printf '{"event":"segment","msn":1}\nnot json\n' | sigd --listen 127.0.0.1:0 --events-stdin --strict 2>"$work/err"
r=$?
set -e
expect_eq "$r" "65" "--strict with a bad stdin line exits 65"
grep -q 'line 2' "$work/err" || fail "bad line reported with its number"; ok "the bad line is reported with its number"
