#!/usr/bin/env bash
# --tracker wss://: tunnelcheck's libwebsockets client against sigd serving
# WSS with a certificate of a private CA. Trusted through SSL_CERT_FILE it is
# tracker-ok; without that CA it is tracker-tls-failed, never a pass; a
# certificate for another name fails too.
source "$(dirname "$0")/../lib/script.sh"
script_init tunnelcheck-tls
fail_context() { tail -n 20 "$work/sigd.log" "$work"/*.out 2>/dev/null; }

source "$(dirname "$0")/../lib/tls.sh"
make_test_ca "$work" || fail "cannot make the test CA"
make_test_cert "$work" local IP:127.0.0.1
make_test_cert "$work" other DNS:other.example

start_sigd() {  # CERT_NAME
  rm -f "$work/ready"
  spawn sigd --listen 127.0.0.1:0 --ready-file "$work/ready" --tls-cert "$work/$1.pem" --tls-key "$work/$1.key" \
    2>"$work/sigd.log"
  wait_for 10 test -s "$work/ready" || fail "sigd did not start"
  addr="$(cat "$work/ready")"
}
# check NAME EXPECTED_EXIT EXPECTED_CODE [env...]
check() {
  local name=$1 want_rc=$2 want_code=$3 rc=0
  shift 3
  env "$@" tunnelcheck probe "https://$addr/none.m3u8" --format json --timeout 10 --tracker "wss://$addr/announce" \
    >"$work/$name.out" 2>&1 || rc=$?
  grep -q "\"code\":\"$want_code\"" "$work/$name.out" || fail "$name: no $want_code finding"
  # The playlist URL is a TLS one curl cannot trust: always critical (2).
  [[ $rc -eq $want_rc ]] || fail "$name: exit $rc, expected $want_rc"
  pass "$name: $(jq -r "select(.code == \"$want_code\") | .message" "$work/$name.out" | head -n 1)"
}

start_sigd local
check trusted 2 tracker-ok SSL_CERT_FILE="$work/ca.pem"
check untrusted 2 tracker-tls-failed SSL_CERT_FILE=/dev/null
kill "$last_pid"; wait "$last_pid" 2>/dev/null || true
start_sigd other
check wrong-name 2 tracker-tls-failed SSL_CERT_FILE="$work/ca.pem"
