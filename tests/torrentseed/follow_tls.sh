#!/usr/bin/env bash
# Follow mode over a wss:// feed: sigd serving TLS with a certificate of a
# throwaway private CA (as tests/tunnelcheck/tracker_tls.sh). Trusted through
# SSL_CERT_FILE the follower receives the events and gets the segments (from
# the origin, peers only); without that CA it must not connect at all.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/tls.sh"
if [[ ! -x "${HLSMESH_BIN:-}/sigd" ]]; then
  echo "SKIP: sigd is not built (HLSMESH_BIN=${HLSMESH_BIN:-unset}); build the sigd target" >&2
  exit 77
fi

make_test_ca "$WORK" || fail "cannot make the test CA"
make_test_cert "$WORK" feed IP:127.0.0.1

mkdir -p "$WORK/relay" "$WORK/relay-untrusted"
for i in 0 1; do make_segment "$WORK/seg$i.ts" $((250000 + i * 1000)); done
mkfifo "$WORK/origin.out"  # the origin's events go to sigd's feed
"${HLSMESH_BIN}/sigd" --listen 127.0.0.1:0 --ready-file "$WORK/ready" --tls-cert "$WORK/feed.pem" \
  --tls-key "$WORK/feed.key" --events-stdin <"$WORK/origin.out" >/dev/null 2>"$WORK/sigd.err" &
started $!
start_origin "$WORK/origin.out"
wait_for 20 test -s "$WORK/ready" || fail "sigd did not start: $(tail -n 5 "$WORK/sigd.err")"
feed="wss://$(cat "$WORK/ready")/events"
echo "feed: $feed"

follow() {  # NAME [env...]: a follower of $feed, output in $WORK/NAME.out
  local name=$1
  shift
  env "$@" "$TS_BIN" follow --feed "$feed" --no-web-seed --peer "127.0.0.1:$origin_port" --listen 127.0.0.1:0 \
    --no-lsd --store "$WORK/relay-$name" --stats-interval 0 --download-timeout 30 \
    >"$WORK/$name.out" 2>"$WORK/$name.err" 7>&- &
  started $!
}
follow trusted SSL_CERT_FILE="$WORK/ca.pem"
follow untrusted -u SSL_CERT_FILE
trusted_up() { grep -q "feed $feed connected" "$WORK/trusted.err"; }
wait_for 20 trusted_up || fail "no wss connection with SSL_CERT_FILE: $(tail -n 5 "$WORK/trusted.err")"

emitted() { jq -r 'select(.event=="segment") | .msn' "$WORK/trusted.out" | tr '\n' ' '; }
have() { [[ "$(emitted)" == "$1" ]]; }
want=""
for i in 0 1; do
  echo "{\"event\":\"segment\",\"msn\":$i,\"path\":\"$WORK/seg$i.ts\",\"url\":\"http://127.0.0.1:1/nowhere/seg$i.ts\"}" >&7
  want+="$i "
  wait_for 20 have "$want" || fail "over wss the follower got $(emitted)of $want: $(tail -n 5 "$WORK/trusted.err")"
  path=$(jq -r --argjson m "$i" 'select(.event=="segment" and .msn==$m) | .path' "$WORK/trusted.out")
  cmp "$path" "$WORK/seg$i.ts" || fail "seg$i.ts differs"
done

# Without the private CA: the certificate is refused, nothing comes through.
grep -q "cannot connect" "$WORK/untrusted.err" || fail "the untrusted follower did not fail to connect: $(cat "$WORK/untrusted.err")"
! grep -q "connected" "$WORK/untrusted.err" || fail "connected without trusting the CA: $(cat "$WORK/untrusted.err")"
[[ ! -s "$WORK/untrusted.out" ]] || fail "events reached the untrusted follower: $(cat "$WORK/untrusted.out")"
exec 7>&-
echo "ok: follow over wss:// with a private CA from SSL_CERT_FILE; refused without it"
