#!/usr/bin/env bash
# Runs one of sigd's node tests with the repository's node_modules.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export NODE_PATH="${NODE_PATH:-$HLSMESH_SRC/node_modules}"
exec timeout 240 node "$here/$1"
