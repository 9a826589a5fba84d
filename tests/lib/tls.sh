# A throwaway private CA for TLS tests (sourced): DIR/ca.pem, and
# certificates it signs. Clients trust it through SSL_CERT_FILE=DIR/ca.pem.
#   make_test_ca DIR
#   make_test_cert DIR NAME SAN      → DIR/NAME.pem, DIR/NAME.key (SAN: IP:127.0.0.1, DNS:x)
make_test_ca() {
  command -v openssl >/dev/null || { echo "FAIL: openssl is not installed" >&2; return 1; }
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hlsmesh test CA" \
    -keyout "$1/ca.key" -out "$1/ca.pem" 2>/dev/null
}
make_test_cert() {
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1/$2.key" -out "$1/$2.csr" 2>/dev/null
  openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial -days 2 \
    -extfile <(printf 'subjectAltName=%s\n' "$3") -out "$1/$2.pem" 2>/dev/null
}
