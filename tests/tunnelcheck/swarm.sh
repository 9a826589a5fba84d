#!/usr/bin/env bash
# tunnelcheck swarm against a real sigd fed with viewer reports (POST
# /report): OK with peers sharing, CRITICAL/WARNING on a low P2P share, on
# viewers served by the origin while a CDN exists and on stalls, --stream
# filtering, --playlist: no reports while live is CRITICAL; exit codes 0/1/2/3.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/script.sh"
script_init tunnelcheck-swarm
bin="${HLSMESH_BIN:-$here/../../build/bin}"
fail_context() { tail -5 "$work/sigd.log"; cat "$work/out" 2>/dev/null; }

mkdir -p "$work/www"
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n0.ts\n' >"$work/www/live.m3u8"
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n0.ts\n#EXT-X-ENDLIST\n' >"$work/www/vod.m3u8"
spawn "$bin/sigd" --listen 127.0.0.1:0 --ready-file "$work/ready" --www "$work/www" 2>"$work/sigd.log"
wait_for 10 test -s "$work/ready" || fail "sigd did not start"
base="http://$(cat "$work/ready")"

report() { # ID STREAM P2P CDN ORIGIN STALLED_S
  curl -fsS -X POST --data "{\"v\":1,\"id\":\"$1\",\"stream\":\"$2\",\"rendition\":\"720p\",\"seq\":1,\"p2p\":$3,\"cdn\":$4,\"origin\":$5,\"other\":0,\"up\":0,\"peers\":2,\"stalls\":0,\"stalled_s\":$6,\"latency\":12,\"state\":\"playing\"}" "$base/report" ||
    fail "sigd refused report $1"
}
swarm() { # EXPECTED_RC ARGS...: runs tunnelcheck swarm, output in $work/out
  local want=$1
  shift
  local rc=0
  "$bin/tunnelcheck" swarm "$@" >"$work/out" 2>&1 || rc=$?
  ((rc == want)) || fail "tunnelcheck swarm $* exited $rc, expected $want"
}

swarm 2 "$base/stats.json" --playlist "$base/live.m3u8"
grep -q 'CRITICAL no-reports' "$work/out" || fail "no reports while the playlist is live is not CRITICAL"
swarm 0 "$base/stats.json" --playlist "$base/vod.m3u8"
pass "no reports: CRITICAL while the playlist is live, OK once it ended"

report viewer-aaaa1 good 9000 1000 0 0
report viewer-aaaa2 good 8000 2000 0 0
swarm 0 "$base/stats.json"
grep -q 'OK swarm-ok good \[720p\]: 2 viewers, 85.0 % from peers' "$work/out" || fail "expected an OK line for stream good"
pass "2 viewers at 85 % P2P: OK"

report viewer-bbbb1 lowish 3500 6500 0 0
report viewer-bbbb2 lowish 3500 6500 0 0
swarm 1 "$base/stats.json" --stream lowish
grep -q 'WARNING p2p-share-low lowish \[720p\]: 35.0 %' "$work/out" || fail "35 % P2P is not a WARNING"
swarm 0 "$base/stats.json" --stream lowish --min-viewers 3
pass "35 % P2P: WARNING, judged only with --min-viewers viewers"

report viewer-cccc1 origin 0 1000 0 0
report viewer-cccc2 origin 0 0 5000 0
swarm 2 "$base/stats.json" --stream origin --format json
grep -q '"code":"origin-served"' "$work/out" || fail "origin-served segments are not flagged"
grep -q '"code":"p2p-share-low"' "$work/out" || fail "0 % P2P is not flagged"
pass "viewers on the origin while a CDN exists: CRITICAL origin-served"

swarm 2 "$base/stats.json" --format prom
grep -q '^swarm_p2p_share{rendition="720p",stream="good"} 0.85' "$work/out" || fail "prom output lacks swarm_p2p_share"
swarm 2 "$base/stats.json" --format nagios
grep -q '^TUNNELCHECK CRITICAL' "$work/out" || fail "nagios output lacks the CRITICAL status"
pass "prom and nagios formats"

swarm 3 "$base/health"
grep -q 'not-sigd-stats' "$work/out" || fail "a URL that is not sigd's stats is not UNKNOWN"
swarm 3 "$base/stats.json" --warn 0.1 --crit 0.2
pass "UNKNOWN on a wrong URL and on --crit above --warn"
