#!/usr/bin/env bash
# make bench: hookd (release) vs redis-server, both on Unix sockets, driven by the same load
# generator in one run: scripts/loadgen.c (C, epoll, one thread), compiled here into the temp dir.
# The headline rows (issue 9) also run redis-benchmark against the same redis-server in every
# round, to show that loadgen is not the bottleneck: it must drive redis at least as fast.
# Prints ops/s and p50/p99 per shape, the ratios hookd/redis, and hookd's resident memory at
# idle and after at least 3 M requests; then credentials, alerting and logs, and validation.
set -uo pipefail
bin="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/hookd-bench.XXXXXX)"
# shellcheck source=lib/processes.sh
source "$repo/scripts/lib/processes.sh"
cleanup_on_exit "$work" 5
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

"${CC:-$(command -v cc || command -v clang)}" -O2 -Wall -Wextra -Werror -o "$work/loadgen" "$repo/scripts/loadgen.c" || exit 1
loadgen="$work/loadgen"  # aborts with exit 1 after --timeout (default 120 s): a hung bench fails

redis-server --port 0 --unixsocket "$work/redis.sock" --save '' --appendonly no --dir "$work" --logfile "$work/redis.log" &
track_pid $!
# The headline hookd serves credential.get from an env credential: no Infisical needed, and after
# the first call every call is an L1 (memory) hit, exactly as with any other source.
HOOKD_CRED_BENCH_OUT=sk_fake_bench "$bin/hookd" --socket "$work/hookd.sock" --state-dir "$work/state" 2> "$work/hookd.log" &
hookd_pid=$!
track_pid "$hookd_pid"
wait_for 10 "redis-server" redis-cli -s "$work/redis.sock" ping || exit 1
wait_for 10 "hookd" "$bin/hookrpc" health --socket "$work/hookd.sock" || exit 1
redis-cli -s "$work/redis.sock" set hookbench:key hello >/dev/null
redis-cli -s "$work/redis.sock" set key:__rand_int__ hello >/dev/null  # what redis-benchmark -t get reads
redis-cli -s "$work/redis.sock" set hookbench:credential '{"token":"sk_fake_bench"}' >/dev/null
"$bin/hookrpc" webhook upsert --socket "$work/hookd.sock" --json \
  '{"code":"BENCH","url":"https://api.example.test","auth_type":"bearer","credential":{"source":"env"}}' >/dev/null || exit 1
"$bin/hookrpc" credential get BENCH --socket "$work/hookd.sock" --json >/dev/null || exit 1  # now in L1
sleep 0.5
idle_rss=$(rss_kib "$hookd_pid")
hookd_requests=0  # sent to the headline hookd, for its RSS "after"

# compare NAME CONNECTIONS DEPTH REQUESTS HOOKD_SOCKET HOOKD_REQUEST REDIS_COMMAND [check]: one
# table row, hookd and redis-server driven by loadgen with the same shape. On two shared cores a
# single run swings by ±20 % and more, so each row is $rounds interleaved rounds (hookd, redis;
# every other round in reverse order): the row shows each side's median round and the medians of
# the per-round ratios (ops/s and p50).
# With "check", every round also runs redis-benchmark with the same shape against the same
# redis-server; its line goes to $work/generator.txt (printed after the table).
rounds=${BENCH_ROUNDS:-3}
compare() {
  local name="$1" connections="$2" depth="$3" requests="$4" socket="$5" request="$6" command="$7" check="${8:-}"
  local h r b round step order results=()
  for ((round = 0; round < rounds; round++)); do
    b='{}'
    order="hookd redis bench"
    ((round % 2)) && order="bench redis hookd"  # every other round reversed: no side always goes first
    for step in $order; do
      case $step in
      hookd) h=$("$loadgen" --protocol jsonrpc --socket "$socket" --request "$request" --connections "$connections" --depth "$depth" --requests "$requests" --json) || exit 1 ;;
      redis) r=$("$loadgen" --protocol resp --socket "$work/redis.sock" --request "$command" --connections "$connections" --depth "$depth" --requests "$requests" --json) || exit 1 ;;
      bench)
        [ -n "$check" ] || continue
        b=$(timeout 120 redis-benchmark -s "$work/redis.sock" -c "$connections" -P "$depth" -t get -n "$requests" --csv 2>/dev/null | tail -n 1)
        [ -n "$b" ] || { echo "redis-benchmark failed" >&2; exit 1; }
        ;;
      esac
    done
    results+=("$h" "$r" "$b")
  done
  if [ "$socket" = "$work/hookd.sock" ]; then hookd_requests=$((hookd_requests + requests * rounds)); fi
  python3 - "$name" "$work/generator.txt" "$work/summary.jsonl" "${results[@]}" <<'PY'
