"""hookd's Prometheus metrics against a real Prometheus server (issue 16).

One hookd (``$HOOKD_BIN``, default ``<repo>/.build/debug/hookd``) is started for the module
with ``metrics.listen`` on a free loopback port and three webhooks registered (their URL an
HTTP endpoint on loopback in this process); one Debian ``prometheus`` is started on another
private loopback port with a temporary configuration (scrape every second, hookd the only
target, ``dashboards/hookd.rules.yml`` loaded, its TSDB in a temporary directory). A scripted
run follows, in two phases with a scrape between them: ``alert.record`` calls (successes,
500s, 401s, slow calls), one ``webhook.deliver``, credential reads (hits, a database fetch, a
missing env credential), validations and an RPC error. Then the tests check:

- PromQL's failure rate of each code equals what ``alert.metrics`` says (within one scrape),
  and the raw counters equal hookd's window counts;
- ``promtool check metrics`` prints nothing about the exposition (no warnings), for
  ``GET /metrics`` and for ``system.metrics``;
- ``promtool check rules dashboards/hookd.rules.yml`` passes, ``promtool test rules`` passes
  the unit tests in ``hookd.rules.test.yml``, and the three Prometheus alerts fire for exactly
  the codes and types hookd's own alert engine fires for;
- every PromQL expression in ``dashboards/hookd.json`` (``$code`` set to a registered code,
  ``$__rate_interval`` to ``5m``, ``$__interval`` to ``1m``) and in the rules file evaluates
  without error or warning and returns data (not only NaN), using only hookd's documented
  metrics;
- ``system.metrics`` returns the same metric names as ``GET /metrics``;
- ``metrics.listen`` on a non-loopback address without ``allow_remote: true`` is refused at
  start-up.

Every process started here (hookd, prometheus) is stopped by pid, SIGTERM then SIGKILL,
whether the tests pass or fail; every wait has a timeout. Nothing leaves loopback. A missing
hookd, prometheus or promtool is a failure, not a skip.

Run: ``PYTHONPATH=clients/python python3 -m pytest Tests/Metrics -q`` (scripts/run-tests.sh).
"""

from __future__ import annotations

import atexit
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, TypeVar

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "clients" / "python") not in sys.path:  # run without PYTHONPATH too
    sys.path.insert(0, str(REPO_ROOT / "clients" / "python"))

from hookrpc import HookRPC, HookRPCError  # noqa: E402

DEFAULT_HOOKD_BIN = REPO_ROOT / ".build" / "debug" / "hookd"
DASHBOARD = REPO_ROOT / "dashboards" / "hookd.json"
RULES = REPO_ROOT / "dashboards" / "hookd.rules.yml"

HOOKD_START_TIMEOUT_S = 10.0
PROMETHEUS_START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
COMMAND_TIMEOUT_S = 30.0
HTTP_TIMEOUT_S = 5.0
#: How long Prometheus may take to catch up with hookd: a few 1 s scrapes and rule evaluations.
CATCH_UP_TIMEOUT_S = 20.0
SCRAPE_INTERVAL_S = 1.0

#: The three webhooks: one failing now and then, one refused with 401s, one slow.
CODE_FAIL = "METRICS_FAIL"
CODE_AUTH = "METRICS_AUTH"
CODE_SLOW = "METRICS_SLOW"
CODES = (CODE_FAIL, CODE_AUTH, CODE_SLOW)
#: The code substituted for the dashboard's $code (it has calls, failures, a firing alert,
#: a validation result and, after its delivery, a breaker).
DASHBOARD_CODE = CODE_FAIL
#: Grafana's interval variables, as the test substitutes them.
GRAFANA_INTERVALS = {"$__rate_interval": "5m", "${__rate_interval}": "5m",
                     "$__interval": "1m", "${__interval}": "1m", "$__range": "5m", "${__range}": "5m"}

