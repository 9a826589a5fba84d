# Sourced by sigd's shell tests: start sigd on a free port in a temp dir,
# stop it (and only it) on exit, small assertion helpers.
set -euo pipefail
work="$(mktemp -d)"
sigd_pid=""
cleanup() {
  if [[ -n "$sigd_pid" ]] && kill -0 "$sigd_pid" 2>/dev/null; then kill "$sigd_pid"; wait "$sigd_pid" 2>/dev/null || true; fi
  for p in ${extra_pids:-}; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
start_sigd() {
  rm -f "$work/ready"
  sigd --listen 127.0.0.1:0 --ready-file "$work/ready" "$@" 2>"$work/sigd.log" &
  sigd_pid=$!
  for _ in $(seq 200); do [[ -s "$work/ready" ]] && break; sleep 0.05; done
  [[ -s "$work/ready" ]] || { cat "$work/sigd.log"; echo "sigd did not start" >&2; exit 1; }
  addr="$(cat "$work/ready")"
}
ok() { echo "ok - $*"; }
fail() { echo "FAILED: $*" >&2; [[ -f "$work/sigd.log" ]] && tail -20 "$work/sigd.log" >&2; exit 1; }
expect_eq() { [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"; ok "$3"; }
stat_field() { curl -s "http://$addr/stats.json" | python3 -c "import sys,json; print(json.load(sys.stdin)['$1'])"; }
