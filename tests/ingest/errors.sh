#!/usr/bin/env bash
# Bad ingest settings stop hlsmesh-origin before any stage starts, with what
# is wrong and what to do, and never with the key: no key, an unusable key,
# a key put in the URL, a bad ladder, the RTMP port in use.
source "$(dirname "$0")/lib.sh"
bin="${HLSMESH_BIN:-$src/build/bin}"
secret="s3cr3t-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"

# origin WANT_RC WANT_TEXT ENV...: hlsmesh-origin exits WANT_RC, says WANT_TEXT,
# starts nothing (no sigd answering) and prints no key.
origin() {
  local want_rc="$1" want="$2" rc=0; shift 2
  env HLSMESH_BIN="$bin" HLSMESH_STATE_DIR="$work/state" HLSMESH_WWW="$bin/../www" \
    HLSMESH_LISTEN="127.0.0.1:$http_port" "$@" timeout 20 "$ORIGIN" >"$work/out" 2>"$work/err" || rc=$?
  [[ $rc == "$want_rc" ]] || fail "with $* hlsmesh-origin exited $rc, want $want_rc: $(cat "$work/err")"
  grep -qF -- "$want" "$work/err" || fail "with $*: the error does not say '$want': $(cat "$work/err")"
  ! grep -qF -- "$secret" "$work/err" "$work/out" || fail "with $*: the key was printed: $(cat "$work/err")"
  ! curl -fs -o /dev/null "http://127.0.0.1:$http_port/health" || fail "with $*: sigd was started"
}
http_port="$(free_port)" rtmp_port="$(free_port)"
url="rtmp://127.0.0.1:$rtmp_port/live"

origin 78 "no stream key: set HLSMESH_STREAM_KEY" HLSMESH_INGEST="$url"
origin 78 "HLSMESH_STREAM_KEY is not usable" HLSMESH_INGEST="$url" HLSMESH_STREAM_KEY="${secret}!"
origin 78 "HLSMESH_STREAM_KEY_FILE=$work/none: cannot read it" HLSMESH_INGEST="$url" HLSMESH_STREAM_KEY_FILE="$work/none"
origin 64 "the key goes in HLSMESH_STREAM_KEY, not in the URL" HLSMESH_INGEST="$url/$secret/x" HLSMESH_STREAM_KEY="$secret"
origin 64 "entry 2 '480:1M'" HLSMESH_INGEST="$url" HLSMESH_STREAM_KEY="$secret" HLSMESH_LADDER="720p:2M,480:1M"
origin 64 "an SRT URL has no path" HLSMESH_INGEST="srt://127.0.0.1:$rtmp_port/$secret" HLSMESH_STREAM_KEY="$secret"
pass "no key, bad key, key file, key in the URL, bad ladder, SRT path: refused before any stage, key never printed"

node -e 'require("net").createServer().listen(+process.argv[1], "127.0.0.1")' "$rtmp_port" &
started_pids+=("$!")
wait_for 10 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$rtmp_port)" || fail "the port blocker did not start"
origin 69 "port $rtmp_port (from HLSMESH_INGEST) is in use" HLSMESH_INGEST="$url" HLSMESH_STREAM_KEY="$secret"
pass "the RTMP port in use: refused (69) naming the port"
