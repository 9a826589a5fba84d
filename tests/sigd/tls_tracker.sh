#!/usr/bin/env bash
# The HTTP tracker under --tls-cert answers what plain HTTP answers, binary
# info_hashes with %00 included (sigd reads the request line itself after
# the TLS handshake; lws's URL parser refuses %00): an aria2c seeder and
# leecher find each other over https through sigd, with a private CA, on a
# torrent whose info_hash has a 0x00 byte. WebSocket over TLS and other
# HTTPS routes still go through lws.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/../lib/tls.sh"
make_test_ca "$work"
make_test_cert "$work" sigd "IP:127.0.0.1"
start_sigd --tls-cert "$work/sigd.pem" --tls-key "$work/sigd.key" --interval 30
port="${addr##*:}"
tracker="https://127.0.0.1:$port/announce"

# A torrent whose info_hash holds a 0x00 byte (about 1 in 13 do): vary the content until one does.
mkdir -p "$work/seed" "$work/leech"
ihash() { (cd "$HLSMESH_SRC" && node --input-type=module -e '
  import bencode from "bencode"
  import fs from "node:fs"
  import crypto from "node:crypto"
  const t = bencode.decode(fs.readFileSync(process.argv[1]))
  process.stdout.write(crypto.createHash("sha1").update(bencode.encode(t.info)).digest("hex"))' "$1"); }
for i in $(seq 300); do
  head -c 200000 /dev/urandom > "$work/seed/segment.ts"
  rm -f "$work/seg.torrent"
  mktorrent -a "$tracker" -l 15 -o "$work/seg.torrent" "$work/seed/segment.ts" >/dev/null
  ih="$(ihash "$work/seg.torrent")"
  [[ "$ih" =~ ^(..)*00 ]] && break
done
[[ "$ih" =~ ^(..)*00 ]] || fail "no torrent with a 0x00 byte in its info_hash after 300 tries"
ok "torrent $ih has a 0x00 byte in its info_hash"

aria_common=(--enable-dht=false --enable-dht6=false --bt-enable-lpd=false --enable-peer-exchange=false
             --bt-tracker-interval=2 --bt-stop-timeout=60 --summary-interval=0 --console-log-level=warn
             --file-allocation=none --allow-overwrite=true --bt-hash-check-seed=true --check-integrity=true
             --ca-certificate="$work/ca.pem")
aria2c "${aria_common[@]}" --dir "$work/seed" --seed-ratio=0.0 --seed-time=5 --listen-port=51423 \
  "$work/seg.torrent" >"$work/seeder.log" 2>&1 &
extra_pids="$!"
https_stat() { curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$port/stats.json" | python3 -c "import sys,json; print(json.load(sys.stdin)['$1'])"; }
for _ in $(seq 100); do [[ "$(https_stat http_peers)" -ge 1 ]] && break; sleep 0.1; done
[[ "$(https_stat http_peers)" -ge 1 ]] || { cat "$work/seeder.log"; fail "the aria2c seeder never announced over https"; }
ok "aria2c seeder announced over https"
timeout 60 aria2c "${aria_common[@]}" --dir "$work/leech" --seed-time=0 --listen-port=51424 \
  "$work/seg.torrent" >"$work/leecher.log" 2>&1 || { cat "$work/leecher.log"; fail "aria2c leecher did not finish"; }
cmp "$work/seed/segment.ts" "$work/leech/segment.ts" || fail "downloaded file differs"
ok "aria2c leecher found the seeder through sigd over https and downloaded the file intact"
[[ "$(https_stat errors_total)" == 0 ]] || fail "errors over https: $(curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$port/stats.json")"
ok "no request refused"
kill $extra_pids 2>/dev/null || true; wait $extra_pids 2>/dev/null || true; extra_pids=""

# The same bytes by hand: %00 and %0D in the info_hash, compact reply.
q='info_hash=%00%0D%00%0A%FF%26%3D%2B%20aaaaaaaaaaa&port=7001&left=1&peer_id='
curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$port/announce?${q}AAAAAAAAAAAAAAAAAAAA" >/dev/null
reply="$(curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$port/announce?${q}BBBBBBBBBBBBBBBBBBBB" | xxd -p | tr -d '\n')"
grep -q "$(printf '5:peers6:' | xxd -p)7f0000011b59" <<<"$reply" || fail "https announce with %00%0D: $reply"
ok "https announce with %00 and %0D in the info_hash lists the other peer"
expect_eq "$(curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$port/scrape?info_hash=%00%0D%00%0A%FF%26%3D%2B%20aaaaaaaaaaa" | grep -ao 'incompletei[0-9]*e')" \
  "incompletei2e" "https scrape of that info_hash"
expect_eq "$(curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$port/health")" "ok" "other HTTPS routes still served (lws)"
