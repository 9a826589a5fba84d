# Shared helpers for the integration scripts (sourced, not run): a private
# temp dir removed at exit, background processes killed by the PIDs started
# here and no others, and failures that name what did not hold.
#   source tests/lib/script.sh; script_init NAME
# A script (or its tool's lib) may define fail_context() to print the logs
# worth seeing when a check fails. KEEP_TMP=1 keeps the temp dir to look at.
set -euo pipefail

started_pids=()

# script_init NAME: $work = a fresh mktemp dir, cleaned up with the PIDs.
script_init() {
  work="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  trap cleanup EXIT
}

cleanup() {
  local pid
  for pid in "${started_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${started_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "${KEEP_TMP:-}" ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}

fail() {
  echo "FAIL: $*" >&2
  if declare -F fail_context >/dev/null; then fail_context >&2 || true; fi
  exit 1
}

pass() { echo "ok: $*"; }

# spawn CMD...: runs it in the background; its PID lands in $last_pid.
spawn() {
  "$@" &
  last_pid=$!
  started_pids+=("$last_pid")
}

# wait_for SECONDS CONDITION...: polls the condition every 50 ms; what it
# prints on stderr while it does not hold yet (curl's "connection refused")
# is dropped.
wait_for() {
  local limit=$1
  shift
  local deadline=$((SECONDS + limit))
  until "$@" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# free_port: a TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it).
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Not `jq -e FILTER`: jq 1.6 exits 0 on empty input, so an empty file, an
# empty variable or a failed curl would pass. The tests pipe jq's output
# through `tail -n 1 | grep -qx true`, which needs a value and a true one.