#: The metric families hookd documents (issue 16): the dashboard and the rules use no other.
DOCUMENTED_METRICS = {
    "hookd_build_info", "hookd_uptime_seconds", "hookd_resident_memory_bytes", "hookd_open_fds",
    "hookd_rpc_requests_total", "hookd_rpc_request_duration_seconds", "hookd_rpc_connections_open",
    "hookd_rpc_connections_refused_total",
    "hookd_credential_lookups_total", "hookd_credential_source_fetches_total",
    "hookd_credential_fetch_duration_seconds", "hookd_credential_cache_entries",
    "hookd_webhook_calls_total", "hookd_webhook_call_duration_seconds",
    "hookd_alerts_firing", "hookd_alert_notifications_total", "hookd_alert_channel_duration_seconds",
    "hookd_delivery_queue_depth", "hookd_delivery_oldest_queued_age_seconds", "hookd_delivery_attempts_total",
    "hookd_delivery_breaker_open", "hookd_delivery_dead_total",
    "hookd_validation_status", "hookd_validation_last_run_timestamp_seconds",
}
HISTOGRAMS = {"hookd_rpc_request_duration_seconds", "hookd_credential_fetch_duration_seconds",
              "hookd_webhook_call_duration_seconds", "hookd_alert_channel_duration_seconds"}

#: hookd's own rule types that the Prometheus rules mirror: alertname -> hookd alert type.
RULE_TYPES = {"HookdWebhookHighFailureRate": "high_failure_rate",
              "HookdWebhookAuthFailures": "auth_failures",
              "HookdWebhookHighLatency": "high_latency"}

T = TypeVar("T")


class PromQLError(Exception):
    """Prometheus answered a query with an error or a warning."""


# ----------------------------------------------------------------------------- processes

