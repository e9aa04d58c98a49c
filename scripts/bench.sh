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

# compare NAME CONNECTIONS DEPTH REQUESTS HOOKD_SOCKET HOOKD_REQUEST REDIS_COMMAND: one table row,
# hookd and redis-server driven by the same generator with the same shape. On two shared cores a
# single run swings by ±20 %, so each row is $rounds interleaved rounds (hookd, redis, hookd, …):
# the row shows each side's median round and the median of the per-round ratios.
rounds=${BENCH_ROUNDS:-3}
compare() {
  local name="$1" connections="$2" depth="$3" requests="$4" socket="$5" request="$6" command="$7" h r results=()
  for ((round = 0; round < rounds; round++)); do
    h=$("$bin/hookbench" --protocol jsonrpc --socket "$socket" --request "$request" --connections "$connections" --depth "$depth" --requests "$requests" --json) || exit 1
    r=$("$bin/hookbench" --protocol resp --socket "$work/redis.sock" --request "$command" --connections "$connections" --depth "$depth" --requests "$requests" --json) || exit 1
    results+=("$h" "$r")
  done
  python3 - "$name" "${results[@]}" <<'PY'
import json, statistics, sys
name, runs = sys.argv[1], [json.loads(text) for text in sys.argv[2:]]
hookd, redis = runs[0::2], runs[1::2]
def median_run(side):
    return sorted(side, key=lambda run: run["ops_per_second"])[len(side) // 2]
h, r = median_run(hookd), median_run(redis)
ratio = statistics.median(a["ops_per_second"] / b["ops_per_second"] for a, b in zip(hookd, redis))
print(f"{name:<34} {h['ops_per_second']:>12,.0f} {h['p50_us']:>8.1f} {h['p99_us']:>8.1f} "
      f"{r['ops_per_second']:>12,.0f} {r['p50_us']:>8.1f} {r['p99_us']:>8.1f} {ratio:>7.2f}x")
PY
}
header() { printf '%-34s %12s %8s %8s %12s %8s %8s %8s\n' "$1" "hookd ops/s" "p50 µs" "p99 µs" "redis ops/s" "p50 µs" "p99 µs" ratio; }

echo "== Foundation: system.echo vs redis GET"
header shape
echo_request='{"jsonrpc":"2.0","method":"system.echo","params":{"value":"hello"},"id":1}'
compare 1-connection-sequential 1 1 100000 "$work/hookd.sock" "$echo_request" "GET hookbench:key"
compare 50-connections 50 1 500000 "$work/hookd.sock" "$echo_request" "GET hookbench:key"
compare pipelined-depth-16 1 16 500000 "$work/hookd.sock" "$echo_request" "GET hookbench:key"
hookd_requests=$((1100000 * rounds))
after_rss=$(rss_kib "$hookd_pid")
echo
echo "hookd RSS: ${idle_rss} KiB at idle, ${after_rss} KiB after ${hookd_requests} requests"
echo "each row: median of $rounds interleaved rounds; ratio: median of the per-round ratios"
echo "machine: $(nproc) cores; generator: hookbench, 1 event-loop thread; hookd: $(nproc) event-loop threads; redis-server $(redis-server --version | awk '{print $3}')"

# ---------------------------------------------------------------- credentials (issue 3)
echo
echo "== Credentials: credential.get (Infisical test server 75 ms a read, Redis L2) vs redis GET"
python3 -c 'import redis' 2>/dev/null || python3 -m pip install --quiet redis
python3 "$repo/Tests/Fixtures/infisical_server.py" --port 0 --port-file "$work/infisical.port" 2> "$work/infisical.log" &
track_pid $!
wait_for 10 "the Infisical test server" test -s "$work/infisical.port" || exit 1
infisical="http://127.0.0.1:$(cat "$work/infisical.port")"
curl -sf -X POST "$infisical/__test__/identities" -d '{"clientId":"bench","clientSecret":"bench-secret"}' >/dev/null || exit 1
curl -sf -X PUT "$infisical/__test__/secrets" -d '{"projectId":"bench","environment":"prod","name":"STRIPE_SECRET","value":"sk_bench_0123456789"}' >/dev/null || exit 1
curl -sf -X POST "$infisical/__test__/config" -d '{"delayMs":75}' >/dev/null || exit 1
# Two hookd on one Redis: "l1" with the usual cache, "l2" whose L1 holds one entry, so that
# alternating two webhooks makes every call an L2 (Redis) hit.
key=$("$bin/hookd" keygen)  # both share one key, so each reads what the other stored
for name in l1 l2; do
  entries=10000; [ "$name" = l2 ] && entries=1
  cat > "$work/$name.yaml" <<YAML
infisical: {site_url: "$infisical", client_id: bench, client_secret: bench-secret, project_id: bench, environment: prod}
redis: {enabled: true, socket: "$work/redis.sock", encryption_key: "$key"}
cache: {max_entries: $entries}
YAML
done
for name in l1 l2; do
  "$bin/hookd" --config "$work/$name.yaml" --socket "$work/$name.sock" --state-dir "$work/state-$name" 2> "$work/$name.log" &
  track_pid $!
  wait_for 10 "hookd ($name)" "$bin/hookrpc" health --socket "$work/$name.sock" || exit 1
done
for code in STRIPE STRIPE_B; do
  for name in l1 l2; do
    "$bin/hookrpc" webhook upsert --socket "$work/$name.sock" --json \
      "{\"code\":\"$code\",\"url\":\"https://api.stripe.test\",\"auth_type\":\"bearer\",\"credential\":{\"source\":\"infisical\",\"ref\":\"STRIPE_SECRET\"}}" >/dev/null || exit 1
  done
  "$bin/hookrpc" credential get "$code" --socket "$work/l1.sock" --json >/dev/null || exit 1
done
redis-cli -s "$work/redis.sock" set hookbench:credential '{"token":"sk_bench_0123456789"}' >/dev/null
get_request='{"jsonrpc":"2.0","method":"credential.get","params":{"code":"STRIPE"},"id":1}'
header shape
compare "L1 hit, 1 connection" 1 1 100000 "$work/l1.sock" "$get_request" "GET hookbench:credential"
compare "L1 hit, 50 connections" 50 1 300000 "$work/l1.sock" "$get_request" "GET hookbench:credential"
printf '%s\n%s\n' "$get_request" '{"jsonrpc":"2.0","method":"credential.get","params":{"code":"STRIPE_B"},"id":2}' > "$work/alternate.jsonl"
l2=$("$bin/hookbench" --protocol jsonrpc --socket "$work/l2.sock" --requests-file "$work/alternate.jsonl" --requests 20000 --json) || exit 1
python3 - "$l2" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"{'L2 (Redis) hit, 1 connection':<34} {r['ops_per_second']:>12,.0f} {r['p50_us']:>8.1f} {r['p99_us']:>8.1f}   (every call decrypts a Redis value)")
PY
echo
printf '%-44s %12s %12s\n' measurement p50 p99
PYTHONPATH="$repo/clients/python" python3 "$repo/scripts/bench_credentials.py" --hookd-socket "$work/l1.sock" --redis-socket "$work/redis.sock"

