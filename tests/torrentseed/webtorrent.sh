#!/usr/bin/env bash
# Node webtorrent 3 downloads a torrentseed segment over TCP and uTP from the
# seed, then from the web seed alone with the seed stopped; bytes must match.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
make_segment "$WORK/seg9.ts" 2100000
timeout 150 node "$HERE/webtorrent.mjs" "$(command -v "$TS_BIN")" "$WORK"