def _stop(proc: "subprocess.Popen[bytes]") -> None:
    """Stop a process started here by pid: SIGTERM, wait up to 10 s, then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        proc.wait(timeout=STOP_TIMEOUT_S)


def _short_tmpdir(prefix: str) -> str:
    """A private temp dir whose socket path fits in sun_path (108 bytes)."""
    path = tempfile.mkdtemp(prefix=prefix)
    if len(os.path.join(path, "hookd.sock")) > 100:
        shutil.rmtree(path, ignore_errors=True)
        path = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    return path


def _free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _accepts(path: str) -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        return f"<cannot read {path}: {e}>"


def _wait(what: str, timeout: float, probe: Callable[[], Optional[T]],
          alive: Optional[Callable[[], Optional[str]]] = None, interval: float = 0.1) -> T:
    """Call ``probe`` until it returns something other than None, at most ``timeout`` seconds.

    ``alive`` returns a failure message once waiting is pointless (the process died)."""
    deadline = time.monotonic() + timeout
    last_error: Optional[BaseException] = None
    while True:
        if alive is not None:
            dead = alive()
            if dead is not None:
                pytest.fail(dead, pytrace=False)
        try:
            value = probe()
            if value is not None:
                return value
        except (OSError, ValueError, HookRPCError, PromQLError) as e:
            last_error = e
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}"
                        + (f" (last error: {last_error})" if last_error else ""), pytrace=False)
        time.sleep(interval)


def _http_get(url: str) -> Tuple[int, Dict[str, str], bytes]:
    """GET ``url`` (always on loopback here); (status, headers, body), also for 4xx/5xx."""
    assert urllib.parse.urlsplit(url).hostname in ("127.0.0.1", "::1"), url
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()


def _run(argv: List[str], stdin: Optional[bytes] = None) -> "subprocess.CompletedProcess[bytes]":
    return subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=COMMAND_TIMEOUT_S, check=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found on PATH: install Debian's prometheus package (make deps)",
                    pytrace=False)
    return path


def _hookd_binary() -> Path:
    binary = Path(os.environ.get("HOOKD_BIN") or DEFAULT_HOOKD_BIN)
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"hookd binary not found at {binary}: build hookd first (make test does)",
                    pytrace=False)
    return binary


@dataclass
class Hookd:
    proc: "subprocess.Popen[bytes]"
    socket_path: str
    log_path: str
    metrics_port: int

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def log(self) -> str:
        return _read(self.log_path)

    def rpc(self) -> HookRPC:
        return HookRPC(self.socket_path, timeout=10.0)


def _start_hookd(tmpdir: str, config: str) -> Tuple["subprocess.Popen[bytes]", str, str]:
    """Start hookd with ``config`` in ``tmpdir``; (proc, socket path, log path). Not waited for."""
    binary = _hookd_binary()
    socket_path = os.path.join(tmpdir, "hookd.sock")
    log_path = os.path.join(tmpdir, "hookd.log")
    config_path = os.path.join(tmpdir, "hookd.yaml")
    Path(config_path).write_text(config, encoding="utf-8")
    env = dict(os.environ)
    for var in ("HOOKD_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        env.pop(var, None)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(binary), "--socket", socket_path, "--state-dir", os.path.join(tmpdir, "state"),
             "--config", config_path],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, cwd=tmpdir, start_new_session=True)
    atexit.register(_stop, proc)  # belt and braces if the session dies abruptly
    return proc, socket_path, log_path


@pytest.fixture(scope="module")
def hookd(request: pytest.FixtureRequest) -> Iterator[Hookd]:
    """hookd with metrics.listen on a free loopback port; stopped by pid at the end."""
    tmpdir = _short_tmpdir("hookd-metrics-")
    port = _free_port()
    config = ("network:\n  allow: [127.0.0.0/8]\n"
              f"metrics:\n  listen: 127.0.0.1:{port}\n")
    proc, socket_path, log_path = _start_hookd(tmpdir, config)
    daemon = Hookd(proc, socket_path, log_path, port)
    failed_before = request.session.testsfailed
    try:
        def alive() -> Optional[str]:
            if proc.poll() is not None:
                return f"hookd exited with status {proc.returncode} during startup; log:\n{daemon.log()}"
            return None
        _wait(f"hookd to accept connections on {socket_path}", HOOKD_START_TIMEOUT_S,
              lambda: True if os.path.exists(socket_path) and _accepts(socket_path) else None, alive)
        _wait(f"hookd to serve {daemon.metrics_url}", HOOKD_START_TIMEOUT_S,
              lambda: True if _http_get(daemon.metrics_url)[0] == 200 else None, alive)
        yield daemon
    finally:
        _stop(proc)
        if request.session.testsfailed > failed_before:
            print(f"\nhookd test directory kept for inspection: {tmpdir}")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)


# ---------------------------------------------------------------------------- prometheus

@dataclass
class Prometheus:
    proc: "subprocess.Popen[bytes]"
    port: int
    log_path: str

    def log(self) -> str:
        return _read(self.log_path)

    def api(self, path: str, **params: str) -> Any:
        """GET /api/v1/<path>; the ``data`` member, or PromQLError with Prometheus' error."""
        query = urllib.parse.urlencode(params)
        status, _, body = _http_get(f"http://127.0.0.1:{self.port}/api/v1/{path}"
                                    + (f"?{query}" if query else ""))
        try:
            answer = json.loads(body)
        except ValueError:
            raise PromQLError(f"HTTP {status}: {body[:500]!r}")
        if answer.get("status") != "success":
            raise PromQLError(f"{answer.get('errorType')}: {answer.get('error')}")
        for warning in answer.get("warnings") or []:
            raise PromQLError(f"warning: {warning}")
        return answer["data"]

    def query(self, expr: str) -> List[Dict[str, Any]]:
        """An instant query at now: the vector's samples ([{metric, value: [t, "v"]}])."""
        data = self.api("query", query=expr)
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        if data["resultType"] != "vector":
            raise PromQLError(f"{expr}: a {data['resultType']}, expected a vector")
        result: List[Dict[str, Any]] = data["result"]
        return result

    def by(self, expr: str, label: str) -> Dict[str, float]:
        """An instant query's values keyed by one label."""
        return {s["metric"].get(label, ""): float(s["value"][1]) for s in self.query(expr)}

    def alerts(self) -> Set[Tuple[str, str]]:
        """(code, hookd alert type) of every alert of the rules file firing now."""
        firing = set()
        for alert in self.api("alerts")["alerts"]:
            name = alert["labels"].get("alertname")
            if alert.get("state") == "firing" and name in RULE_TYPES:
                firing.add((alert["labels"].get("code", ""), RULE_TYPES[name]))
        return firing


