#!/usr/bin/env bash
# Builds the libFuzzer target in a temp dir and runs it for a bounded time
# (FUZZ_SECONDS, default 20). Skips (exit 0 with a note) only if no clang.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v clang++-14 >/dev/null && ! command -v clang++ >/dev/null; then
  echo "skip: clang++ not installed (scripts/deps installs clang-14)"; exit 0
fi
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
make -s -C "$here" fuzz OUT="$out" FUZZ_SECONDS="${FUZZ_SECONDS:-20}" 2>&1 | tail -5
echo "ok - fuzzer ran ${FUZZ_SECONDS:-20} s without a crash"