import csv, json, statistics, sys
name, generator_file, summary_file, texts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
hookd = [json.loads(text) for text in texts[0::3]]
redis = [json.loads(text) for text in texts[1::3]]
def median_run(side):
    return sorted(side, key=lambda run: run["ops_per_second"])[len(side) // 2]
h, r = median_run(hookd), median_run(redis)
ops_ratio = statistics.median(a["ops_per_second"] / b["ops_per_second"] for a, b in zip(hookd, redis))
p50_ratio = statistics.median(a["p50_us"] / b["p50_us"] for a, b in zip(hookd, redis))
print(f"{name:<40} {h['ops_per_second']:>11,.0f} {h['p50_us']:>7.1f} {h['p99_us']:>8.1f} "
      f"{r['ops_per_second']:>11,.0f} {r['p50_us']:>7.1f} {r['p99_us']:>8.1f} {ops_ratio:>6.2f}x {p50_ratio:>6.2f}x")
with open(summary_file, "a") as summary:
    summary.write(json.dumps({"name": name, "ops_ratio": ops_ratio, "p50_ratio": p50_ratio,
                              "hookd_ops": h["ops_per_second"], "hookd_p50_us": h["p50_us"]}) + "\n")
if texts[2] == "{}":
    sys.exit(0)
# redis-benchmark --csv: "GET","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...
bench = [next(csv.reader([text])) for text in texts[2::3]]
bench_ops = [float(row[1]) for row in bench]
bench_p50 = [float(row[4]) * 1000 for row in bench]
lead = statistics.median(a["ops_per_second"] / b for a, b in zip(redis, bench_ops))
verdict = "ok" if lead >= 1.0 else "LOADGEN SLOWER"
with open(generator_file, "a") as out:
    out.write(f"{name:<40} {statistics.median(run['ops_per_second'] for run in redis):>13,.0f} "
              f"{statistics.median(bench_ops):>17,.0f} {lead:>8.2f}x "
              f"{statistics.median(run['p50_us'] for run in redis):>9.1f} {statistics.median(bench_p50):>9.1f}  {verdict}\n")
PY
}
header() { printf '%-40s %11s %7s %8s %11s %7s %8s %7s %7s\n' "$1" "hookd ops/s" "p50 µs" "p99 µs" "redis ops/s" "p50 µs" "p99 µs" "ops" "p50"; }

echo "== Headline: hookd vs redis GET, same generator (loadgen); ratios hookd/redis"
header shape
echo_request='{"jsonrpc":"2.0","method":"system.echo","params":{"value":"hello"},"id":1}'
credential_request='{"jsonrpc":"2.0","method":"credential.get","params":{"code":"BENCH"},"id":1}'
compare "credential.get L1 hit, 50 connections" 50 1 300000 "$work/hookd.sock" "$credential_request" "GET hookbench:credential" check
compare "system.echo, 50 connections" 50 1 500000 "$work/hookd.sock" "$echo_request" "GET hookbench:key" check
compare "system.echo, pipelined 16, 1 connection" 1 16 500000 "$work/hookd.sock" "$echo_request" "GET hookbench:key" check
compare "credential.get L1 hit, 1 connection" 1 1 100000 "$work/hookd.sock" "$credential_request" "GET hookbench:credential" check
compare "system.echo, 1 connection" 1 1 100000 "$work/hookd.sock" "$echo_request" "GET hookbench:key" check
# RSS after at least 3 M requests: top up with pipelined echo calls when the rounds sent fewer.
if ((hookd_requests < 3000000)); then
  "$loadgen" --socket "$work/hookd.sock" --request "$echo_request" --connections 10 --depth 16 --requests $((3000000 - hookd_requests)) --json >/dev/null || exit 1
  hookd_requests=3000000