@pytest.fixture(scope="module")
def prometheus(hookd: Hookd, request: pytest.FixtureRequest) -> Iterator[Prometheus]:
    """Debian's prometheus on a private loopback port scraping ``hookd`` every second, with
    dashboards/hookd.rules.yml loaded; stopped by pid at the end."""
    binary = _tool("prometheus")
    tmpdir = tempfile.mkdtemp(prefix="hookd-prometheus-")
    port = _free_port()
    config_path = os.path.join(tmpdir, "prometheus.yml")
    log_path = os.path.join(tmpdir, "prometheus.log")
    Path(config_path).write_text(
        "global:\n"
        f"  scrape_interval: {SCRAPE_INTERVAL_S:.0f}s\n"
        f"  scrape_timeout: {SCRAPE_INTERVAL_S:.0f}s\n"
        f"  evaluation_interval: {SCRAPE_INTERVAL_S:.0f}s\n"
        "rule_files:\n"
        f"  - {json.dumps(str(RULES))}\n"
        "scrape_configs:\n"
        "  - job_name: hookd\n"
        "    static_configs:\n"
        f"      - targets: ['127.0.0.1:{hookd.metrics_port}']\n",
        encoding="utf-8")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [binary, f"--config.file={config_path}", f"--storage.tsdb.path={os.path.join(tmpdir, 'data')}",
             f"--web.listen-address=127.0.0.1:{port}",
             "--storage.tsdb.retention.time=1h", "--log.level=info"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=tmpdir,
            start_new_session=True)
    atexit.register(_stop, proc)
    server = Prometheus(proc, port, log_path)
    failed_before = request.session.testsfailed
    try:
        def alive() -> Optional[str]:
            if proc.poll() is not None:
                return f"prometheus exited with status {proc.returncode}; log:\n{server.log()}"
            return None
        _wait("prometheus to be ready", PROMETHEUS_START_TIMEOUT_S,
              lambda: True if _http_get(f"http://127.0.0.1:{port}/-/ready")[0] == 200 else None, alive)

        def target_up() -> Optional[bool]:
            targets = server.api("targets")["activeTargets"]
            return True if targets and all(t["health"] == "up" for t in targets) else None
        _wait("prometheus to scrape hookd successfully", PROMETHEUS_START_TIMEOUT_S, target_up, alive)
        groups = server.api("rules")["groups"]
        loaded = {r["name"] for g in groups for r in g["rules"]}
        assert loaded == set(RULE_TYPES), f"rules loaded from {RULES}: {sorted(loaded)}"
        yield server
    finally:
        _stop(proc)
        if request.session.testsfailed > failed_before:
            print(f"\nprometheus test directory kept for inspection: {tmpdir}")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)


# ------------------------------------------------------------------------ the scripted run

@dataclass
class Run:
    """What the scripted run did, for the assertions."""

    hookd: Hookd
    prometheus: Prometheus
    recorded: Dict[str, int]


class _Sink(BaseHTTPRequestHandler):
    """The webhooks' endpoint: 200 to everything (validation's HEAD, a delivery's POST)."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"{}")

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def sink() -> Iterator[str]:
    """An HTTP endpoint on loopback for the webhooks, in a thread of this process; its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=STOP_TIMEOUT_S)


def _until_scraped(prom: Prometheus, expr: str, what: str) -> None:
    """Wait until Prometheus has scraped what ``expr`` (non-empty once it has) looks for."""
    _wait(f"prometheus to scrape {what} ({expr})", CATCH_UP_TIMEOUT_S,
          lambda: True if prom.query(expr) else None)


