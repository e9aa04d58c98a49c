"""Shared fixtures: a live hookd daemon for the whole test session.

The daemon binary comes from ``$HOOKD_BIN`` (default ``<repo>/.build/debug/hookd``).
It is started once per session with its socket and state in a private temporary
directory and always stopped by pid at the end (SIGTERM, then SIGKILL after
10 s), whether the tests passed or not. A missing binary is a test *failure*,
not a skip: these tests exist to check the real daemon.

Each daemon is started with a config file that only sets ``network.allow:
[127.0.0.0/8]``: the tests' endpoint fixtures listen on loopback, which hookd's
network policy refuses otherwise (as it should in production).

``hookd_creds`` is a second, independent session daemon started the same way
with :data:`CRED_ENV` added to its environment (credentials for the ``env``
source); it is only started when a test asks for it (``cred_client``). A test
module that needs a daemon of its own starts it with :func:`run_hookd`.

``endpoints`` (one per test module that asks) runs
``Tests/Fixtures/validation_endpoints.py`` on private loopback ports: HTTP and
HTTPS endpoints with known answers for the webhooks' URLs, stopped by pid at the
end of the module.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional

import pytest

from hookrpc import HookRPC

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_HOOKD_BIN = REPO_ROOT / ".build" / "debug" / "hookd"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
#: The daemons' configuration: loopback targets (the endpoint fixtures) are reachable.
LOOPBACK_ALLOWED = "network:\n  allow: [127.0.0.0/8]\n"
#: The validation endpoints (``endpoints`` fixture) and how long they may take to start.
ENDPOINTS_SCRIPT = REPO_ROOT / "Tests" / "Fixtures" / "validation_endpoints.py"
ENDPOINTS_START_TIMEOUT_S = 20.0


@dataclass
class Daemon:
    """A running hookd started for the tests."""

    proc: "subprocess.Popen[bytes]"
    socket_path: str
    state_dir: str
    log_path: str

    def log(self) -> str:
        """The daemon's combined stdout/stderr so far (for failure messages)."""
        try:
            return Path(self.log_path).read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            return f"<cannot read {self.log_path}: {e}>"


def _short_tmpdir() -> str:
    """A private temp dir whose socket path fits in sun_path (108 bytes)."""
    path = tempfile.mkdtemp(prefix="hookd-test-")
    if len(os.path.join(path, "hookd.sock")) > 100:
        shutil.rmtree(path, ignore_errors=True)
        path = tempfile.mkdtemp(prefix="hookd-test-", dir="/tmp")
    return path


def _stop(proc: "subprocess.Popen[bytes]") -> None:
    """Stop a process started here (a daemon, the endpoints) by pid: SIGTERM, wait up to 10 s, then SIGKILL."""
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


#: Credentials in the environment of the ``hookd_creds`` daemon (the ``env``
#: source reads ``HOOKD_CRED_<CODE>_<DIRECTION>``). Test values, not secrets,
#: but tests check that webhook results never contain them.
CRED_ENV: Dict[str, str] = {
    "HOOKD_CRED_STRIPE_PAYMENT_OUT": "sk_test_xxx_bearer_5f1c",
    "HOOKD_CRED_PARTNER_BASIC_OUT": '{"username":"partner","password":"pw_basic_9d2e"}',
    "HOOKD_CRED_PARTNER_APIKEY_OUT": '{"name":"X-Partner-Key","value":"ak_value_77b3","in":"query"}',
    "HOOKD_CRED_PLAIN_APIKEY_IN": "ak_plain_in_41aa",
    "HOOKD_CRED_CACHE_A_OUT": "tok_cache_a_0001",
    "HOOKD_CRED_CACHE_B_OUT": "tok_cache_b_0002",
    "HOOKD_CRED_CACHE_C_OUT": "tok_cache_c_0003",
    "HOOKD_CRED_THREADS_OUT": "tok_threads_0004",
    "HOOKD_CRED_CUSTOM_SECRET": "tok_custom_ref_0005",
}


@pytest.fixture(scope="session")
def hookd(request: pytest.FixtureRequest) -> Iterator[Daemon]:
    """Start hookd for the session and yield how to reach it."""
    yield from run_hookd(request, {})


@pytest.fixture(scope="session")
def hookd_creds(request: pytest.FixtureRequest) -> Iterator[Daemon]:
    """A second session daemon whose environment also holds :data:`CRED_ENV`."""
    yield from run_hookd(request, CRED_ENV)


@pytest.fixture
def cred_client(hookd_creds: Daemon) -> Iterator[HookRPC]:
    """A fresh client connected to the ``hookd_creds`` daemon, closed after the test."""
    with HookRPC(hookd_creds.socket_path, timeout=10.0) as rpc:
        yield rpc