# ---------------------------------------------------------------- alerting and structured logs (issue 4)
echo
echo "== Alerting and structured logs"
header shape
notification='{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"STRIPE","success":true,"duration":0.12,"status_code":200}}'
h=$("$bin/hookbench" --protocol jsonrpc --socket "$work/l1.sock" --request "$notification" --fire-and-forget --requests 500000 --json) || exit 1
r=$("$bin/hookbench" --protocol resp --socket "$work/redis.sock" --request "INCR hookbench:counter" --depth 16 --requests 500000 --json) || exit 1
python3 - "$h" "$r" <<'PY'
import json, sys
h, r = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'alert.record notifications vs INCR d16':<34} {h['ops_per_second']:>12,.0f} {'-':>8} {'-':>8} "
      f"{r['ops_per_second']:>12,.0f} {r['p50_us']:>8.1f} {r['p99_us']:>8.1f} {h['ops_per_second'] / r['ops_per_second']:>7.2f}x")
PY
compare "alert.record requests, depth 16" 1 16 300000 "$work/l1.sock" \
  '{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"STRIPE","success":true,"duration":0.12},"id":1}' "INCR hookbench:counter"
printf '%s\n%s\n' \
  '{"jsonrpc":"2.0","method":"log.request","params":{"webhook_code":"STRIPE","method":"POST","url":"https://api.stripe.test/v1/charges?api_key=sk_bench","headers":{"Authorization":"Bearer sk_bench_0123456789","Content-Type":"application/json"},"payload":{"amount":100,"card_number":"4111111111111111"},"guid":"bench"},"id":1}' \
  '{"jsonrpc":"2.0","method":"log.response","params":{"webhook_code":"STRIPE","guid":"bench","status_code":200,"response_body":"{\"id\":\"ch_1\"}","duration":0.12,"success":true},"id":2}' > "$work/log-pair.jsonl"
pairs=$("$bin/hookbench" --protocol jsonrpc --socket "$work/l1.sock" --requests-file "$work/log-pair.jsonl" --depth 16 --requests 200000 --json) || exit 1
python3 - "$pairs" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"{'log.request + log.response pairs':<34} {r['ops_per_second'] / 2:>12,.0f} {r['p50_us']:>8.1f} {r['p99_us']:>8.1f}   pairs/s, masked, written to the JSON Lines file")
PY

# alert.record latency while the Slack endpoint hangs, against the same load with no Slack channel
# and with Slack answering: a mix where 100 webhooks' first call is a 401 (each fires auth_failures
# once: 100 Slack deliveries) and the other calls succeed. Three hookd (log only, Slack answering,
# Slack hanging); $rounds interleaved rounds of 60000 requests, each round with its own 100 codes.
# The goal is an unchanged p99 (within ±20 %).
python3 "$repo/Tests/Fixtures/alert_receivers.py" --port 0 --port-file "$work/slack-ok.port" 2> "$work/slack-ok.log" &
track_pid $!
python3 "$repo/Tests/Fixtures/alert_receivers.py" --port 0 --port-file "$work/slack-hang.port" 2> "$work/slack-hang.log" &
track_pid $!
for mode in none ok hang; do
  channels="log,slack"
  slack="http://127.0.0.1:9"  # unused by the log-only hookd
  if [ "$mode" = none ]; then
    channels="log"
  else
    wait_for 10 "the Slack test receiver ($mode)" test -s "$work/slack-$mode.port" || exit 1
    slack="http://127.0.0.1:$(cat "$work/slack-$mode.port")"
    curl -sf -X POST "$slack/__test__/config" -d "{\"mode\":\"$mode\",\"hang_seconds\":120}" >/dev/null || exit 1
  fi
  cat > "$work/slack-$mode.yaml" <<YAML