def _drive(rpc: HookRPC, prom: Prometheus, sink_url: str) -> None:
    """The scripted run, in phases with a scrape between them: a series Prometheus first sees
    with its final value has no increase, so each kind of series is scraped once before the
    calls that move it (as it would be in production, where registration precedes traffic)."""
    rpc.webhook_upsert(code=CODE_FAIL, url=f"{sink_url}/fail", auth_type="bearer", allow_insecure_http=True,
                       credential={"source": "database", "value": "tok_metrics_fail_1"})
    rpc.webhook_upsert(code=CODE_AUTH, url=f"{sink_url}/auth", auth_type="bearer", allow_insecure_http=True,
                       credential={"source": "database", "value": "tok_metrics_auth_2"})
    # Its credential is missing from the environment: source fetches with outcome "missing".
    rpc.webhook_upsert(code=CODE_SLOW, url=f"{sink_url}/slow", auth_type="bearer", allow_insecure_http=True,
                       credential={"source": "env", "ref": "HOOKD_CRED_METRICS_SLOW_ABSENT"})
    # Registered codes have their series from the start, at 0.
    _until_scraped(prom, 'count(count by (code) (hookd_webhook_calls_total{code=~"METRICS_.*"} == 0)) == 3 and on ()'
                         ' count(count by (code) (hookd_webhook_call_duration_seconds_count{code=~"METRICS_.*"} == 0)) == 3',
                   "the registered codes' series at 0")

    def record(calls: List[Tuple[str, bool, float, int]]) -> None:
        for code, success, duration, status in calls:
            answer = rpc.alert_record(code, success, duration, status_code=status)
            assert answer["recorded"] is True, answer

    # Phase 1: METRICS_FAIL. A credential read (a database fetch), one delivery by hookd itself
    # (a successful call, a delivery attempt, the webhook's breaker), then 20 calls, 6 failed
    # with 500: 6 of 21 failed, 28.6 % (high_failure_rate, notified on the log channel).
    rpc.credential_get(CODE_FAIL)
    with pytest.raises(HookRPCError):  # missing from the environment: a source fetch "missing"
        rpc.credential_get(CODE_SLOW)
    delivered = rpc.webhook_deliver(CODE_FAIL, {"metrics": "test"}, wait="final", timeout_ms=15_000)
    assert delivered["status"] == "delivered", delivered
    record([(CODE_FAIL, True, 0.05 + 0.01 * i, 200) for i in range(14)]
           + [(CODE_FAIL, False, 0.4, 500) for _ in range(6)])
    _until_scraped(prom, 'hookd_alert_notifications_total{channel="log"} > 0'
                         ' and on () hookd_alert_channel_duration_seconds_count{channel="log"} > 0'
                         ' and on () hookd_credential_fetch_duration_seconds_count{source="database"} > 0'
                         ' and on () hookd_credential_source_fetches_total{source="env",outcome="missing"} > 0'
                         ' and on () hookd_delivery_breaker_open{code="METRICS_FAIL"}',
                   "the first notification, credential fetches and breaker")

    # Phase 2: METRICS_AUTH, 12 calls, 6 refused with 401 (auth_failures, and 50 % failed);
    # METRICS_SLOW, 12 successful calls, 10 of them 7.5 s (high_latency: p95 > 5 s).
    record([(CODE_AUTH, True, 0.08, 200) for _ in range(6)]
           + [(CODE_AUTH, False, 0.02, 401) for _ in range(6)]
           + [(CODE_SLOW, True, 7.5, 200) for _ in range(10)]
           + [(CODE_SLOW, True, 0.1, 200) for _ in range(2)])
    # Credential reads: a fetch then memory hits; the env one, invalidated, is missing again.
    for _ in range(3):
        rpc.credential_get(CODE_FAIL)
        rpc.credential_get(CODE_AUTH)
    rpc.credential_invalidate(CODE_SLOW)
    with pytest.raises(HookRPCError):
        rpc.credential_get(CODE_SLOW)
    # Validation: VALID for the two with a credential, ERROR for the one without.
    for code in CODES:
        rpc.validate_one(code)
    # An RPC error (outcome="error").
    with pytest.raises(HookRPCError):
        rpc.call("alert.metrics", {"webhook_code": "not a code"})


@pytest.fixture(scope="module")
def run(hookd: Hookd, prometheus: Prometheus, sink: str) -> Run:
    """The scripted run, once; returns when hookd's alerts fire and Prometheus has scraped
    every call and the alerts."""
    with hookd.rpc() as rpc:
        _drive(rpc, prometheus, sink)
        expected_firing = {(CODE_FAIL, "high_failure_rate"), (CODE_AUTH, "high_failure_rate"),
                           (CODE_AUTH, "auth_failures"), (CODE_SLOW, "high_latency")}

        def hookd_fires() -> Optional[bool]:
            firing = {(a["webhook_code"], a["alert_type"]) for a in rpc.alert_list()}
            return True if expected_firing <= firing else None
        _wait(f"hookd to fire {sorted(expected_firing)}", CATCH_UP_TIMEOUT_S, hookd_fires)
        recorded = {code: int(rpc.alert_metrics(code)["total_calls"]) for code in CODES}
    assert recorded == {CODE_FAIL: 21, CODE_AUTH: 12, CODE_SLOW: 12}, recorded
    total = sum(recorded.values())

    def scraped() -> Optional[bool]:
        got = prometheus.query('sum(hookd_webhook_calls_total{code=~"METRICS_.*"})')
        return True if got and float(got[0]["value"][1]) == total else None
    _wait(f"prometheus to scrape all {total} calls", CATCH_UP_TIMEOUT_S, scraped)
    # Let the gauges set after the calls (alerts firing, validation) reach Prometheus too.
    _until_scraped(prometheus, 'sum(hookd_alerts_firing) >= 4'
                               ' and on () sum(hookd_credential_source_fetches_total{outcome="missing"}) >= 2'
                               ' and on () count(hookd_validation_status == 1) >= 3',
                   "the firing alerts, the second missing fetch and the validation results")
    # Two more scrapes, so that every series that moved has samples before and after.
    time.sleep(2 * SCRAPE_INTERVAL_S + 0.5)
    return Run(hookd, prometheus, recorded)


