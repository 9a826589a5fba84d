#!/usr/bin/env bash
# The HTTP tracker with real clients: an aria2c seeder and an aria2c leecher
# find each other only through sigd's compact peer list (DHT, LPD and PEX
# off) and the file arrives intact. Plus raw curl checks: binary info_hash
# bytes %00/%0D, compact and dict peer lists, scrape, bencoded failures with 200.
source "$(dirname "$0")/common.sh"
start_sigd --interval 30
mkdir -p "$work/seed" "$work/leech"
head -c 3000000 /dev/urandom > "$work/seed/segment.ts"
mktorrent -a "http://$addr/announce" -l 16 -o "$work/seg.torrent" "$work/seed/segment.ts" >/dev/null
aria_common=(--enable-dht=false --enable-dht6=false --bt-enable-lpd=false --enable-peer-exchange=false
             --bt-tracker-interval=2 --bt-stop-timeout=60 --summary-interval=0 --console-log-level=warn
             --file-allocation=none --allow-overwrite=true --bt-hash-check-seed=true --check-integrity=true)
aria2c "${aria_common[@]}" --dir "$work/seed" --seed-ratio=0.0 --seed-time=5 --listen-port=51413 \
  "$work/seg.torrent" >"$work/seeder.log" 2>&1 &
extra_pids="$!"
for _ in $(seq 100); do [[ "$(stat_field http_peers)" -ge 1 ]] && break; sleep 0.1; done
[[ "$(stat_field http_peers)" -ge 1 ]] || fail "the aria2c seeder never announced"
ok "aria2c seeder announced over HTTP"
timeout 60 aria2c "${aria_common[@]}" --dir "$work/leech" --seed-time=0 --listen-port=51414 \
  "$work/seg.torrent" >"$work/leecher.log" 2>&1 || { cat "$work/leecher.log"; fail "aria2c leecher did not finish"; }
cmp "$work/seed/segment.ts" "$work/leech/segment.ts" || fail "downloaded file differs"
ok "aria2c leecher got the seeder from sigd's compact peers and downloaded the file intact"
[[ "$(stat_field http_announces)" -ge 2 ]] || fail "http_announces counter"; ok "http announces counted"
kill $extra_pids 2>/dev/null || true; wait $extra_pids 2>/dev/null || true; extra_pids=""

# Binary info_hash with %00 and %0D (which lws's own URL parser refuses).
ih='%00%0D%00%0A%FF%26%3D%2B%20aaaaaaaaaaa'
q() { curl -s "http://$addr/announce?info_hash=$ih&peer_id=$1&port=$2&left=$3&compact=${4:-1}&numwant=50"; }
q AAAAAAAAAAAAAAAAAAAA 7001 0 >/dev/null
q BBBBBBBBBBBBBBBBBBBB 7002 10 >/dev/null
reply="$(q CCCCCCCCCCCCCCCCCCCC 7003 10 | xxd -p | tr -d '\n')"
# peers 12 bytes = 2 peers x (127.0.0.1 + port)
grep -q "$(printf '5:peers12:' | xxd -p)" <<<"$reply" || fail "compact peers string of 12 bytes: $reply"
grep -q '7f0000011b59' <<<"$reply" || fail "peer 127.0.0.1:7001 in compact list"
grep -q '7f0000011b5a' <<<"$reply" || fail "peer 127.0.0.1:7002 in compact list"
ok "compact announce lists the other two HTTP peers (binary %00/%0D info_hash)"
grep -q "$(printf '8:completei1e10:incompletei2e' | xxd -p)" <<<"$reply" || fail "complete/incomplete counts: $reply"
ok "complete 1 / incomplete 2"
q DDDDDDDDDDDDDDDDDDDD 7004 10 0 > "$work/dict"
grep -aq '7:peer id20:' "$work/dict" && grep -aq '2:ip9:127.0.0.1' "$work/dict" || fail "dict peer list"
ok "compact=0 returns a list of {peer id, ip, port}"
curl -s "http://$addr/scrape?info_hash=$ih" | grep -aq 'd8:completei1e10:downloadedi0e10:incompletei3ee' || fail "scrape"
ok "BEP 48 scrape counts the swarm"
curl -s "http://$addr/announce?info_hash=$ih&peer_id=CCCCCCCCCCCCCCCCCCCC&port=7003&left=10&event=stopped" >/dev/null
expect_eq "$(curl -s "http://$addr/scrape?info_hash=$ih" | grep -ao 'incompletei[0-9]*e')" "incompletei2e" "stopped removes the peer"
# peer_ids travel in every dict peer list: only the peer's own client (its
# key=, or without one its IP) may stop it. 127.0.0.2 is another source
# address on the loopback.
curl -s --interface 127.0.0.2 "http://$addr/announce?info_hash=$ih&peer_id=BBBBBBBBBBBBBBBBBBBB&port=7002&left=10&event=stopped" >/dev/null
expect_eq "$(curl -s "http://$addr/scrape?info_hash=$ih" | grep -ao 'incompletei[0-9]*e')" "incompletei2e" "a stop from another IP leaves the peer"
curl -s "http://$addr/announce?info_hash=$ih&peer_id=EEEEEEEEEEEEEEEEEEEE&port=7005&left=10&key=5EC4E7" >/dev/null
expect_eq "$(curl -s "http://$addr/scrape?info_hash=$ih" | grep -ao 'incompletei[0-9]*e')" "incompletei3e" "a peer with a key= joins"
curl -s --interface 127.0.0.2 "http://$addr/announce?info_hash=$ih&peer_id=EEEEEEEEEEEEEEEEEEEE&port=7005&left=10&key=5EC4E7&event=stopped" >/dev/null
expect_eq "$(curl -s "http://$addr/scrape?info_hash=$ih" | grep -ao 'incompletei[0-9]*e')" "incompletei2e" "its key stops a peer from another IP"
code_body="$(curl -s -w ' %{http_code}' "http://$addr/announce?info_hash=short&peer_id=x&port=1")"
expect_eq "$code_body" "d14:failure reason17:invalid info_hashe 200" "bad info_hash: bencoded failure with HTTP 200"
expect_eq "$(curl -s "http://$addr/announce?info_hash=$ih&peer_id=CCCCCCCCCCCCCCCCCCCC&port=99999")" "d14:failure reason12:invalid porte" "bad port: failure reason"
expect_eq "$(curl -s "http://$addr/announce?info_hash=%zz")" "d14:failure reason20:invalid query stringe" "malformed escape: failure reason"
[[ "$(stat_field errors_total)" -ge 3 ]] || fail "errors counted"; ok "HTTP tracker errors counted"

