# Shared helpers for r2push's integration scripts (sourced, not run): a
# private temp dir, @20minutes/s3rver on a free port, awscli pointed at it,
# cleanup that kills only the PIDs started here.
set -euo pipefail

R2PUSH="${HLSMESH_BIN:+$HLSMESH_BIN/}r2push"
SRC="${HLSMESH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
LIB="$SRC/tests/r2push/lib"
export NODE_PATH="${NODE_PATH:-$SRC/node_modules}"
source "$SRC/tests/lib/script.sh"
script_init r2push-test

fail_context() {
  local f
  for f in "$work"/*.err; do
    [[ -f "$f" ]] && { echo "--- $f"; tail -n 20 "$f"; }
  done
}

# start_s3rver NAME [CLOCK_OFFSET_MS]: a SigV4-verifying S3 server with bucket
# "live" on a free port; sets S3_PORT and S3_URL. DES (its continuation
# tokens) needs OpenSSL's legacy provider on Node ≥ 17.
start_s3rver() {
  local name=$1 offset=${2:-0}
  mkdir -p "$work/$name.data"
  S3RVER_CLOCK_OFFSET_MS=$offset spawn node --openssl-legacy-provider "$LIB/s3rver.cjs" -d "$work/$name.data" \
    -a 127.0.0.1 -p 0 --configure-bucket live -s >"$work/$name.log" 2>&1
  wait_for 20 grep -q "listening on" "$work/$name.log" || fail "s3rver did not start: $(cat "$work/$name.log")"
  S3_PORT=$(grep -o 'listening on [0-9.]*:[0-9]*' "$work/$name.log" | sed 's/.*://')
  S3_URL="http://127.0.0.1:$S3_PORT"
}

# s3rver's account; awscli reads objects back with it.
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
# Newer botocore adds trailing checksums (aws-chunked) s3rver does not take.
export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
unset R2_ACCESS_KEY_ID R2_SECRET_ACCESS_KEY R2_BUCKET R2_ENDPOINT R2_ACCOUNT_ID CLOUDFLARE_ACCOUNT_ID R2_PUBLIC_URL \
  AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_SESSION_TOKEN 2>/dev/null || true

s3api() { aws --endpoint-url "$S3_URL" s3api "$@"; }

# make_file PATH BYTES: random content.
make_file() {
  mkdir -p "$(dirname "$1")"
  head -c "$2" /dev/urandom >"$1"
}