fi
after_rss=$(rss_kib "$hookd_pid")
echo
echo "Is loadgen the bottleneck? redis-server driven by loadgen and by redis-benchmark (-s -c -P -t get -n), same rounds"
printf '%-40s %13s %17s %9s %9s %9s\n' shape "loadgen ops/s" "redis-bench ops/s" "lg/rb" "lg p50 µs" "rb p50 µs"
cat "$work/generator.txt"
echo
echo "hookd RSS: ${idle_rss} KiB at idle, ${after_rss} KiB after ${hookd_requests} requests"
echo "each row: median of $rounds interleaved rounds; ratios: median of the per-round ratios (lg/rb too)"
echo "machine: $(nproc) cores; generator: loadgen (C, epoll, 1 thread); hookd: $(nproc) event-loop threads; redis-server $(redis-server --version | awk '{print $3}')"
echo
python3 - "$work/summary.jsonl" "$idle_rss" "$after_rss" "$hookd_requests" <<'PY'
import json, sys
rows = {row["name"]: row for row in map(json.loads, open(sys.argv[1]))}
idle, after, requests = int(sys.argv[2]) / 1024, int(sys.argv[3]) / 1024, int(sys.argv[4])
print("| measurement | hookd/redis |")
print("|---|---|")
print(f"| `credential.get` memory (L1) hit, 50 connections, vs redis GET | {rows['credential.get L1 hit, 50 connections']['ops_ratio']:.2f}x ops/s |")
print(f"| `system.echo` 50 connections vs redis GET | {rows['system.echo, 50 connections']['ops_ratio']:.2f}x ops/s |")
print(f"| `system.echo` pipelined 16 deep (1 connection) vs redis GET pipelined 16 | {rows['system.echo, pipelined 16, 1 connection']['ops_ratio']:.2f}x ops/s |")
print(f"| `credential.get` p50, 1 connection, vs redis GET p50 | {rows['credential.get L1 hit, 1 connection']['p50_ratio']:.2f}x latency (goal ≤ 1.0, must ≤ 1.5) |")
print(f"| hookd RSS idle / after {requests / 1e6:.1f} M requests | {idle:.1f} MiB / {after:.1f} MiB |")
PY

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
l2=$("$loadgen" --protocol jsonrpc --socket "$work/l2.sock" --requests-file "$work/alternate.jsonl" --requests 20000 --json) || exit 1
python3 - "$l2" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"{'L2 (Redis) hit, 1 connection':<40} {r['ops_per_second']:>11,.0f} {r['p50_us']:>7.1f} {r['p99_us']:>8.1f}   (every call decrypts a Redis value)")
PY
echo
printf '%-44s %12s %12s\n' measurement p50 p99
PYTHONPATH="$repo/clients/python" python3 "$repo/scripts/bench_credentials.py" --hookd-socket "$work/l1.sock" --redis-socket "$work/redis.sock"

# ---------------------------------------------------------------- alerting and structured logs (issue 4)
echo
echo "== Alerting and structured logs"
header shape
notification='{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"STRIPE","success":true,"duration":0.12,"status_code":200}}'
h=$("$loadgen" --protocol jsonrpc --socket "$work/l1.sock" --request "$notification" --fire-and-forget --requests 500000 --json) || exit 1
r=$("$loadgen" --protocol resp --socket "$work/redis.sock" --request "INCR hookbench:counter" --depth 16 --requests 500000 --json) || exit 1
python3 - "$h" "$r" <<'PY'
import json, sys
h, r = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'alert.record notifications vs INCR d16':<40} {h['ops_per_second']:>11,.0f} {'-':>7} {'-':>8} "
      f"{r['ops_per_second']:>11,.0f} {r['p50_us']:>7.1f} {r['p99_us']:>8.1f} {h['ops_per_second'] / r['ops_per_second']:>6.2f}x")
PY
compare "alert.record requests, depth 16" 1 16 300000 "$work/l1.sock" \
  '{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"STRIPE","success":true,"duration":0.12},"id":1}' "INCR hookbench:counter"
printf '%s\n%s\n' \
  '{"jsonrpc":"2.0","method":"log.request","params":{"webhook_code":"STRIPE","method":"POST","url":"https://api.stripe.test/v1/charges?api_key=sk_bench","headers":{"Authorization":"Bearer sk_bench_0123456789","Content-Type":"application/json"},"payload":{"amount":100,"card_number":"4111111111111111"},"guid":"bench"},"id":1}' \
  '{"jsonrpc":"2.0","method":"log.response","params":{"webhook_code":"STRIPE","guid":"bench","status_code":200,"response_body":"{\"id\":\"ch_1\"}","duration":0.12,"success":true},"id":2}' > "$work/log-pair.jsonl"
