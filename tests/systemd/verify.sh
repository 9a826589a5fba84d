#!/usr/bin/env bash
# systemd-analyze verify on every unit of scripts/systemd/ (syntax, known
# directives, executables), and the example environment files they start
# from: the variables the programs require are there.
src="${HLSMESH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
bin="${HLSMESH_BIN:-$src/build/bin}"
source "$src/tests/lib/script.sh"
script_init hlsmesh-systemd
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (Debian package systemd; scripts/deps installs it)"

units=("$src"/scripts/systemd/*.service)
((${#units[@]} == 3)) || fail "expected 3 units in scripts/systemd, found ${#units[@]}"
for unit in "${units[@]}"; do
  name="$(basename "$unit")"
  # ExecStart names a program (found on systemd's fixed search path once
  # installed); here it points at the build tree so verify can check it runs.
  command="$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")"
  [[ -n "$command" && "$command" != /* ]] || fail "$name: ExecStart must name the program without a directory (got '$command')"
  if [[ -x "$bin/$command" ]]; then path="$bin/$command"; else path="$src/scripts/$command"; fi
  [[ -x "$path" ]] || fail "$name: $command is neither in $bin nor in scripts/"
  sed "s|^ExecStart=$command|ExecStart=$path|" "$unit" >"$work/$name"
  systemd-analyze verify --man=no "$work/$name" >"$work/verify.log" 2>&1 ||
    fail "$name: systemd-analyze verify: $(cat "$work/verify.log")"
  # Anything it printed is a warning about the unit (an unknown directive, say).
  [[ ! -s "$work/verify.log" ]] || fail "$name: systemd-analyze verify warns: $(cat "$work/verify.log")"
  grep -q '^Restart=on-failure' "$unit" || fail "$name: no Restart=on-failure"
  env_file="$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")"
  example="$src/scripts/systemd/$(basename "$env_file" .env).env.example"
  [[ -f "$example" ]] || fail "$name reads $env_file, but there is no $example to start it from"
done
pass "systemd-analyze verify accepts ${#units[@]} units; each has its environment example"

# The examples set what the programs require.
grep -q '^HLSMESH_SOURCE=.' "$src/scripts/systemd/origin.env.example" || fail "origin.env.example lacks HLSMESH_SOURCE"
grep -q '^HLSMESH_PUBLIC_URL=https\?://' "$src/scripts/systemd/origin.env.example" ||
  fail "origin.env.example lacks an http(s) HLSMESH_PUBLIC_URL"
grep -q '^SIGD_LISTEN=' "$src/scripts/systemd/sigd.env.example" || fail "sigd.env.example lacks SIGD_LISTEN"
grep -q '^MESHRELAY_URL=https\?://' "$src/scripts/systemd/meshrelay.env.example" || fail "meshrelay.env.example lacks MESHRELAY_URL"
grep -q '^MESHRELAY_TRACKER=wss\?://' "$src/scripts/systemd/meshrelay.env.example" ||
  fail "meshrelay.env.example lacks a ws(s) MESHRELAY_TRACKER"
pass "the environment examples set HLSMESH_SOURCE, HLSMESH_PUBLIC_URL and SIGD_LISTEN"
