"""hookd sends the webhook: ``HookRPC.webhook_deliver`` / ``delivery_*`` and ``ObjHook.deliver`` /
``ObjHook.call`` against a real hookd and the scripted receiver ``Tests/Fixtures/delivery_sink.py``.

The module starts its own hookd (a compressed retry schedule, 300 ms then 600 ms, and a small
``max_payload_bytes``; a bearer token in its environment) and its own sink, both stopped by pid
at the end of the module.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from conftest import DEFAULT_HOOKD_BIN, REPO_ROOT, START_TIMEOUT_S, _accepts, _short_tmpdir, _stop
from hookrpc import DeliveryResponse, HookRPC, HookRPCError, ObjHook

SINK_SCRIPT = REPO_ROOT / "Tests" / "Fixtures" / "delivery_sink.py"
TOKEN = "tok_fake_python_delivery_3e7a"
MAX_PAYLOAD = 2048
CONFIG = """\
network:
  allow: [127.0.0.0/8]
delivery:
  max_payload_bytes: %d
  retry:
    schedule: [300ms, 600ms]
  breaker:
    min_requests: 100000
""" % MAX_PAYLOAD


class Sink:
    """The running delivery_sink.py and its test controls."""

    def __init__(self, proc: "subprocess.Popen[bytes]", port: int) -> None:
        self.proc = proc
        self.port = port

    def url(self, path: str) -> str:
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request(method, "/__test__/" + path, body=data)
            resp = conn.getresponse()
            payload = resp.read()
            assert resp.status in (200, 204), (method, path, resp.status, payload)
            return json.loads(payload) if payload else None
        finally:
            conn.close()

    def script(self, path: str, **spec: Any) -> None:
        self._control("PUT", "script" + path, spec)

    def requests(self, path: str) -> List[Dict[str, Any]]:
        recorded: List[Dict[str, Any]] = self._control("GET", "requests?path=" + path)
        return recorded

    def wait_for(self, path: str, count: int, seconds: float = 10.0) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while len(self.requests(path)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.requests(path)


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sink]:
    directory = tmp_path_factory.mktemp("delivery-sink")
    port_file = directory / "port"
    with open(directory / "sink.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, str(SINK_SCRIPT), "--port", "0", "--port-file", str(port_file)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not port_file.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("delivery_sink.py did not start: %s" % (directory / "sink.log").read_text(), pytrace=False)
            time.sleep(0.05)
        yield Sink(proc, int(port_file.read_text()))
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def daemon_socket() -> Iterator[str]:
    """hookd with :data:`CONFIG` and the token in ``HOOKD_CRED_DELIVERY_TEST``; stopped by pid."""
    binary = Path(os.environ.get("HOOKD_BIN") or DEFAULT_HOOKD_BIN)
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"hookd binary not found at {binary}: build hookd first (make test does)", pytrace=False)
    tmpdir = _short_tmpdir()
    socket_path = os.path.join(tmpdir, "hookd.sock")
    config_path = os.path.join(tmpdir, "hookd.yaml")
    Path(config_path).write_text(CONFIG, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("HOOKD_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")}
    env["HOOKD_CRED_DELIVERY_TEST"] = TOKEN
    log_path = os.path.join(tmpdir, "hookd.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(binary), "--socket", socket_path, "--state-dir", os.path.join(tmpdir, "state"),
                                 "--config", config_path],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmpdir,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (os.path.exists(socket_path) and _accepts(socket_path)):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("hookd did not start: " + Path(log_path).read_text(errors="replace"), pytrace=False)
            time.sleep(0.05)
        yield socket_path
        assert TOKEN not in Path(log_path).read_text(errors="replace"), "hookd's log carries the token"
    finally:
        _stop(proc)
        shutil.rmtree(tmpdir, ignore_errors=True)


@pytest.fixture
def rpc(daemon_socket: str) -> Iterator[HookRPC]:
    with HookRPC(daemon_socket, timeout=10.0) as client:
        yield client


def register(rpc: HookRPC, sink: Sink, code: str, path: str) -> ObjHook:
    rpc.webhook_upsert(code=code, url=sink.url(path), auth_type="bearer", allow_insecure_http=True,
                       credential={"source": "env", "ref": "HOOKD_CRED_DELIVERY_TEST"})
    hook = ObjHook(client=rpc)
    assert hook.read(code)
    return hook


def wait_for_status(rpc: HookRPC, delivery_id: str, status: str, seconds: float = 10.0) -> Dict[str, Any]:
    deadline = time.monotonic() + seconds
    delivery = rpc.delivery_get(delivery_id)
    while delivery["status"] != status and time.monotonic() < deadline:
        time.sleep(0.05)
        delivery = rpc.delivery_get(delivery_id)
    return delivery


# ---------------------------------------------------------------------------
# ObjHook.call / ObjHook.deliver
# ---------------------------------------------------------------------------

def test_call_returns_the_first_attempt_like_a_response(rpc, sink):
    sink.script("/py/call", statuses=[201], body='{"id": "ch_1", "echo": "Bearer %s"}' % TOKEN)
    hook = register(rpc, sink, "PY_CALL", "/py/call")
    response = hook.call({"amount": 1000})
    assert isinstance(response, DeliveryResponse)
    assert response.status_code == 201 and response.ok and bool(response)
    assert response.status == "delivered"
    assert response.delivery_id.startswith("dlv_")
    assert response.json()["id"] == "ch_1"
    assert TOKEN not in response.text and "***MASKED***" in response.text
    assert 0 <= response.elapsed < 5
    assert response.error is None and not response.timed_out
    [request] = sink.requests("/py/call")
    assert json.loads(base64.b64decode(request["body_base64"])) == {"amount": 1000}
    assert request["headers"]["authorization"] == "Bearer " + TOKEN
    assert request["webhook_id"] == response.delivery_id


def test_call_with_a_retryable_failure_leaves_it_to_hookd(rpc, sink):
    sink.script("/py/flaky", statuses=[503, 200])
    hook = register(rpc, sink, "PY_FLAKY", "/py/flaky")
    response = hook.call({"n": 1})
    assert response.status_code == 503 and not response.ok
    assert response.status == "retrying"
    assert response.json() == {"status": 503}
    delivered = wait_for_status(rpc, response.delivery_id, "delivered")
    assert [a["status_code"] for a in delivered["attempts"]] == [503, 200]
    assert [r["webhook_id"] for r in sink.requests("/py/flaky")] == [response.delivery_id] * 2


def test_call_refuses_a_wait_and_needs_a_read(rpc, sink):
    hook = register(rpc, sink, "PY_WAIT", "/py/wait")
    with pytest.raises(TypeError):
        hook.call({"n": 1}, wait="final")
    from hookrpc.objhook import WebhookNotReadError
    with pytest.raises(WebhookNotReadError):
        ObjHook(client=rpc).call({"n": 1})


def test_deliver_queues_and_passes_its_options(rpc, sink):
    hook = register(rpc, sink, "PY_DELIVER", "/py/deliver")
    first = hook.deliver({"n": 1}, idempotency_key="py-once", headers={"X-Trace": "t-9"})
    assert first["status"] == "queued" and "attempt" not in first
    again = hook.deliver({"n": 2}, idempotency_key="py-once")
    assert again["delivery_id"] == first["delivery_id"]
    wait_for_status(rpc, first["delivery_id"], "delivered")
    raw = hook.deliver(body=b"\x00\x01raw", method="PUT", wait="final")
    assert raw["status"] == "delivered" and raw["attempt"]["status_code"] == 200
    requests = sink.wait_for("/py/deliver", 2)
    assert [(r["method"], base64.b64decode(r["body_base64"])) for r in requests] == [
        ("POST", b'{"n":1}'), ("PUT", b"\x00\x01raw")]
    assert requests[0]["headers"]["x-trace"] == "t-9"
    assert requests[1]["headers"]["content-type"] == "application/octet-stream"


# ---------------------------------------------------------------------------
# HookRPC.delivery_*
# ---------------------------------------------------------------------------

def test_final_wait_dead_get_list_and_stats(rpc, sink):
    sink.script("/py/dead", statuses=[500])
    register(rpc, sink, "PY_DEAD", "/py/dead")
    result = rpc.webhook_deliver("PY_DEAD", {"n": 1}, wait="final", timeout_ms=10_000)
    assert result["status"] == "dead" and result["attempt"]["number"] == 3
    delivery = rpc.delivery_get(result["delivery_id"])
    assert delivery["dead_reason"] == "exhausted" and delivery["attempt_count"] == 3
    listed = rpc.delivery_list(code="PY_DEAD", status="dead", limit=10)
    assert [d["delivery_id"] for d in listed["deliveries"]] == [result["delivery_id"]]
    assert listed["next_cursor"] is None
    stats = rpc.delivery_stats("PY_DEAD")
    assert stats["dead"] == 1 and stats["breaker"]["state"] == "closed"
    assert "breaker" not in rpc.delivery_stats()


def test_list_pages_with_the_cursor(rpc, sink):
    register(rpc, sink, "PY_PAGES", "/py/pages")
    ids = [rpc.webhook_deliver("PY_PAGES", {"n": n})["delivery_id"] for n in range(5)]
    seen: List[str] = []
    cursor = None
    for _ in range(10):
        page = rpc.delivery_list(code="PY_PAGES", limit=2, cursor=cursor)
        seen += [d["delivery_id"] for d in page["deliveries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_cancel_a_retrying_delivery_and_a_delivered_one(rpc, sink):
    sink.script("/py/cancel", statuses=[500])
    register(rpc, sink, "PY_CANCEL", "/py/cancel")
    retrying = rpc.webhook_deliver("PY_CANCEL", {"n": 1}, wait="first_attempt")
    assert rpc.delivery_cancel(retrying["delivery_id"]) == {"cancelled": True, "status": "cancelled"}
    register(rpc, sink, "PY_DONE", "/py/done")
    done = rpc.webhook_deliver("PY_DONE", {"n": 1}, wait="final")
    assert rpc.delivery_cancel(done["delivery_id"]) == {"cancelled": False, "status": "delivered"}
    time.sleep(1.2)
    assert len(sink.requests("/py/cancel")) == 1


def test_errors_are_hookd_errors(rpc, sink):
    register(rpc, sink, "PY_ERRORS", "/py/errors")
    with pytest.raises(HookRPCError) as unknown:
        rpc.webhook_deliver("PY_NO_SUCH_WEBHOOK", {"n": 1})
    assert unknown.value.code == -32002
    with pytest.raises(HookRPCError) as big:
        rpc.webhook_deliver("PY_ERRORS", "x" * MAX_PAYLOAD)
    assert big.value.code == -32602 and big.value.data["reason"] == "payload_too_large"
    with pytest.raises(HookRPCError) as wait:
        rpc.webhook_deliver("PY_ERRORS", {"n": 1}, wait="later")
    assert wait.value.code == -32602
    with pytest.raises(TypeError):
        rpc.webhook_deliver("PY_ERRORS", {"n": 1}, body=b"x")
    with pytest.raises(HookRPCError) as missing:
        rpc.delivery_get("dlv_00000000000000000000000000")
    assert missing.value.code == -32002


def test_a_waiting_call_outlasts_a_short_client_timeout(daemon_socket, sink):
    sink.script("/py/slow", delay_ms=1500)
    with HookRPC(daemon_socket, timeout=1.0) as short:
        register(short, sink, "PY_SLOW", "/py/slow")
        result = short.webhook_deliver("PY_SLOW", {"n": 1}, wait="first_attempt", timeout_ms=5000)
        assert result["status"] == "delivered" and result["attempt"]["duration_ms"] >= 1400
