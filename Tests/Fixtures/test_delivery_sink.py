"""Tests of the delivery sink (delivery_sink.py) itself.

Run: python3 -m pytest Tests/Fixtures/test_delivery_sink.py -q -p no:cacheprovider
The route tests share one server process per module, with the recorded
requests cleared before each test and a fresh path per test (scripts are
per path); the lifecycle tests start their own.  Every server listens on a
private loopback port (--port 0 + --port-file) and is stopped by pid with
SIGTERM, with a timeout, in a finalizer.
"""

import base64
import http.client
import itertools
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from fixture_process import start_fixture, stop_fixture

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "delivery_sink.py")
START_TIMEOUT_S = 20.0
SECRET = "tok-sink-secret-3b9d"
_paths = itertools.count(1)


class Sink:
    def __init__(self, proc, directory, log_path):
        self.proc = proc
        self.directory = directory
        self.log_path = log_path
        with open(os.path.join(directory, "port")) as fh:
            self.port = int(fh.read())

    def connection(self, timeout=10.0):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=10.0):
        """(status, {lower-case header: value}, body bytes) on a fresh connection."""
        conn = self.connection(timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=dict(headers or {}))
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def script(self, path, spec):
        status, _, data = self.request("PUT", "/__test__/script" + path, json.dumps(spec).encode(),
                                       {"Content-Type": "application/json"})
        assert status == 204, (status, data)

    def control(self, what, path=None):
        query = "" if path is None else "?path=" + path
        status, _, data = self.request("GET", "/__test__/" + what + query)
        assert status == 200, (status, data)
        return json.loads(data)

    def recorded(self, path=None):
        return self.control("requests", path)

    def clear(self):
        assert self.request("DELETE", "/__test__/requests")[0] == 204

    def log(self):
        with open(self.log_path, "r", encoding="utf-8", errors="replace") as fh:
            return fh.read()


def start_server(directory):
    return start_fixture(SERVER, directory, Sink, START_TIMEOUT_S)


def stop_server(proc, timeout=5.0):
    """Stop by pid (SIGTERM), wait with a timeout, and return the exit status."""
    return stop_fixture(proc, timeout)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    server = start_server(str(tmp_path_factory.mktemp("sink")))
    try:
        yield server
    finally:
        stop_server(server.proc)


@pytest.fixture
def sink(shared):
    """The module's server, with no recorded requests."""
    shared.clear()
    return shared


@pytest.fixture
def path():
    """A path no other test used, so that no script is set for it."""
    return "/hook/%d" % next(_paths)


# ---------------------------------------------------------------------------
# process lifecycle
# ---------------------------------------------------------------------------

def test_writes_the_port_file_then_stops_cleanly(tmp_path):
    server = start_server(str(tmp_path))
    try:
        assert 0 < server.port < 65536
        assert (tmp_path / "port").read_text() == "%d\n" % server.port
        assert sorted(p.name for p in tmp_path.iterdir()) == ["port", "server.log"]
        assert server.request("POST", "/x", b"{}")[0] == 200
    finally:
        assert stop_server(server.proc) == 0
    assert server.log().rstrip().endswith("delivery sink stopped")


def test_sigterm_during_a_delayed_answer_exits_0_promptly(tmp_path):
    server = start_server(str(tmp_path))
    outcome = {}

    def slow():
        try:
            outcome["status"] = server.request("POST", "/slow", b"x", timeout=10)[0]
        except (http.client.HTTPException, OSError) as e:
            outcome["error"] = e

    client = threading.Thread(target=slow, daemon=True)
    try:
        server.script("/slow", {"delay_ms": 30000})
        client.start()
        deadline = time.monotonic() + 5
        while not server.recorded() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [r["path"] for r in server.recorded()] == ["/slow"]
        started = time.monotonic()
        assert stop_server(server.proc, timeout=5) == 0
        assert time.monotonic() - started < 2.0
        client.join(timeout=5)
        assert not client.is_alive()
        assert "status" not in outcome and isinstance(outcome["error"], (http.client.HTTPException, OSError))
    finally:
        stop_server(server.proc)


# ---------------------------------------------------------------------------
# recording
# ---------------------------------------------------------------------------

def test_a_request_is_recorded_with_headers_body_and_webhook_id(sink, path):
    before = time.time()
    body = b'{"id": 7, "bytes": "\xc3\xa9"}'
    status, headers, data = sink.request("POST", path + "?a=1", body, {
        "Content-Type": "application/json", "Authorization": "Bearer " + SECRET,
        "webhook-id": "dlv_0000000000000000000000000a", "webhook-timestamp": "1764748800"})
    assert status == 200 and json.loads(data) == {"status": 200}
    assert headers["content-type"] == "application/json"
    [record] = sink.recorded()
    assert record["seq"] >= 1 and before <= record["time"] <= time.time()
    assert (record["method"], record["path"], record["query"], record["status"]) == ("POST", path, "a=1", 200)
    assert base64.b64decode(record["body_base64"]) == body
    assert record["webhook_id"] == "dlv_0000000000000000000000000a"
    assert record["headers"]["authorization"] == "Bearer " + SECRET
    assert record["headers"]["content-type"] == "application/json"
    assert record["headers"]["webhook-timestamp"] == "1764748800"