# ------------------------------------------------------------------------ PromQL in files

def dashboard_expressions(dashboard: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(where, expr) of every Prometheus query in the dashboard: panels' targets (rows'
    nested panels too) and query variables."""
    found: List[Tuple[str, str]] = []

    def panels(items: List[Dict[str, Any]]) -> None:
        for panel in items:
            for target in panel.get("targets") or []:
                expr = target.get("expr")
                if expr:
                    found.append((f"panel {panel.get('title')!r} {target.get('refId')}", expr))
            panels(panel.get("panels") or [])
    panels(dashboard.get("panels") or [])
    return found


def dashboard_variables(dashboard: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}


def rules_expressions(path: Path) -> List[Tuple[str, str]]:
    """(where, expr) of every rule in a Prometheus rules file. PyYAML is not among the test
    dependencies, so this reads the `- alert:` / `- record:` names and `expr:` values (plain or
    block scalars) itself; test_dashboard_model compares it with PyYAML where it is installed."""
    found: List[Tuple[str, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    name = "?"
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^\s*-\s*(alert|record):\s*(\S+)", line)
        if m:
            name = m.group(2)
        m = re.match(r"^(\s*)expr:\s*(.*)$", line)
        if m:
            indent, rest = len(m.group(1)), m.group(2).strip()
            if rest in ("|", "|-", ">", ">-"):
                body = []
                i += 1
                while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                    body.append(lines[i].strip())
                    i += 1
                found.append((f"rule {name}", " ".join(b for b in body if b)))
                continue
            found.append((f"rule {name}", rest.strip("'\"")))
        i += 1
    return found


def substitute(expr: str, code: str) -> str:
    for var, value in GRAFANA_INTERVALS.items():
        expr = expr.replace(var, value)
    expr = expr.replace("${code}", code).replace("$code", code)
    assert "$" not in expr, f"a Grafana variable left in {expr!r}"
    return expr


def metric_names(exposition: str) -> Set[str]:
    """The sample names of a Prometheus text exposition (with _bucket/_sum/_count)."""
    names = set()
    for line in exposition.splitlines():
        if line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def family_names(exposition: str) -> Set[str]:
    """The metric families (# TYPE lines) of a Prometheus text exposition."""
    return {line.split()[2] for line in exposition.splitlines()
            if line.startswith("# TYPE ") and len(line.split()) >= 4}


# ---------------------------------------------------------------------------------- tests

def test_dashboard_model() -> None:
    """The dashboard is a Grafana 10+ model: rows, the code variable, a Prometheus datasource."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["schemaVersion"] >= 36
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert rows == ["Webhook Performance", "Webhook Health", "Alerting"]
    variables = dashboard_variables(dashboard)
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    code = variables["code"]
    assert code["type"] == "query"
    assert code["definition"] == "label_values(hookd_webhook_calls_total, code)"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
            assert panel["targets"], panel["title"]
    names = set()
    for where, expr in dashboard_expressions(dashboard) + rules_expressions(RULES):
        used = set(re.findall(r"\b(hookd_[a-z_]+)", expr))
        assert used, f"{where}: {expr} uses no hookd metric"
        names |= used
    families = set()
    for name in names:
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if base in HISTOGRAMS:
            assert name != base, f"histogram {name} used without _bucket/_sum/_count"
            families.add(base)
        else:
            families.add(name)
    assert families <= DOCUMENTED_METRICS, f"undocumented metrics: {sorted(families - DOCUMENTED_METRICS)}"
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return
    parsed = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    by_yaml = [(f"rule {r.get('alert') or r.get('record')}", " ".join(r["expr"].split()))
               for g in parsed["groups"] for r in g["rules"]]
    assert [(w, " ".join(e.split())) for w, e in rules_expressions(RULES)] == by_yaml


def test_promtool_check_rules() -> None:
    result = _run([_tool("promtool"), "check", "rules", str(RULES)])
    out = (result.stdout + result.stderr).decode(errors="replace")
    assert result.returncode == 0, out
    assert "SUCCESS: 3 rules found" in out, out


def test_promtool_rules_unit_tests() -> None:
    """Tests/Metrics/hookd.rules.test.yml: the rules fire (and stay quiet) on synthetic series,
    their annotations included."""
    result = subprocess.run([_tool("promtool"), "test", "rules", "hookd.rules.test.yml"],
                            cwd=str(Path(__file__).resolve().parent), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=COMMAND_TIMEOUT_S, check=False)
    out = result.stdout.decode(errors="replace")
    assert result.returncode == 0 and "SUCCESS" in out, out


def test_exposition_passes_promtool_check_metrics(run: Run) -> None:
    """After the scripted run (every kind of series present): no warning from promtool."""
    status, headers, body = _http_get(run.hookd.metrics_url)
    assert status == 200, body[:500]
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    assert content_type.startswith("text/plain"), content_type
    result = _run([_tool("promtool"), "check", "metrics"], stdin=body)
    out = (result.stdout + result.stderr).decode(errors="replace")
    assert result.returncode == 0 and out.strip() == "", f"promtool check metrics:\n{out}"


def test_exposition_has_the_documented_metrics(run: Run) -> None:
    """Every metric the dashboard and rules rely on is exported, with hookd_ names only."""
    status, _, body = _http_get(run.hookd.metrics_url)
    assert status == 200
    families = family_names(body.decode())
    assert families and all(f.startswith("hookd_") for f in families), sorted(families)
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    samples = metric_names(body.decode())
    wanted = set()
    for _, expr in dashboard_expressions(dashboard) + rules_expressions(RULES):
        wanted |= set(re.findall(r"\b(hookd_[a-z_]+)", expr))
    assert wanted <= samples, f"not exported: {sorted(wanted - samples)}"
    # Series for every registered code and outcome exist (a dashboard shows zeros, not gaps).
    for code in CODES:
        for outcome in ("success", "failure", "auth_failure"):
            assert re.search(r'hookd_webhook_calls_total\{[^}]*code="%s"[^}]*outcome="%s"' % (code, outcome)
                             + "|" + r'hookd_webhook_calls_total\{[^}]*outcome="%s"[^}]*code="%s"' % (outcome, code),
                             body.decode()), (code, outcome)


def test_system_metrics_matches_get_metrics(run: Run) -> None:
    status, headers, body = _http_get(run.hookd.metrics_url)
    assert status == 200
    with run.hookd.rpc() as rpc:
        result = rpc.call("system.metrics")
    assert set(result) >= {"content_type", "text"}, result.keys()
    http_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    assert result["content_type"] == http_type
    assert metric_names(result["text"]) == metric_names(body.decode())
    assert family_names(result["text"]) == family_names(body.decode())
    check = _run([_tool("promtool"), "check", "metrics"], stdin=result["text"].encode())
    out = (check.stdout + check.stderr).decode(errors="replace")
    assert check.returncode == 0 and out.strip() == "", f"promtool check metrics (system.metrics):\n{out}"


def test_failure_rate_matches_alert_metrics(run: Run) -> None:
    """PromQL's failure rate and counts per code equal hookd's window (alert.metrics)."""
    prom = run.prometheus
    rate_expr = ('100 * sum by (code) (increase(hookd_webhook_calls_total{outcome=~"failure|auth_failure"}[5m]))'
                 ' / sum by (code) (increase(hookd_webhook_calls_total[5m]))')
    with run.hookd.rpc() as rpc:
        windows = {code: rpc.alert_metrics(code) for code in CODES}
    for code in CODES:
        assert windows[code]["total_calls"] == run.recorded[code], windows[code]
    assert windows[CODE_FAIL]["failure_rate"] == pytest.approx(100 * 6 / 21, abs=1e-4)
    assert windows[CODE_AUTH]["failure_rate"] == pytest.approx(50.0)
    assert windows[CODE_SLOW]["failure_rate"] == pytest.approx(0.0)

    # "Within one scrape": the run fixture waited for the scrape that holds every call, so
    # Prometheus answers hookd's numbers now; allow a couple more scrapes for slow machines.
    def agrees() -> Optional[Dict[str, float]]:
        rates = prom.by(rate_expr, "code")
        if all(code in rates and abs(rates[code] - windows[code]["failure_rate"]) < 0.01 for code in CODES):
            return rates
        return None
    _wait(f"PromQL failure rates to equal alert.metrics {({c: windows[c]['failure_rate'] for c in CODES})}"
          f" (PromQL: {prom.by(rate_expr, 'code')})", 3 * SCRAPE_INTERVAL_S, agrees)

    counts = {(s["metric"]["code"], s["metric"]["outcome"]): float(s["value"][1])
              for s in prom.query('sum by (code, outcome) (hookd_webhook_calls_total{code=~"METRICS_.*"})')}
    for code in CODES:
        w = windows[code]
        total = sum(v for (c, _), v in counts.items() if c == code)
        assert total == w["total_calls"], (code, counts, w)
        assert counts.get((code, "auth_failure"), 0) == w["auth_failures"], (code, counts, w)
        assert counts.get((code, "failure"), 0) + counts.get((code, "auth_failure"), 0) == w["failed_calls"], \
            (code, counts, w)
    # The latency histogram agrees on the slow webhook's p95 (above hookd's 5 s threshold).
    p95 = prom.by('histogram_quantile(0.95, sum by (code, le) (increase(hookd_webhook_call_duration_seconds_bucket[5m])))',
                  "code")
    assert p95[CODE_SLOW] > 5.0 and windows[CODE_SLOW]["p95_latency"] > 5.0, (p95, windows[CODE_SLOW])
    assert p95[CODE_FAIL] < 5.0 and windows[CODE_FAIL]["p95_latency"] < 5.0, (p95, windows[CODE_FAIL])


def test_prometheus_rules_fire_like_hookd(run: Run) -> None:
    """The rules file's alerts fire for exactly the (code, type) pairs hookd's engine fires."""
    with run.hookd.rpc() as rpc:
        hookd_firing = {(a["webhook_code"], a["alert_type"]) for a in rpc.alert_list()
                        if a["alert_type"] in RULE_TYPES.values()}
    assert hookd_firing == {(CODE_FAIL, "high_failure_rate"), (CODE_AUTH, "high_failure_rate"),
                            (CODE_AUTH, "auth_failures"), (CODE_SLOW, "high_latency")}
    _wait(f"prometheus to fire {sorted(hookd_firing)} (firing: {sorted(run.prometheus.alerts())})",
          CATCH_UP_TIMEOUT_S, lambda: True if run.prometheus.alerts() == hookd_firing else None)
    for group in run.prometheus.api("rules")["groups"]:
        for rule in group["rules"]:
            assert rule["health"] == "ok", rule


def test_every_expression_evaluates_and_returns_data(run: Run) -> None:
    """Every PromQL expression of the dashboard and the rules file, against the real
    Prometheus: no error, no warning, at least one sample."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    expressions = dashboard_expressions(dashboard) + rules_expressions(RULES)
    assert len(expressions) >= 20, expressions
    problems = []
    for where, expr in expressions:
        promql = substitute(expr, DASHBOARD_CODE)
        try:
            samples = run.prometheus.query(promql)
        except PromQLError as e:
            problems.append(f"{where}: {promql}\n    error: {e}")
            continue
        if not samples:
            problems.append(f"{where}: {promql}\n    returned no data")
        elif all(math.isnan(float(s["value"][1])) for s in samples):
            problems.append(f"{where}: {promql}\n    returned only NaN: {samples}")
    # The code variable's query (label_values) lists the registered codes.
    codes = set(run.prometheus.api("label/code/values", **{"match[]": "hookd_webhook_calls_total"}))
    if not set(CODES) <= codes:
        problems.append(f"variable code: label_values(hookd_webhook_calls_total, code) = {sorted(codes)}")
    assert not problems, "\n".join(problems)


def test_non_loopback_listen_is_refused_without_allow_remote() -> None:
    """metrics.listen on 0.0.0.0 without allow_remote: hookd refuses to start (and so never
    listens off loopback)."""
    tmpdir = _short_tmpdir("hookd-metrics-remote-")
    port = _free_port()
    proc, socket_path, log_path = _start_hookd(
        tmpdir, f"network:\n  allow: [127.0.0.0/8]\nmetrics:\n  listen: 0.0.0.0:{port}\n")
    try:
        try:
            status = proc.wait(timeout=HOOKD_START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"hookd still running {HOOKD_START_TIMEOUT_S:.0f} s after start with "
                        f"metrics.listen 0.0.0.0:{port}; log:\n{_read(log_path)}", pytrace=False)
        log = _read(log_path)
        assert status != 0, log
        assert not _accepts(socket_path)
        # Refused for the right reason, not as an unknown setting.
        assert "allow_remote" in log, log
        assert "unknown" not in log.lower(), log
    finally:
        _stop(proc)
        shutil.rmtree(tmpdir, ignore_errors=True)