# Behind a trusted reverse proxy (cloudflared connects from 127.0.0.1) a peer
# is listed at the client the proxy names, never at the proxy.
kill "$sigd_pid"; wait "$sigd_pid" 2>/dev/null || true
start_sigd --interval 30 --trusted-proxy 127.0.0.1
ih2='bbbbbbbbbbbbbbbbbbbb'
a() { curl -s "$@" "http://$addr/announce?info_hash=$ih2&port=$port&left=10&compact=0&peer_id=$pid"; }
pid=PPPPPPPPPPPPPPPPPPPP port=7101 a -H 'CF-Connecting-IP: 203.0.113.7' >/dev/null
pid=QQQQQQQQQQQQQQQQQQQQ port=7102 a -H 'X-Forwarded-For: 198.51.100.1, 192.0.2.44' >/dev/null
pid=RRRRRRRRRRRRRRRRRRRR port=7103 a --interface 127.0.0.2 -H 'CF-Connecting-IP: 203.0.113.99' >/dev/null
pid=SSSSSSSSSSSSSSSSSSSS port=7104 a -H 'CF-Connecting-IP: 2001:db8::5' > "$work/proxied"
grep -aq '2:ip11:203.0.113.7' "$work/proxied" || fail "CF-Connecting-IP names the client: $(cat "$work/proxied")"
ok "through the trusted proxy a peer is listed at its CF-Connecting-IP"
grep -aq '2:ip10:192.0.2.44' "$work/proxied" && ! grep -aq '198.51.100.1' "$work/proxied" ||
  fail "the proxy's own (last) X-Forwarded-For entry names the client: $(cat "$work/proxied")"
ok "X-Forwarded-For: the entry the proxy appended counts, the client's own do not"
grep -aq '2:ip9:127.0.0.2' "$work/proxied" && ! grep -aq '203.0.113.99' "$work/proxied" ||
  fail "an untrusted sender's CF-Connecting-IP was believed: $(cat "$work/proxied")"
ok "CF-Connecting-IP from an address that is not a trusted proxy is ignored"
! grep -aq '127.0.0.1' "$work/proxied" || fail "the proxy's own address listed as a peer: $(cat "$work/proxied")"
reply="$(pid=TTTTTTTTTTTTTTTTTTTT port=7105 a)"
grep -q 'failure reason' <<<"$reply" && grep -q 'X-Forwarded-For' <<<"$reply" ||
  fail "a request through the trusted proxy that names no client must fail: $reply"
ok "a request through the trusted proxy that names no client is refused, and the proxy is never listed"
reply="$(curl -s "http://$addr/announce?info_hash=$ih2&port=7106&left=10&peer_id=UUUUUUUUUUUUUUUUUUUU" \
  -H 'CF-Connecting-IP: 203.0.113.9' | xxd -p | tr -d '\n')"
# 6:peers6 18: 2001:0db8::5 port 7104 (0x1bc0)
grep -q "$(printf '6:peers618:' | xxd -p)20010db8000000000000000000000005""1bc0" <<<"$reply" ||
  fail "an IPv6 client named by the proxy is not in peers6: $reply"
ok "an IPv6 CF-Connecting-IP lands in peers6"
