#!/usr/bin/env bash
# Instructions per HTTP fetch request, server side, counted by callgrind (noise-free, unlike
# timings on a shared machine). Runs http_bench (an in-process server and one keep-alive client)
# twice per key count, with few and with many requests, one callgrind output per thread, and
# divides the difference of the server threads' totals (every thread but the client's) by the
# difference in requests: table loading and start-up cancel out.
#   bench/callgrind_fetch.sh [build dir] [rows]      -> one line per key count
set -euo pipefail
BUILD=${1:-build/release}
ROWS=${2:-100000}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
server_ir() {  # $1 = callgrind output prefix: sum of Ir over the threads that are not the client
  local total=0
  for f in "$1"-*; do
    # The client is the thread that sends the requests (HttpClient::Request).
    if grep -q "HttpClient::Request" "$f"; then continue; fi
    local ir
    ir=$(grep -m1 '^summary:' "$f" | awk '{print $2}')
    total=$((total + ${ir:-0}))
  done
  echo "$total"
}
for keys in 1 1000; do
  declare -A ir
  for n in 50 250; do
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$OUT/k$keys-n$n" \
      "$BUILD/http_bench" --rows "$ROWS" --keys "$keys" --requests "$n" >"$OUT/log" 2>&1
    ir[$n]=$(server_ir "$OUT/k$keys-n$n")
  done
  echo "keys=$keys rows=$ROWS server instructions per request: $(( (ir[250] - ir[50]) / 200 ))"
done