pairs=$("$loadgen" --protocol jsonrpc --socket "$work/l1.sock" --requests-file "$work/log-pair.jsonl" --depth 16 --requests 200000 --json) || exit 1
python3 - "$pairs" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"{'log.request + log.response pairs':<40} {r['ops_per_second'] / 2:>11,.0f} {r['p50_us']:>7.1f} {r['p99_us']:>8.1f}   pairs/s, masked, written to the JSON Lines file")
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
    slack_results+=("$("$loadgen" --protocol jsonrpc --socket "$work/slack-$mode.sock" --requests-file "$work/alert-mix.jsonl" --requests 60000 --json)") || exit 1
  done
done
python3 - "${slack_results[@]}" <<'PY'
import json, statistics, sys
runs = [json.loads(text) for text in sys.argv[1:]]
sides = {"no Slack channel": runs[0::3], "Slack answering": runs[1::3], "Slack hanging": runs[2::3]}
for label, side in sides.items():
    print(f"{'alert.record, ' + label:<40} {statistics.median(r['ops_per_second'] for r in side):>11,.0f} "
          f"{statistics.median(r['p50_us'] for r in side):>7.1f} {statistics.median(r['p99_us'] for r in side):>8.1f}"
          "   (1 connection; 100 alerts fire per round)")
hanging = sides["Slack hanging"]
for label in ("no Slack channel", "Slack answering"):
    ratio = statistics.median(h["p99_us"] / b["p99_us"] for b, h in zip(sides[label], hanging))
    print(f"{'p99 hanging / ' + label:<40} {ratio:>12.2f}x  (median of the per-round ratios; goal 0.8 to 1.2)")
PY

