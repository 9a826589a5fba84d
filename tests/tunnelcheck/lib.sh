# shellcheck shell=bash disable=SC2034  # sourced: the variables are for the test scripts
# Shared by ladder_test.sh and live_test.sh (sourced): the tunnelcheck under
# test ($TUNNELCHECK, else the one on PATH), a temporary directory and the
# background processes started ($pids), both gone on exit, and `check`,
# which counts a failure in $fail (the script ends with `exit $fail`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin=${TUNNELCHECK:-tunnelcheck}
export TUNNELCHECK=$bin
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

fail=0
check() {  # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
