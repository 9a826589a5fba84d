#!/usr/bin/env bash
# 2,000 segments through a 60-segment window (see window.mjs).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
timeout 170 node "$HERE/window.mjs" "$(command -v "$TS_BIN")" "$WORK"
