#!/usr/bin/env bash
# make bench: hookd (release) vs redis-server, both on Unix sockets, driven by the same load
# generator (hookbench) in one run. Prints ops/s and p50/p99 per shape, the ratio hookd/redis,
# and hookd's resident memory at idle and after more than a million requests.
set -uo pipefail
bin="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/hookd-bench.XXXXXX)"
# shellcheck source=lib/processes.sh
source "$repo/scripts/lib/processes.sh"
cleanup_on_exit "$work" 5
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

redis-server --port 0 --unixsocket "$work/redis.sock" --save '' --appendonly no --dir "$work" --logfile "$work/redis.log" &
track_pid $!
"$bin/hookd" --socket "$work/hookd.sock" --state-dir "$work/state" 2> "$work/hookd.log" &
hookd_pid=$!
track_pid "$hookd_pid"
wait_for 10 "redis-server" redis-cli -s "$work/redis.sock" ping || exit 1
wait_for 10 "hookd" "$bin/hookrpc" health --socket "$work/hookd.sock" || exit 1
redis-cli -s "$work/redis.sock" set hookbench:key hello >/dev/null
sleep 0.5
idle_rss=$(rss_kib "$hookd_pid")

# name connections depth requests
shapes=("1-connection-sequential 1 1 100000" "50-connections 50 1 500000" "pipelined-depth-16 1 16 500000")
printf '%-26s %14s %9s %9s %14s %9s %9s %8s\n' shape "hookd ops/s" "p50 µs" "p99 µs" "redis ops/s" "p50 µs" "p99 µs" ratio
hookd_requests=0
for shape in "${shapes[@]}"; do
  read -r name connections depth requests <<<"$shape"
  h=$("$bin/hookbench" --protocol jsonrpc --socket "$work/hookd.sock" --connections "$connections" --depth "$depth" --requests "$requests" --json) || exit 1
  r=$("$bin/hookbench" --protocol resp --socket "$work/redis.sock" --connections "$connections" --depth "$depth" --requests "$requests" --json) || exit 1
  hookd_requests=$((hookd_requests + requests))
  python3 - "$name" "$h" "$r" <<'PY'
import json, sys
name, h, r = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"{name:<26} {h['ops_per_second']:>14,.0f} {h['p50_us']:>9.1f} {h['p99_us']:>9.1f} "
      f"{r['ops_per_second']:>14,.0f} {r['p50_us']:>9.1f} {r['p99_us']:>9.1f} {h['ops_per_second'] / r['ops_per_second']:>7.2f}x")
PY
done
after_rss=$(rss_kib "$hookd_pid")
echo
echo "hookd RSS: ${idle_rss} KiB at idle, ${after_rss} KiB after ${hookd_requests} requests"
echo "machine: $(nproc) cores; generator: hookbench, 1 event-loop thread; hookd: $(nproc) event-loop threads; redis-server $(redis-server --version | awk '{print $3}')"
