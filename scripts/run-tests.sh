#!/usr/bin/env bash
# Runs every test against real services: redis-server on a private Unix socket and mosquitto on
# a private loopback port, both started here and stopped by pid on exit, pass or fail.
set -uo pipefail
bin="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/hookd-test.XXXXXX)"
# shellcheck source=lib/processes.sh
source "$root/scripts/lib/processes.sh"
cleanup_on_exit "$work" 5

redis-server --port 0 --unixsocket "$work/redis.sock" --unixsocketperm 700 --save '' --appendonly no \
  --dir "$work" --logfile "$work/redis.log" &
track_pid $!
mqtt_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$mqtt_port" > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
track_pid $!
wait_for 10 "redis-server" redis-cli -s "$work/redis.sock" ping || exit 1
wait_for 10 "mosquitto" bash -c "exec 3<>/dev/tcp/127.0.0.1/$mqtt_port" || exit 1

export HOOKD_BIN="$bin/hookd" HOOKRPC_BIN="$bin/hookrpc" HOOKSANDBOX_BIN="$bin/hooksandbox"
export HOOKD_TEST_REDIS_SOCKET="$work/redis.sock" HOOKD_TEST_MQTT_PORT="$mqtt_port"

# SWIFT_TEST_FLAGS: extra `swift test` flags (make test-sanitizers: --scratch-path and --sanitize).
# HOOKD_TEST_SUITES=swift runs the Swift suites only.
read -r -a swift_flags <<< "${SWIFT_TEST_FLAGS:-}"
failed=()
echo "== Swift tests"
# Two runs: the integration tests block on real processes and sockets, which would starve the
# cooperative threads the async unit tests need (the machine has two cores).
# Serially: several unit suites wait on real servers (SMTP, MQTT, Infisical) from test functions,
# and in parallel they would hold both cooperative threads the async tests need.
(cd "$root" && swift test --skip-build "${swift_flags[@]}" --skip HookIntegrationTests --no-parallel) || failed+=("swift unit")
echo "== Swift integration tests (real hookd, redis-server, Infisical test server)"
(cd "$root" && swift test --skip-build "${swift_flags[@]}" --filter HookIntegrationTests --skip AlertingScaleTests) || failed+=("swift integration")
# Alone: it keeps both cores busy for about a minute, which would upset the timing bounds of
# the suites above (HostilePeerTests' 50 ms) if they ran beside it.
echo "== Swift alerting scale test (10^6 codes, 5*10^6 calls; RSS and system.version latency bounds)"
(cd "$root" && swift test --skip-build "${swift_flags[@]}" --filter AlertingScaleTests) || failed+=("swift alerting scale")
if [ "${HOOKD_TEST_SUITES:-all}" = swift ]; then
  if [ ${#failed[@]} -gt 0 ]; then echo "FAILED suites: ${failed[*]}"; exit 1; fi
  exit 0
fi
echo "== Python client tests"
(cd "$root" && PYTHONPATH=clients/python python3 -m pytest clients/python/tests -q -p no:cacheprovider) || failed+=("python")
echo "== Metrics tests (hookd scraped by a real Prometheus; dashboards/hookd.json and hookd.rules.yml checked with promtool and PromQL)"
(cd "$root" && PYTHONPATH=clients/python python3 -m pytest Tests/Metrics -q -p no:cacheprovider) || failed+=("metrics")
echo "== Browser tests (the sandbox's inbox page in headless Chromium over DevTools)"
(cd "$root" && python3 -m pytest Tests/Browser -q -p no:cacheprovider) || failed+=("browser")
echo "== Test fixture tests (the local Infisical, Slack/PagerDuty and endpoint stand-ins)"
(cd "$root" && python3 -m pytest Tests/Fixtures -q -p no:cacheprovider) || failed+=("fixtures")
echo "== Shell client tests"
bash "$root/clients/shell/tests/run.sh" || failed+=("shell")
echo "== systemd unit tests"
bash "$root/systemd/tests/run.sh" || failed+=("systemd")
echo "== Fuzz harnesses, short (make fuzz-ci: 20 000 executions each, fixed seed)"
FUZZ_SEED=1 FUZZ_CONFIGURATION=debug "$root/scripts/fuzz.sh" 20000 || failed+=("fuzz")

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED suites: ${failed[*]}"
  exit 1
fi
echo "all test suites passed"