# ---------------------------------------------------------------- inbound verification (issue 13)
# inbound.verify of a GitHub-signed 1 KiB body (HMAC-SHA256 over the body; a webhook_inbound log line
# and an alerting outcome per call), driven by loadgen like redis GET; then through the Python
# WebHooks shim against the same check done in the handler with hmac.compare_digest.
echo
echo "== Inbound: inbound.verify (github, 1 KiB body) vs redis GET; the Python shim vs hmac in-process"
inbound_secret="bench-inbound-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HOOKD_CRED_BENCH_VERIFY_IN="{\"secret\":\"$inbound_secret\",\"scheme\":\"github\"}" \
  "$bin/hookd" --socket "$work/inbound.sock" --state-dir "$work/state-inbound" 2> "$work/hookd-inbound.log" &
track_pid $!
wait_for 10 "hookd (inbound)" "$bin/hookrpc" health --socket "$work/inbound.sock" || exit 1
"$bin/hookrpc" webhook upsert --socket "$work/inbound.sock" --json \
  '{"code":"BENCH_VERIFY","direction":"IN","type":"SERVICE","auth_type":"hmac","credential":{"source":"env"}}' >/dev/null || exit 1
verify_request=$(python3 - "$inbound_secret" <<'PY'
import hashlib, hmac, json, sys
body = json.dumps({"action": "opened", "number": 1347, "pull_request": {"title": "x" * 900, "state": "open"}})
signature = "sha256=" + hmac.new(sys.argv[1].encode(), body.encode(), hashlib.sha256).hexdigest()
print(json.dumps({"jsonrpc": "2.0", "method": "inbound.verify", "id": 1, "params": {
    "code": "BENCH_VERIFY", "headers": {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}, "body": body}}))
PY
)
"$bin/hookrpc" call inbound.verify --json --socket "$work/inbound.sock" "$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["params"]))' "$verify_request")" \
  | grep -q '"valid":true' || { echo "inbound.verify did not accept the bench's own signature" >&2; exit 1; }
header shape
compare "inbound.verify, 1 connection" 1 1 100000 "$work/inbound.sock" "$verify_request" "GET hookbench:key"
compare "inbound.verify, 50 connections" 50 1 300000 "$work/inbound.sock" "$verify_request" "GET hookbench:key"
python3 - "$work/summary.jsonl" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    row = json.loads(line)
    rows[row["name"]] = row
one, fifty = rows["inbound.verify, 1 connection"], rows["inbound.verify, 50 connections"]
print(f"{'inbound.verify p50, 1 connection':<40} {one['hookd_p50_us']:>11.1f} µs  (goal <= 100 µs)")
print(f"{'inbound.verify, 50 connections':<40} {fifty['hookd_ops']:>11,.0f} /s  (goal >= 30 000/s)")
PY
PYTHONPATH="$repo/clients/python" python3 "$repo/scripts/bench_inbound.py" --socket "$work/inbound.sock" || exit 1

# ---------------------------------------------------------------- validation (issue 5)
# validate-all over 200 webhooks whose endpoints take 100 ms each, at concurrency 1, 8 and 32:
# wall time (hookd's duration_ms) against the ideal 200 × 100 ms ÷ concurrency.
echo
echo "== Validation: validate.all over 200 endpoints of 100 ms each"
mkdir -p "$work/endpoints"
python3 "$repo/Tests/Fixtures/validation_endpoints.py" --port 0 --port-file "$work/endpoints/port" 2> "$work/endpoints.log" &
track_pid $!
wait_for 20 "the validation endpoints" test -s "$work/endpoints/port" || exit 1
# The endpoints are on loopback, which NetworkPolicy refuses unless allowed.
printf 'network:\n  allow: ["127.0.0.0/8"]\n' > "$work/validate.yaml"
"$bin/hookd" --config "$work/validate.yaml" --socket "$work/validate.sock" --state-dir "$work/state-validate" 2> "$work/hookd-validate.log" &
track_pid $!
wait_for 10 "hookd (validation)" "$bin/hookrpc" health --socket "$work/validate.sock" || exit 1
PYTHONPATH="$repo/clients/python" python3 - "$work/validate.sock" "$(cat "$work/endpoints/port")" <<'PY' || exit 1
import sys
from hookrpc import HookRPC
with HookRPC(sys.argv[1]) as client:
    for index in range(200):
        client.webhook_upsert(code=f"BENCH_{index:03d}", url=f"http://127.0.0.1:{sys.argv[2]}/delay/100", auth_type="none")
PY
printf '%-40s %11s %11s %8s %s\n' concurrency "wall ms" "ideal ms" ratio summary
for concurrency in 1 8 32; do
  result=$("$bin/hookrpc" validate-all --socket "$work/validate.sock" --concurrency "$concurrency" --json --timeout 120)
  python3 - "$concurrency" "$result" <<'PY' || exit 1
import json, sys
concurrency, result = int(sys.argv[1]), json.loads(sys.argv[2])
ideal = 200 * 100 / concurrency
summary = result["summary"]
print(f"{concurrency:<40} {result['duration_ms']:>11,.0f} {ideal:>11,.0f} {result['duration_ms'] / ideal:>7.2f}x "
      f"valid {summary['valid']}/{summary['total']}")
# A round where the endpoints were not reached measures nothing: fail rather than print a ratio.
sys.exit(0 if summary["valid"] == summary["total"] == 200 else f"validation bench: only {summary['valid']} of 200 valid")
PY
done

# ---------------------------------------------------------------- delivery (issue 12)
# webhook.deliver against a C sink (scripts/httpsink.c) that answers 200 at once, side by side with
# wrk against the same sink at the same concurrency (the ceiling of HTTP on this machine).
echo
echo "== Delivery: webhook.deliver to a local sink answering 200 at once, vs wrk to the same sink"
"${CC:-$(command -v cc || command -v clang)}" -O2 -Wall -Wextra -Werror -o "$work/httpsink" "$repo/scripts/httpsink.c" || exit 1
sink_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$work/httpsink" "$sink_port" "$work/sink.count" &
track_pid $!
wait_for 10 "the delivery sink" bash -c "exec 3<>/dev/tcp/127.0.0.1/$sink_port"
printf 'network:\n  allow: ["127.0.0.0/8"]\ndelivery:\n  max_in_flight: 50\n' > "$work/deliver.yaml"
"$bin/hookd" --config "$work/deliver.yaml" --socket "$work/deliver.sock" --state-dir "$work/state-deliver" 2> "$work/hookd-deliver.log" &
track_pid $!
wait_for 10 "hookd (delivery)" "$bin/hookrpc" health --socket "$work/deliver.sock" || exit 1
"$bin/hookrpc" webhook upsert --socket "$work/deliver.sock" --json \
  "{\"code\":\"BENCH_SINK\",\"url\":\"http://127.0.0.1:$sink_port/deliver\",\"auth_type\":\"none\"}" >/dev/null || exit 1
sink_count() { cat "$work/sink.count" 2>/dev/null || echo 0; }
# wait_for_sink N: until the sink has answered N requests in all (timeout 300 s).
wait_for_sink() { wait_for 300 "the sink to count $1 requests" bash -c "[ \"\$(cat '$work/sink.count' 2>/dev/null || echo 0)\" -ge $1 ]"; }
deliver_request='{"jsonrpc":"2.0","method":"webhook.deliver","params":{"code":"BENCH_SINK","payload":{"id":"evt_bench","amount":100}},"id":1}'
deliveries=${BENCH_DELIVERIES:-30000}
one=$("$loadgen" --socket "$work/deliver.sock" --connections 1 --requests 3000 --request "$deliver_request" --json) || exit 1
wait_for_sink 3000 || exit 1
before=$(sink_count)
started=$(date +%s.%N)
fifty=$("$loadgen" --socket "$work/deliver.sock" --connections 50 --requests "$deliveries" --request "$deliver_request" --json) || exit 1
wait_for_sink $((before + deliveries)) || exit 1
finished=$(date +%s.%N)
wrk_text=$(wrk -t1 -c50 -d5s "http://127.0.0.1:$sink_port/wrk") || exit 1
python3 - "$one" "$fifty" "$deliveries" "$started" "$finished" "$wrk_text" <<'PY' || exit 1
import json, re, sys
one, fifty = json.loads(sys.argv[1]), json.loads(sys.argv[2])
deliveries, started, finished, wrk_text = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
match = re.search(r"Requests/sec:\s*([\d.]+)", wrk_text)
if not match:
    sys.exit("wrk printed no Requests/sec")
wrk = float(match.group(1))
sent = deliveries / (finished - started)
print(f"{'webhook.deliver accepted, 1 connection':<46} p50 {one['p50_us']:>7.1f} µs  p99 {one['p99_us']:>8.1f} µs  (goal p50 <= 200 µs)")
print(f"{'webhook.deliver accepted, 50 connections':<46} {fifty['ops_per_second']:>9,.0f}/s  p50 {fifty['p50_us']:>7.1f} µs  (goal >= 20 000/s)")
print(f"{'delivered to the sink, 50 in flight':<46} {sent:>9,.0f}/s  ({deliveries:,} queued at 50 connections until all arrived)")
print(f"{'wrk to the same sink, 50 connections':<46} {wrk:>9,.0f}/s")
print(f"{'deliveries / wrk':<46} {sent / wrk:>9.2f}x  (must >= 0.3, goal >= 0.6)")
PY
# The application's way today (requests.post) against ObjHook.call() through hookd, same sink.
PYTHONPATH="$repo/clients/python" python3 - "$work/deliver.sock" "$sink_port" <<'PY' || exit 1
import statistics, sys, time
import requests
from hookrpc import HookRPC, ObjHook
socket, port = sys.argv[1], int(sys.argv[2])
session = requests.Session()
hook = ObjHook(client=HookRPC(socket))
hook.read("BENCH_SINK")
def p50(action, count=500):
    times = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6
direct = p50(lambda: session.post(f"http://127.0.0.1:{port}/direct", json={"id": "evt_bench"}).raise_for_status())
through = p50(lambda: hook.call({"id": "evt_bench"}))
print(f"{'requests.post (keep-alive session), p50':<46} {direct:>9.1f} µs")
print(f"{'ObjHook.call() (durable, logged, retried), p50':<46} {through:>9.1f} µs  ({through / direct:.2f}x requests.post)")
PY

# ---------------------------------------------------------------- migration (issue 14)
# migrate.run against the Infisical test server answering each request after 75 ms: 20 webhooks at
# concurrency 1, then 100 others at concurrency 8, against the ideal n × 75 ms ÷ concurrency (one
# exchange a webhook). Each webhook takes four exchanges: target read, create, read-back, warm.
echo
echo "== Migration: migrate.run into the Infisical test server (75 ms a request)"
curl -sf -X POST "$infisical/__test__/config" -d '{"delayMs":75}' >/dev/null || exit 1
cat > "$work/migrate.yaml" <<YAML
infisical: {site_url: "$infisical", client_id: bench, client_secret: bench-secret, project_id: bench, environment: prod}
YAML
"$bin/hookd" --config "$work/migrate.yaml" --socket "$work/migrate.sock" --state-dir "$work/state-migrate" 2> "$work/hookd-migrate.log" &
track_pid $!
wait_for 10 "hookd (migration)" "$bin/hookrpc" health --socket "$work/migrate.sock" || exit 1
PYTHONPATH="$repo/clients/python" python3 - "$work/migrate.sock" <<'PY' || exit 1
import sys, time
from hookrpc import HookRPC
with HookRPC(sys.argv[1], timeout=600) as client:
    for index in range(120):
        client.webhook_upsert(code=f"MIGRATE_{index:03d}", type="SERVICE", auth_type="bearer",
                              credential={"source": "database", "value": f"tok_fake_bench_{index}"})
    print(f"{'concurrency':<40} {'webhooks':>9} {'wall ms':>11} {'ideal ms':>11} {'ratio':>8} {'webhooks/s':>11}")
    for concurrency, codes in ((1, range(0, 20)), (8, range(20, 120))):
        names = [f"MIGRATE_{index:03d}" for index in codes]
        started = time.monotonic()
        result = client.call("migrate.run", {"codes": names, "concurrency": concurrency})
        wall = (time.monotonic() - started) * 1000
        migrated = result["summary"]["migrated"]
        if migrated != len(names):
            sys.exit(f"migration bench: {migrated} of {len(names)} migrated: {result['summary']}")
        ideal = len(names) * 75 / concurrency
        print(f"{concurrency:<40} {len(names):>9} {wall:>11,.0f} {ideal:>11,.0f} {wall / ideal:>7.2f}x {len(names) / wall * 1000:>11.1f}")
PY

# ---------------------------------------------------------------- metrics (issue 16)
# The cost of instrumentation: credential.get memory hits at 50 connections on a hookd that counts
# (metrics.enabled, the default) and on one that does not, $rounds interleaved rounds; goal ≤ 5 %.
echo
echo "== Metrics: credential.get L1 hit, 50 connections, counting on vs off (interleaved)"
for mode in on off; do
  enabled=true; [ "$mode" = off ] && enabled=false
  printf 'metrics:\n  enabled: %s\n' "$enabled" > "$work/metrics-$mode.yaml"
  HOOKD_CRED_BENCH_OUT=sk_fake_bench "$bin/hookd" --config "$work/metrics-$mode.yaml" --socket "$work/metrics-$mode.sock" \
    --state-dir "$work/state-metrics-$mode" 2> "$work/hookd-metrics-$mode.log" &
  track_pid $!
  wait_for 10 "hookd (metrics $mode)" "$bin/hookrpc" health --socket "$work/metrics-$mode.sock" || exit 1
  "$bin/hookrpc" webhook upsert --socket "$work/metrics-$mode.sock" --json \
    '{"code":"BENCH","url":"https://api.example.test","auth_type":"bearer","credential":{"source":"env"}}' >/dev/null || exit 1
  "$bin/hookrpc" credential get BENCH --socket "$work/metrics-$mode.sock" --json >/dev/null || exit 1
done
metrics_results=()
for ((round = 0; round < rounds; round++)); do
  order="on off"; ((round % 2)) && order="off on"
  for mode in $order; do
    metrics_results+=("$mode" "$("$loadgen" --protocol jsonrpc --socket "$work/metrics-$mode.sock" --request "$credential_request" --connections 50 --requests 300000 --json)") || exit 1
  done
done
python3 - "${metrics_results[@]}" <<'PY'
import json, statistics, sys
args = sys.argv[1:]
runs = {"on": [], "off": []}
for mode, text in zip(args[0::2], args[1::2]):
    runs[mode].append(json.loads(text))
on = statistics.median(r["ops_per_second"] for r in runs["on"])
off = statistics.median(r["ops_per_second"] for r in runs["off"])
print(f"{'counting on':<40} {on:>11,.0f} ops/s  p50 {statistics.median(r['p50_us'] for r in runs['on']):.1f} µs")
print(f"{'counting off':<40} {off:>11,.0f} ops/s  p50 {statistics.median(r['p50_us'] for r in runs['off']):.1f} µs")
print(f"{'cost of instrumentation':<40} {(1 - on / off) * 100:>10.1f} %  (goal <= 5 %)")
PY

# ---------------------------------------------------------------- sandbox (issue 15)
# hooksandbox holding 10 000 captures (its default --max-captures): the inbox page `/` (rendered on
# the server: time to the full HTML, curl's time_total, median of 20) and the API's first page
# `/api/captures?limit=50` (median of 50), against the issue's goals; with chromium installed, also
# `chromium --headless --dump-dom` of `/` (median of 3, the browser's start included) as the
# page's load in a real browser (`make release` builds hooksandbox too).
echo
echo "== Sandbox: hooksandbox with 10 000 captures: the inbox page and the captures API"
sandbox_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
sandbox_url="http://127.0.0.1:$sandbox_port"
"$bin/hooksandbox" --listen "127.0.0.1:$sandbox_port" --data "$work/sandbox" --max-captures 10000 > "$work/hooksandbox.log" 2>&1 &
track_pid $!
wait_for 30 "hooksandbox" curl -sf --max-time 2 "$sandbox_url/api/stats" || exit 1
# 10 000 JSON POSTs to /in/bench: 4 threads, each on one keep-alive connection.
timeout 120 python3 - "$sandbox_port" <<'PY' || exit 1
import http.client, json, sys, threading, time
port, total, threads = int(sys.argv[1]), 10_000, 4
failures = []
def send(first, count):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for index in range(first, first + count):
        body = json.dumps({"id": f"evt_bench_{index:05d}", "type": "payment_intent.succeeded",
                           "data": {"object": {"amount": 4200 + index, "currency": "eur"}}})
        connection.request("POST", "/in/bench", body, {"Content-Type": "application/json",
                                                       "Stripe-Signature": f"t=1700000000,v1={index:064x}"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            failures.append(response.status)
    connection.close()
started = time.monotonic()
workers = [threading.Thread(target=send, args=(n * total // threads, total // threads)) for n in range(threads)]
for worker in workers: worker.start()
for worker in workers: worker.join()
if failures:
    sys.exit(f"sandbox fill: {len(failures)} requests failed ({failures[:3]})")
print(f"{'filled with 10 000 captures':<46} {time.monotonic() - started:>9.1f} s  (4 keep-alive connections)")
PY
sandbox_stats="$(curl -sf --max-time 10 "$sandbox_url/api/stats")" || exit 1
[ "$(jq -r .captures <<< "$sandbox_stats")" = 10000 ] || { echo "the sandbox holds $sandbox_stats, not 10000 captures" >&2; exit 1; }
# curl_times COUNT URL: curl's time_total for each of COUNT GETs, one a line (a non-200 answer fails).
curl_times() {
  local i
  for ((i = 0; i < $1; i++)); do
    timeout 30 curl -sf -o /dev/null -w '%{time_total}\n' "$2" || return 1
  done
}
page_times="$(curl_times 20 "$sandbox_url/")" || exit 1
api_times="$(curl_times 50 "$sandbox_url/api/captures?limit=50")" || exit 1
page_bytes="$(curl -sf --max-time 30 "$sandbox_url/" | wc -c)"
# dump_dom_seconds URL: the wall time of one `chromium --headless --dump-dom URL`, the DOM in $work/dom.html.
dump_dom_seconds() {
  local started
  started=$(date +%s.%N)
  timeout -k 5 60 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage \
    --user-data-dir="$work/chromium-profile" --dump-dom "$1" > "$work/dom.html" 2> /dev/null || return 1
  python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$started" "$(date +%s.%N)"
}
browser_times="" blank_times=""
chromium="$(command -v chromium || command -v chromium-browser || true)"
if [ -n "$chromium" ]; then
  for _ in 1 2 3; do
    blank_times+="$(dump_dom_seconds about:blank)"$'\n' || exit 1
    browser_times+="$(dump_dom_seconds "$sandbox_url/")"$'\n' || exit 1
    grep -q 'class="capture"' "$work/dom.html" || { echo "chromium's DOM of the inbox lists no capture" >&2; exit 1; }
  done
fi
python3 - "$page_times" "$api_times" "$browser_times" "$blank_times" "$page_bytes" <<'PY'
import statistics, sys
def median_ms(text):
    values = [float(line) for line in text.split()]
    return statistics.median(values) * 1000 if values else None
page, api, browser, blank = (median_ms(text) for text in sys.argv[1:5])
size = int(sys.argv[5])
print(f"{'inbox page /, full HTML, median of 20':<46} {page:>9.1f} ms  ({size:,} bytes; goal first paint < 1000 ms)")
print(f"{'/api/captures?limit=50, median of 50':<46} {api:>9.1f} ms  (goal < 50 ms)")
if browser is None:
    print(f"{'chromium --dump-dom of /':<46} {'skipped':>9}     (chromium is not installed)")
else:
    print(f"{'chromium --dump-dom of /, median of 3':<46} {browser:>9.1f} ms  (the browser's start included)")
    print(f"{'chromium --dump-dom of about:blank, median of 3':<46} {blank:>9.1f} ms  (the browser's start alone)")
PY
