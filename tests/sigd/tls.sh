#!/usr/bin/env bash
# --tls-cert/--tls-key: HTTPS and WSS on the one port, and a certificate
# swapped on disk is served after SIGHUP without a restart.
source "$(dirname "$0")/common.sh"
mkcert() { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 -subj "/CN=$1" 2>/dev/null; }
mkcert first.sigd.test
start_sigd --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --interval 30 --trusted-proxy 127.0.0.1
expect_eq "$(curl -sk "https://$addr/health")" "ok" "HTTPS /health"
subject() { curl -skv "https://$addr/health" 2>&1 >/dev/null | sed -n 's/.*subject: //p'; }
[[ "$(subject)" == "CN=first.sigd.test" ]] || fail "first certificate served"; ok "first certificate served"
reply="$(cd "$HLSMESH_SRC" && ADDR="$addr" node --input-type=module -e '
import WebSocket from "ws"
const ws = new WebSocket(`wss://${process.env.ADDR}/announce`, { rejectUnauthorized: false })
ws.on("open", () => ws.send(JSON.stringify({ action: "announce", info_hash: "a".repeat(20), peer_id: "b".repeat(20), event: "started", numwant: 0, offers: [] })))
ws.on("message", m => { console.log(m.toString()); process.exit(0) })
ws.on("error", e => { console.log("error " + e.message); process.exit(1) })
setTimeout(() => { console.log("timeout"); process.exit(1) }, 10000)
')"
expect_eq "$reply" '{"complete":0,"incomplete":1,"action":"announce","interval":30,"info_hash":"aaaaaaaaaaaaaaaaaaaa"}' "WSS announce over TLS"
# Over TLS lws parses the request (not the raw tracker path): the proxy's
# client headers count there too.
ann() { curl -sk "$@" "https://$addr/announce?info_hash=cccccccccccccccccccc&port=$port&left=1&compact=0&peer_id=$pid"; }
pid=XXXXXXXXXXXXXXXXXXXX port=7201 ann -H 'X-Forwarded-For: 10.0.0.1, 192.0.2.61' >/dev/null
pid=YYYYYYYYYYYYYYYYYYYY port=7202 ann -H 'CF-Connecting-IP: 203.0.113.62' > "$work/tls_peers"
grep -aq '2:ip10:192.0.2.61' "$work/tls_peers" || fail "X-Forwarded-For over TLS: $(cat "$work/tls_peers")"
ok "HTTPS announce through the trusted proxy: X-Forwarded-For names the client"
pid=WWWWWWWWWWWWWWWWWWWW port=7204 ann -H 'CF-Connecting-IP: 203.0.113.64' > "$work/tls_peers"
grep -aq '2:ip12:203.0.113.62' "$work/tls_peers" || fail "CF-Connecting-IP over TLS: $(cat "$work/tls_peers")"
ok "and CF-Connecting-IP does"
reply="$(pid=ZZZZZZZZZZZZZZZZZZZZ port=7203 ann)"
grep -q 'CF-Connecting-IP' <<<"$reply" || fail "HTTPS announce from the proxy naming nobody: $reply"
ok "and one naming nobody is refused"
mkcert second.sigd.test
kill -HUP "$sigd_pid"
for _ in $(seq 50); do grep -q 'TLS certificate reloaded' "$work/sigd.log" && break; sleep 0.1; done
[[ "$(subject)" == "CN=second.sigd.test" ]] || fail "new certificate after SIGHUP: $(subject)"
ok "SIGHUP reloads the certificate without a restart"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/health" || true)" "000" "plain HTTP is not served on the TLS port"
