#!/usr/bin/env bash
# The soak, run by tests/faults/run.sh full with FAULTS_SOAK_SECONDS set:
# 2 viewers (viewer.mjs: hls.js-like HTTP clients following the live edge)
# for SECONDS while the RSS and open fd count of every stage of the origin
# are sampled every 10 s into OUT.tsv. Fails when a stage's RSS or fd count in
# the last quarter of the run is more than 10 % above the second quarter's
# (the first quarter is warm-up), or when a viewer stalled.
#   soak.sh ORIGIN_PID BASE_URL SECONDS OUT.tsv
set -euo pipefail
origin="$1" base="$2" seconds="$3" out="$4"
here="$(cd "$(dirname "$0")" && pwd)"
viewers=()
for v in 1 2; do
  node "$here/viewer.mjs" "$base/live/stream.m3u8" "$seconds" >"$out.viewer$v" 2>&1 &
  viewers+=("$!")
done
printf 'time\tstage\tpid\trss_kb\tfds\n' >"$out"
end=$((SECONDS + seconds))
while ((SECONDS < end)); do
  ps -o pid=,comm=,args= --ppid "$origin" | while read -r pid comm args; do
    name="$comm"; [[ "$comm" != r2push ]] || { [[ "$args" == *--delete-expired* ]] && name=r2push-playlists || name=r2push-segments; }
    rss="$(awk '/^VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
    fds="$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)"
    printf '%s\t%s\t%s\t%s\t%s\n' "$SECONDS" "$name" "$pid" "$rss" "$fds"
  done >>"$out"
  sleep 10
done
rc=0
for v in "${viewers[@]}"; do wait "$v" || rc=1; done
cat "$out".viewer*
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").slice(1).map(l => l.split("\t"))
  const t0 = Math.min(...rows.map(r => +r[0])), t1 = Math.max(...rows.map(r => +r[0])), q = (t1 - t0) / 4
  let bad = 0
  for (const stage of [...new Set(rows.map(r => r[1]))]) {
    const of = (a, b, i) => { const v = rows.filter(r => r[1] === stage && +r[0] >= t0 + a * q && +r[0] <= t0 + b * q).map(r => +r[i]); return v.reduce((x, y) => x + y, 0) / Math.max(1, v.length) }
    const [r2, r4, f2, f4] = [of(1, 2, 3), of(3, 4, 3), of(1, 2, 4), of(3, 4, 4)]
    const ok = r4 <= r2 * 1.1 && f4 <= Math.max(f2 * 1.1, f2 + 1)
    if (!ok) bad++
    console.log(`soak: ${stage}: RSS ${Math.round(r2)} → ${Math.round(r4)} kB (${((r4 / r2 - 1) * 100).toFixed(1)} %), fds ${f2.toFixed(1)} → ${f4.toFixed(1)} ${ok ? "flat" : "GROWING"}`)
  }
  process.exit(bad ? 1 : 0)' "$out" || rc=1
exit "$rc"
