# Shared by torrentseed's integration tests, over tests/lib/script.sh (temp
# dir, PIDs stopped at exit, fail, wait_for, free_port): test segments, an
# origin seeder, event fields.
set -euo pipefail

TS_BIN="${HLSMESH_BIN:+$HLSMESH_BIN/}torrentseed"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export NODE_PATH="${NODE_PATH:-${HLSMESH_SRC:-$HERE/../..}/node_modules}"
source "$HERE/../lib/script.sh"
script_init ts-it
WORK="$work"

# started PID: a process started with & that cleanup stops (by PID).
started() { started_pids+=("$1"); }

# make_segment FILE BYTES: pseudo-random content (distinct per file name).
make_segment() {
  head -c "$2" /dev/urandom >"$1"
}

# json_field FILE EVENT FIELD: FIELD of the first line whose event is EVENT.
json_field() {
  jq -r --arg e "$2" --arg f "$3" 'select(.event==$e) | .[$f]' "$1" | head -n1
}

# start_origin [OUT]: an origin torrentseed (seed mode, no LSD, no seedstats)
# on a free port ($origin_port, pid $origin_pid), reading events from the
# fifo $WORK/origin.in held open on fd 7; its events go to OUT
# ($WORK/origin.out; a fifo another process reads is fine).
start_origin() {
  local out="${1:-$WORK/origin.out}"
  mkfifo "$WORK/origin.in"
  origin_port=$(free_port)
  "$TS_BIN" --listen "127.0.0.1:$origin_port" --no-lsd --stats-interval 0 <"$WORK/origin.in" >"$out" \
    2>"$WORK/origin.err" &
  origin_pid=$!
  started "$origin_pid"
  exec 7>"$WORK/origin.in"
}

# seed_segments N BYTES: segments $WORK/seg0.ts … seg(N-1).ts (BYTES, +1000
# for each next one) given to the origin, with a web seed URL that answers
# nothing (every byte must come from peers).
seed_segments() {
  local i
  for ((i = 0; i < $1; i++)); do
    make_segment "$WORK/seg$i.ts" $(($2 + i * 1000))
    echo "{\"event\":\"segment\",\"msn\":$i,\"path\":\"$WORK/seg$i.ts\",\"url\":\"http://127.0.0.1:1/nowhere/seg$i.ts\"}" >&7
  done
}

# wait_seeded N: the origin has put out N magnets ($WORK/origin.out).
wait_seeded() {
  seeded_n() { [[ $(grep -c '"magnet"' "$WORK/origin.out") -eq $1 ]]; }
  wait_for 20 seeded_n "$1" || fail "the origin did not seed $1 segments: $(cat "$WORK/origin.err")"
}