def run_hookd(request: pytest.FixtureRequest, extra_env: Mapping[str, str]) -> Iterator[Daemon]:
    """Start hookd (with ``extra_env`` added to its environment), yield it, always stop it.

    The body of the daemon fixtures; a module-scoped fixture may ``yield from`` it
    for a daemon whose state no other test module touches.
    """
    binary = Path(os.environ.get("HOOKD_BIN") or DEFAULT_HOOKD_BIN)
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"hookd binary not found at {binary}: build hookd first (make test does)",
                    pytrace=False)
    tmpdir = _short_tmpdir()
    socket_path = os.path.join(tmpdir, "hookd.sock")
    state_dir = os.path.join(tmpdir, "state")
    log_path = os.path.join(tmpdir, "hookd.log")
    config_path = os.path.join(tmpdir, "hookd.yaml")
    Path(config_path).write_text(LOOPBACK_ALLOWED, encoding="utf-8")
    env = dict(os.environ)
    for var in ("HOOKD_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        env.pop(var, None)
    env.update(extra_env)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(binary), "--socket", socket_path, "--state-dir", state_dir, "--config", config_path],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, cwd=tmpdir, start_new_session=True)
    atexit.register(_stop, proc)  # belt and braces if the session dies abruptly
    daemon = Daemon(proc, socket_path, state_dir, log_path)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"hookd exited with status {proc.returncode} during startup; log:\n"
                            f"{daemon.log()}", pytrace=False)
            if os.path.exists(socket_path) and _accepts(socket_path):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"hookd did not accept connections on {socket_path} within "
                            f"{START_TIMEOUT_S:.0f} s; log:\n{daemon.log()}", pytrace=False)
            time.sleep(0.05)
        yield daemon
    finally:
        _stop(proc)
        if request.session.testsfailed:
            print(f"\nhookd test directory kept for inspection: {tmpdir}")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)


@pytest.fixture
def client(hookd: Daemon) -> Iterator[HookRPC]:
    """A fresh client connected to the session daemon, closed after the test."""
    with HookRPC(hookd.socket_path, timeout=10.0) as rpc:
        yield rpc


class Endpoints:
    """The running validation_endpoints.py: its ports, certificate and test controls."""

    def __init__(self, proc: "subprocess.Popen[bytes]", directory: Path) -> None:
        self.proc = proc
        self.port = int((directory / "port").read_text())
        self.tls_port = int((directory / "tls_port").read_text())
        self.cafile = str(directory / "cert.pem")
        self.log_path = directory / "endpoints.log"

    def url(self, path: str) -> str:
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def tls_url(self, path: str) -> str:
        return "https://127.0.0.1:%d%s" % (self.tls_port, path)

    def _control(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request(method, "/__test__/" + path, body=data,
                         headers={"Content-Type": "application/json"} if data else {})
            resp = conn.getresponse()
            payload = resp.read()
            assert resp.status in (200, 204), (method, path, resp.status, payload)
            return payload
        finally:
            conn.close()

    def expect(self, name: str, spec: Dict[str, Any]) -> None:
        """Make /protected/<name> answer 200 only for this credential (401 none, 403 wrong)."""
        self._control("PUT", "auth/" + name, spec)

    def requests(self) -> List[Dict[str, str]]:
        """[{method, path, listener}, ...] received since the last clear."""
        recorded: List[Dict[str, str]] = json.loads(self._control("GET", "requests"))
        return recorded

    def clear(self) -> None:
        self._control("DELETE", "requests")


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """validation_endpoints.py on private loopback ports for one test module; stopped by pid."""
    directory = tmp_path_factory.mktemp("validation-endpoints")
    port_file = directory / "port"
    with open(directory / "endpoints.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, str(ENDPOINTS_SCRIPT), "--port", "0", "--port-file", str(port_file)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + ENDPOINTS_START_TIMEOUT_S
        while not port_file.exists():
            if proc.poll() is not None:
                pytest.fail("validation_endpoints.py exited with %s: %s"
                            % (proc.returncode, (directory / "endpoints.log").read_text()), pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail("validation_endpoints.py wrote no port file within %.0f s" % ENDPOINTS_START_TIMEOUT_S,
                            pytrace=False)
            time.sleep(0.05)
        yield Endpoints(proc, directory)
    finally:
        _stop(proc)


@pytest.fixture
def ep(endpoints: Endpoints) -> Endpoints:
    """The module's endpoints with an empty request log."""
    endpoints.clear()
    return endpoints