def test_every_method_is_recorded_and_a_missing_webhook_id_is_null(sink, path):
    for method in ("POST", "PUT", "PATCH", "DELETE", "GET", "HEAD", "OPTIONS"):
        assert sink.request(method, path)[0] == 200
    records = sink.recorded()
    assert [r["method"] for r in records] == ["POST", "PUT", "PATCH", "DELETE", "GET", "HEAD", "OPTIONS"]
    assert [r["seq"] for r in records] == list(range(records[0]["seq"], records[0]["seq"] + 7))
    assert all(r["webhook_id"] is None and r["body_base64"] == "" for r in records)


def test_a_chunked_body_is_recorded_whole(sink, path):
    conn = sink.connection()
    try:
        conn.putrequest("POST", path)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for piece in (b"hello ", b"chunked ", b"world"):
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.send(b"0\r\n\r\n")
        assert conn.getresponse().status == 200
    finally:
        conn.close()
    assert base64.b64decode(sink.recorded(path)[0]["body_base64"]) == b"hello chunked world"


def test_repeated_headers_are_joined(sink, path):
    conn = sink.connection()
    try:
        conn.putrequest("POST", path)
        conn.putheader("X-Tag", "a")
        conn.putheader("X-Tag", "b")
        conn.putheader("Content-Length", "0")
        conn.endheaders()
        assert conn.getresponse().status == 200
    finally:
        conn.close()
    assert sink.recorded(path)[0]["headers"]["x-tag"] == "a, b"


def test_path_filter_webhook_ids_count_and_clear(sink, path):
    other = path + "-other"
    for number in range(3):
        sink.request("POST", path, b"{}", {"webhook-id": "dlv_%d" % number})
    sink.request("POST", other, b"{}", {"webhook-id": "dlv_x"})
    sink.request("POST", path, b"{}")
    assert [r["path"] for r in sink.recorded()] == [path] * 3 + [other, path]
    assert sink.control("webhook-ids") == ["dlv_0", "dlv_1", "dlv_2", "dlv_x", None]
    assert sink.control("webhook-ids", path) == ["dlv_0", "dlv_1", "dlv_2", None]
    assert sink.control("count", path) == {"count": 4}
    assert sink.control("count", other) == {"count": 1}
    assert sink.control("count", "/never") == {"count": 0}
    sink.clear()
    assert sink.recorded() == [] and sink.control("count") == {"count": 0}


# ---------------------------------------------------------------------------
# scripts
# ---------------------------------------------------------------------------

def test_statuses_follow_the_script_and_the_last_repeats(sink, path):
    sink.script(path, {"statuses": [500, 429, 200]})
    statuses = [sink.request("POST", path, b"{}")[0] for _ in range(5)]
    assert statuses == [500, 429, 200, 200, 200]
    assert [r["status"] for r in sink.recorded(path)] == statuses


def test_setting_a_script_restarts_its_count_and_delete_restores_200(sink, path):
    sink.script(path, {"statuses": [503, 201]})
    assert [sink.request("POST", path)[0] for _ in range(2)] == [503, 201]
    sink.script(path, {"statuses": [503, 201]})
    assert sink.request("POST", path)[0] == 503
    sink.clear()  # forgets requests, not the script's count
    assert sink.request("POST", path)[0] == 201
    assert sink.request("DELETE", "/__test__/script" + path)[0] == 204
    assert sink.request("POST", path)[0] == 200


def test_scripts_are_per_path(sink, path):
    sink.script(path, {"statuses": [410]})
    assert sink.request("POST", path)[0] == 410
    assert sink.request("POST", path + "/below")[0] == 200
    assert sink.request("POST", path + "?q=1")[0] == 410   # the query is not part of the path


def test_retry_after_goes_on_non_2xx_answers_only(sink, path):
    sink.script(path, {"statuses": [429, 503, 200], "retry_after": "2"})
    answers = [sink.request("POST", path)[:2] for _ in range(3)]
    assert [(s, h.get("retry-after")) for s, h in answers] == [(429, "2"), (503, "2"), (200, None)]
    sink.script(path, {"statuses": [429], "retry_after": 7})
    assert sink.request("POST", path)[1]["retry-after"] == "7"


