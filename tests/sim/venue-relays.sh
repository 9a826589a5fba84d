#!/usr/bin/env bash
# P2P share and CDN egress with 0, 1 and 2 meshrelay relays (100 Mbit/s up
# each) at 100, 400 and 1,000 viewers, on good and busy venue Wi-Fi: the
# swarm simulation (swarm-sim.mjs) with venue.mjs's settings (viewer page
# defaults: 20 s behind live; 30 min mean stay; 165492 B segments).
# Each relay is reached two ways: "sigd token", sigd with --relay-token
# sending every announcing viewer's offers to the relays first (what
# hlsmesh-origin sets up), and "random", a tracker that picks offer
# recipients at random (bittorrent-tracker, wt-tracker).
# CDN egress counts the viewers' HTTP bytes plus each relay's own fetch of
# every segment (the simulation leaves the latter out of its viewer figures).
# Prints the markdown table docs/venue.md carries.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
echo '| Wi-Fi (up/viewer, air/viewer) | viewers | relays | offers reach them | P2P share | CDN GB per viewer-hour | CDN egress, Mbit/s | HTTP fetches/segment | stalls per viewer-hour |'
echo '|---|---|---|---|---|---|---|---|---|'
for profile in "good Wi-Fi:5:4" "busy Wi-Fi:2:2"; do
  IFS=: read -r name up air <<<"$profile"
  for n in 100 400 1000; do
    for run in 0:- 1:token 1:random 2:token 2:random; do
      IFS=: read -r relays reach <<<"$run"
      first=(); [[ "$reach" == token ]] && first=(--relay-first)
      node "$here/swarm-sim.mjs" --viewers "$n" --latency 20 --interval 120 --seconds 120 --warmup 60 \
        --join-spread 60 --segment-bytes 165492 --up-mbps "$up" --down-mbps 30 --wifi-mbps "$((air * n))" \
        --watch-minutes 30 --relays "$relays" --relay-up-mbps 100 "${first[@]}" |
        jq -r --arg p "$name ($up, $air Mbit/s)" --argjson n "$n" --argjson r "$relays" \
          --arg reach "${reach/token/sigd token (first)}" \
          '"| \($p) | \($n) | \($r) | \($reach) | \(.p2pShare * 1000 | round / 10) % | \(.cdnGBPerViewerHour * 1000 | round / 1000) | \((.cdnGBPerViewerHour * $n * 8000 / 3600 + $r * 165492 * 8 / 2 / 1e6) * 10 | round / 10) | \(.httpFetchesPerSegment * 100 | round / 100) | \(.stallsPerViewerHour * 10 | round / 10) |"'
    done
  done
done
