# Copies p2p-media-loader-core's bundle into the viewer with its WebSocket
# tracker client's reconnect delays shortened.
#
# Why: the bundled bittorrent-tracker client waits 10 s × 2^retries plus a
# random 0–5 min after a tracker socket closes, up to an hour, before it
# connects and announces again. After sigd restarts (an upgrade, systemd's
# Restart=) the viewers already watching would stay out of the swarm for
# minutes, and newcomers would find no peers. sigd answers hundreds of
# thousands of announces a second, so spreading the reconnects over 5 s
# instead of 5 min is no thundering herd: the viewers come back 10–15 s after
# the tracker, and retry at most every minute while it stays away.
# p2p-media-loader has no setting for this (its core config lists none).
#
#   cmake -DIN=…/p2p-media-loader-core.es.js -DOUT=…/vendor/p2p-media-loader-core.es.js -P tracker-reconnect.cmake
file(READ "${IN}" bundle)
set(replacements
  "var RECONNECT_MAXIMUM = 3600 * 1e3" "var RECONNECT_MAXIMUM = 60 * 1e3"
  "var RECONNECT_VARIANCE = 300 * 1e3" "var RECONNECT_VARIANCE = 5 * 1e3")
list(LENGTH replacements n)
math(EXPR last "${n} - 1")
foreach(i RANGE 0 ${last} 2)
  math(EXPR j "${i} + 1")
  list(GET replacements ${i} from)
  list(GET replacements ${j} to)
  string(FIND "${bundle}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "viewer: ${IN} has no `${from}`: node_modules is not the "
                        "p2p-media-loader-core of package-lock.json (run scripts/deps: npm ci "
                        "--ignore-scripts), or that version changed its tracker client "
                        "(update www/tracker-reconnect.cmake)")
  endif()
  string(REPLACE "${from}" "${to}" bundle "${bundle}")
endforeach()
file(WRITE "${OUT}.tmp" "${bundle}")
file(RENAME "${OUT}.tmp" "${OUT}")