slack: {webhook_url: "$slack/services/T000/B000/bench-token", timeout_seconds: 60}
webhooks: {alerting: {channels: "$channels", min_calls: 1, auth_failure_threshold: 1}}
audit: {enabled: false}
YAML
  "$bin/hookd" --config "$work/slack-$mode.yaml" --socket "$work/slack-$mode.sock" --state-dir "$work/state-slack-$mode" 2> "$work/hookd-slack-$mode.log" &
  track_pid $!
  wait_for 10 "hookd (slack $mode)" "$bin/hookrpc" health --socket "$work/slack-$mode.sock" || exit 1
done
slack_results=()
for ((round = 0; round < rounds; round++)); do
  python3 - "$round" > "$work/alert-mix.jsonl" <<'PY'
import json, sys
round_ = int(sys.argv[1])
for i in range(60000):
    fail = i < 100
    print(json.dumps({"jsonrpc": "2.0", "method": "alert.record", "id": i, "params": {
        "webhook_code": "R%d_CODE_%d" % (round_, i % 100), "success": not fail, "duration": 0.1,
        "status_code": 401 if fail else 200}}))
PY
  for mode in none ok hang; do
    slack_results+=("$("$bin/hookbench" --protocol jsonrpc --socket "$work/slack-$mode.sock" --requests-file "$work/alert-mix.jsonl" --requests 60000 --json)") || exit 1
  done
done
python3 - "${slack_results[@]}" <<'PY'
import json, statistics, sys
runs = [json.loads(text) for text in sys.argv[1:]]
sides = {"no Slack channel": runs[0::3], "Slack answering": runs[1::3], "Slack hanging": runs[2::3]}
for label, side in sides.items():
    print(f"{'alert.record, ' + label:<34} {statistics.median(r['ops_per_second'] for r in side):>12,.0f} "
          f"{statistics.median(r['p50_us'] for r in side):>8.1f} {statistics.median(r['p99_us'] for r in side):>8.1f}"
          "   (1 connection; 100 alerts fire per round)")
hanging = sides["Slack hanging"]
for label in ("no Slack channel", "Slack answering"):
    ratio = statistics.median(h["p99_us"] / b["p99_us"] for b, h in zip(sides[label], hanging))
    print(f"{'p99 hanging / ' + label:<34} {ratio:>12.2f}x  (median of the per-round ratios; goal 0.8 to 1.2)")
PY

# ---------------------------------------------------------------- validation (issue 5)
# validate-all over 200 webhooks whose endpoints take 100 ms each, at concurrency 1, 8 and 32:
# wall time (hookd's duration_ms) against the ideal 200 × 100 ms ÷ concurrency.
echo
echo "== Validation: validate.all over 200 endpoints of 100 ms each"
mkdir -p "$work/endpoints"
python3 "$repo/Tests/Fixtures/validation_endpoints.py" --port 0 --port-file "$work/endpoints/port" 2> "$work/endpoints.log" &
track_pid $!
wait_for 20 "the validation endpoints" test -s "$work/endpoints/port" || exit 1
"$bin/hookd" --socket "$work/validate.sock" --state-dir "$work/state-validate" 2> "$work/hookd-validate.log" &
track_pid $!
wait_for 10 "hookd (validation)" "$bin/hookrpc" health --socket "$work/validate.sock" || exit 1
PYTHONPATH="$repo/clients/python" python3 - "$work/validate.sock" "$(cat "$work/endpoints/port")" <<'PY' || exit 1
import sys
from hookrpc import HookRPC
with HookRPC(sys.argv[1]) as client:
    for index in range(200):
        client.webhook_upsert(code=f"BENCH_{index:03d}", url=f"http://127.0.0.1:{sys.argv[2]}/delay/100", auth_type="none")
PY
printf '%-34s %12s %12s %8s %s\n' concurrency "wall ms" "ideal ms" ratio summary
for concurrency in 1 8 32; do
  result=$("$bin/hookrpc" validate-all --socket "$work/validate.sock" --concurrency "$concurrency" --json --timeout 120)
  python3 - "$concurrency" "$result" <<'PY'
import json, sys
concurrency, result = int(sys.argv[1]), json.loads(sys.argv[2])
ideal = 200 * 100 / concurrency
summary = result["summary"]
print(f"{concurrency:<34} {result['duration_ms']:>12,.0f} {ideal:>12,.0f} {result['duration_ms'] / ideal:>7.2f}x "
      f"valid {summary['valid']}/{summary['total']}")
PY
done
