#!/usr/bin/env bash
# Table-driven tunnelcheck cases: each line of TABLE names a case, the exit
# code it must give and a finding code it must report (in --format json).
#   run_cases.sh TABLE [KEY=VALUE...]   (KEY=VALUE replaces @KEY@ in arguments)
# Cases run up to $JOBS at a time; every failure is listed, then exit 1.
set -uo pipefail
table=$1; shift
declare -A subst=([C]="$(cd "$(dirname "$table")" && pwd)")
for kv in "$@"; do subst[${kv%%=*}]=${kv#*=}; done
bin=${TUNNELCHECK:-tunnelcheck}
jobs=${JOBS:-4}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run_case() {  # name exit code args...
  local name=$1 want_exit=$2 want_code=$3; shift 3
  local start end rc
  start=$(date +%s%N)
  "$bin" --format json "$@" >"$out/$name.out" 2>"$out/$name.err"
  rc=$?
  end=$(date +%s%N)
  echo "$rc $(( (end - start) / 1000000 ))" >"$out/$name.rc"
}

names=()
while IFS= read -r line; do
  [[ -z "${line// }" || "$line" == \#* ]] && continue
  IFS='|' read -r name want_exit want_code args <<<"$line"
  name=$(echo $name); want_exit=$(echo $want_exit); want_code=$(echo $want_code)
  for k in "${!subst[@]}"; do args=${args//@$k@/${subst[$k]}}; done
  names+=("$name|$want_exit|$want_code|$args")
  # shellcheck disable=SC2086
  run_case "$name" "$want_exit" "$want_code" $args &
  while (( $(jobs -rp | wc -l) >= jobs )); do wait -n; done
done <"$table"
wait

failed=0
for entry in "${names[@]}"; do
  IFS='|' read -r name want_exit want_code args <<<"$entry"
  read -r rc ms <"$out/$name.rc"
  problem=""
  [[ "$rc" == "$want_exit" ]] || problem="exit $rc, expected $want_exit"
  if [[ "$want_code" != "-" ]] && ! grep -q "\"code\":\"$want_code\"" "$out/$name.out"; then
    problem="${problem:+$problem; }no finding $want_code"
  fi
  # JSON format: every stdout line must be one JSON object.
  if ! node -e 'for (const l of require("fs").readFileSync(0,"utf8").split("\n")) if (l) JSON.parse(l)' <"$out/$name.out" 2>/dev/null; then
    problem="${problem:+$problem; }stdout is not JSON lines"
  fi
  if [[ -n "$problem" ]]; then
    echo "FAIL $name: $problem (${ms} ms) — tunnelcheck $args"
    sed 's/^/    out: /' "$out/$name.out" | head -20
    sed 's/^/    err: /' "$out/$name.err" | head -5
    failed=$((failed + 1))
  else
    echo "ok   $name (exit $rc, $want_code, ${ms} ms)"
  fi
done
echo "${#names[@]} cases, $failed failed"
((failed == 0))