def test_body_and_headers_of_the_script(sink, path):
    sink.script(path, {"statuses": [401], "body": '{"error": "token ' + SECRET + '"}', "headers": {"X-Reason": "expired"}})
    status, headers, data = sink.request("POST", path)
    assert status == 401 and data == ('{"error": "token ' + SECRET + '"}').encode()
    assert headers["x-reason"] == "expired" and headers["content-length"] == str(len(data))
    assert headers["content-type"] == "application/json"


def test_delay_ms_delays_the_answer_and_delays_run_in_parallel(sink, path):
    sink.script(path, {"delay_ms": 150})
    started = time.monotonic()
    assert sink.request("POST", path)[0] == 200
    assert 0.15 <= time.monotonic() - started < 1.5
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: sink.request("POST", path)[0], range(40)))
    assert statuses == [200] * 40
    assert time.monotonic() - started < 1.5   # 2 rounds of 150 ms when nothing serializes


def test_concurrency_reports_the_most_requests_answered_at_once(sink, path):
    other = path + "/other"
    sink.script(path, {"delay_ms": 300})
    assert sink.control("concurrency", path) == {"open": 0, "max": 0}
    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = [pool.submit(sink.request, "POST", path) for _ in range(5)]
        deadline = time.monotonic() + 5
        while sink.control("concurrency", path)["open"] < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sink.control("concurrency", path) == {"open": 5, "max": 5}
        assert [f.result(timeout=10)[0] for f in futures] == [200] * 5
    assert sink.control("concurrency", path) == {"open": 0, "max": 5}
    for _ in range(3):
        assert sink.request("POST", other)[0] == 200
    assert sink.control("concurrency", other) == {"open": 0, "max": 1}, "one after another is never two at once"
    assert sink.control("concurrency")["max"] >= 5, "over every path"
    sink.script(path, {"delay_ms": 0})
    assert sink.control("concurrency", path) == {"open": 0, "max": 0}, "setting the script restarts the count"


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"statuses": []}', b'{"statuses": [99]}', b'{"statuses": [600]}',
    b'{"statuses": ["200"]}', b'{"statuses": [true]}', b'{"delay_ms": -1}', b'{"delay_ms": 60001}',
    b'{"delay_ms": 1.5}', b'{"retry_after": ""}', b'{"retry_after": -1}', b'{"body": 5}',
    b'{"headers": {"X": 1}}', b'{"headers": ["X"]}', b'{"status": 200}',
])
def test_a_bad_script_is_400_with_a_message_and_changes_nothing(sink, path, body):
    sink.script(path, {"statuses": [202]})
    status, headers, data = sink.request("PUT", "/__test__/script" + path, body)
    assert status == 400 and headers["content-type"] == "application/json"
    assert isinstance(json.loads(data)["error"], str) and json.loads(data)["error"]
    assert sink.request("POST", path)[0] == 202


def test_unknown_controls_are_404_and_never_recorded(sink):
    for method, control in (("GET", "/__test__/nothing"), ("POST", "/__test__/requests"),
                            ("GET", "/__test__/script/x"), ("PUT", "/__test__/script/")):
        assert sink.request(method, control)[0] == 404
    assert sink.recorded() == []


# ---------------------------------------------------------------------------
# many requests; the log
# ---------------------------------------------------------------------------

def test_thousands_of_keep_alive_requests_stay_fast(sink, path):
    total, workers = 3000, 8

    def worker(offset):
        conn = sink.connection()
        try:
            for number in range(offset, total, workers):
                conn.request("POST", path, b'{"n": %d}' % number, {"webhook-id": "dlv_%d" % number})
                response = conn.getresponse()
                response.read()
                assert response.status == 200
        finally:
            conn.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(worker, range(workers)))
    sent = time.monotonic() - started
    started = time.monotonic()
    ids = sink.control("webhook-ids", path)
    assert time.monotonic() - started < 1.0
    assert sorted(ids) == sorted("dlv_%d" % n for n in range(total))
    assert sent < 20, sent
    assert len(sink.recorded(path)) == total


def test_log_has_one_line_per_request_and_no_secrets(tmp_path):
    server = start_server(str(tmp_path))
    try:
        server.script("/a", {"statuses": [500]})
        server.request("POST", "/a?token=" + SECRET, b"body-" + SECRET.encode(), {"Authorization": "Bearer " + SECRET})
        server.request("PUT", "/b", b"{}", {"X-Api-Key": SECRET})
    finally:
        assert stop_server(server.proc) == 0
    log = server.log()
    for secret in (SECRET, "Bearer", "token=", "?"):
        assert secret not in log, "log leaks %r" % secret
    assert "POST /a 500 " in log and "PUT /b 200 " in log and "PUT /__test__/script/a 204 " in log
