#!/usr/bin/env bash
# The bounded libFuzzer run in `make test`: builds TARGET with tests/fuzz/Makefile
# (ASan + UBSan, clang-14) into the build tree and runs it FUZZ_SECONDS (default
# 10) from its committed corpus. Fails on a crash, a leak or a sanitizer report.
# Skips (exit 0 with a note) only when clang is not installed.
#   tests/lib/fuzz.sh fuzz_m3u8
source "$(dirname "$0")/script.sh"
target="$1"
src="${HLSMESH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
if ! command -v clang++-14 >/dev/null && ! command -v clang++ >/dev/null; then
  echo "skip: clang++ not installed (scripts/deps installs clang-14)"; exit 0
fi
script_init "$target"
out="${HLSMESH_BIN:-$src/build/bin}/../fuzz"
mkdir -p "$out"
# Several fuzz tests run at once under ctest -j and share the objects: one make at a time.
flock "$out/.lock" make -s -C "$src/tests/fuzz" "$out/$target" OUT="$out" >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; fail "$target did not build"; }
seconds="${FUZZ_SECONDS:-10}"
mkdir -p "$work/corpus"
dir="$(make -s -C "$src/tests/fuzz" --no-print-directory print-dir-$target)"
if ! "$out/$target" -max_total_time="$seconds" -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$src/tests/$dir/fuzz_corpus/$target" \
     >"$work/run.log" 2>&1; then
  grep -v '^#' "$work/run.log" | tail -40 >&2
  for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [[ -e "$a" ]] && { echo "input (base64):" >&2; base64 -w0 "$a" >&2; echo >&2; }
  done
  fail "$target: libFuzzer found a crash or sanitizer report"
fi
runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/run.log")"
[[ "${runs:-0}" -gt 0 ]] || fail "$target ran no inputs"
pass "$target: $runs inputs in ${seconds} s, no crash, no sanitizer report"
