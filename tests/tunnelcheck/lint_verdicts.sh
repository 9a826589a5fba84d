#!/usr/bin/env bash
# ctest entry for lint_verdicts.mjs (rules or corpus mode; see there).
exec node "$(dirname "$0")/lint_verdicts.mjs" "$@"
