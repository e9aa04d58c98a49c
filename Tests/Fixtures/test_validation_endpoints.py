"""Tests of the validation test server (validation_endpoints.py) itself.

Run: python3 -m pytest Tests/Fixtures/test_validation_endpoints.py -q -p no:cacheprovider
The route tests share one server process per module (its certificate takes a
moment to make), with the recorded requests cleared before each test; the
lifecycle tests start their own.  Every server listens on private loopback
ports (--port 0 + --port-file) and is stopped by pid with SIGTERM, with a
timeout, in a finalizer.  HTTPS is verified against the cert.pem the server
wrote, as a CA file.
"""

import base64
import http.client
import json
import os
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from fixture_process import start_fixture, stop_fixture

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "validation_endpoints.py")
START_TIMEOUT_S = 20.0
LISTENERS = ("http", "https")

BEARER = "tok-bearer-secret-5a1f"
BASIC_USER = "partner"
BASIC_PASSWORD = "pw-basic-secret-9c2e"
HEADER_VALUE = "hv-secret-7d3b"
QUERY_VALUE = "qv-secret-4e8a"


class Endpoints:
    def __init__(self, proc, directory, log_path):
        self.proc = proc
        self.directory = directory
        self.log_path = log_path
        with open(os.path.join(directory, "port")) as fh:
            self.port = int(fh.read())
        with open(os.path.join(directory, "tls_port")) as fh:
            self.tls_port = int(fh.read())
        self.cafile = os.path.join(directory, "cert.pem")

    def connection(self, listener, host="127.0.0.1", timeout=10.0, context=None):
        if listener == "http":
            return http.client.HTTPConnection(host, self.port, timeout=timeout)
        if context is None:
            context = ssl.create_default_context(cafile=self.cafile)
        return http.client.HTTPSConnection(host, self.tls_port, timeout=timeout, context=context)

    def request(self, method, path, listener="http", body=None, headers=None, timeout=10.0):
        """(status, {lower-case header: value}, body bytes) on a fresh connection."""
        conn = self.connection(listener, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=dict(headers or {}))
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def expect(self, name, spec, listener="http"):
        status, _, data = self.request("PUT", "/__test__/auth/" + name, listener, json.dumps(spec).encode(),
                                       {"Content-Type": "application/json"})
        assert status == 204, (status, data)

    def recorded(self, listener="http"):
        status, _, data = self.request("GET", "/__test__/requests", listener)
        assert status == 200, (status, data)
        return json.loads(data)

    def clear(self):
        assert self.request("DELETE", "/__test__/requests")[0] == 204

    def log(self):
        with open(self.log_path, "r", encoding="utf-8", errors="replace") as fh:
            return fh.read()


def start_server(directory):
    return start_fixture(SERVER, directory, Endpoints, START_TIMEOUT_S)


def stop_server(proc, timeout=5.0):
    """Stop by pid (SIGTERM), wait with a timeout, and return the exit status."""
    return stop_fixture(proc, timeout)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    server = start_server(str(tmp_path_factory.mktemp("endpoints")))
    try:
        yield server
    finally:
        stop_server(server.proc)


@pytest.fixture
def ep(shared):
    """The module's server, with no recorded requests."""
    shared.clear()
    return shared


# ---------------------------------------------------------------------------
# process lifecycle and files
# ---------------------------------------------------------------------------

def test_writes_port_tls_port_and_cert_then_stops_cleanly(tmp_path):
    server = start_server(str(tmp_path))
    try:
        assert 0 < server.port < 65536 and 0 < server.tls_port < 65536
        assert server.port != server.tls_port
        assert (tmp_path / "port").read_text() == "%d\n" % server.port
        assert (tmp_path / "tls_port").read_text() == "%d\n" % server.tls_port
        assert (tmp_path / "cert.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
        # Only the documented files: no temporary leftovers and no private key.
        assert sorted(p.name for p in tmp_path.iterdir()) == ["cert.pem", "port", "server.log", "tls_port"]
        for listener in LISTENERS:
            assert server.request("GET", "/status/200", listener)[0] == 200
    finally:
        assert stop_server(server.proc) == 0
    assert server.log().rstrip().endswith("validation endpoints stopped")


def test_sigterm_during_a_hang_exits_0_promptly(tmp_path):
    server = start_server(str(tmp_path))
    outcome = {}

    def hang():
        try:
            outcome["status"] = server.request("GET", "/hang", timeout=10)[0]
        except (http.client.HTTPException, OSError) as e:
            outcome["error"] = e

    client = threading.Thread(target=hang, daemon=True)
    try:
        client.start()
        deadline = time.monotonic() + 5
        while not server.recorded() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.recorded() == [{"method": "GET", "path": "/hang", "listener": "http"}]
        started = time.monotonic()
        assert stop_server(server.proc, timeout=5) == 0
        assert time.monotonic() - started < 2.0
        client.join(timeout=5)
        assert not client.is_alive()
        # The hanging request was never answered: its connection was closed.
        assert "status" not in outcome and isinstance(outcome["error"], (http.client.HTTPException, OSError))
    finally:
        stop_server(server.proc)


# ---------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_https_verifies_with_the_written_cert_for_ip_and_name(ep, host):
    conn = ep.connection("https", host=host)
    try:
        conn.request("GET", "/status/200")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == b"status 200\n"
        assert conn.sock.getpeercert()["subject"] == ((("commonName", "localhost"),),)
    finally:
        conn.close()


def test_https_is_rejected_without_the_cert_as_ca(ep):
    untrusting = ssl.create_default_context()
    conn = ep.connection("https", context=untrusting)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            conn.request("GET", "/status/200")
    finally:
        conn.close()
    # The failed handshake leaves one log line and no traceback; the server goes on.
    assert ep.request("GET", "/status/200", "https")[0] == 200
    assert "Traceback" not in ep.log()


def test_plain_http_on_the_https_port_is_not_served(ep):
    conn = http.client.HTTPConnection("127.0.0.1", ep.tls_port, timeout=5)
    try:
        with pytest.raises((http.client.HTTPException, OSError)):
            conn.request("GET", "/status/200")
            conn.getresponse().read()
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# /status/{code}
# ---------------------------------------------------------------------------

STATUSES = [200, 201, 204, 301, 302, 304, 307, 400, 401, 403, 404, 405, 410, 418, 422, 429, 500, 502, 503, 504]


@pytest.mark.parametrize("listener", LISTENERS)
@pytest.mark.parametrize("code", STATUSES)
def test_status_route_answers_that_status_for_every_method(ep, listener, code):
    status, headers, body = ep.request("GET", "/status/%d" % code, listener)
    assert status == code
    if code in (204, 304):
        assert body == b"" and "content-length" not in headers
    else:
        assert body == b"status %d\n" % code
        assert headers["content-length"] == str(len(body))
    status, head_headers, head_body = ep.request("HEAD", "/status/%d" % code, listener)
    assert status == code and head_body == b""
    assert head_headers.get("content-length") == headers.get("content-length")
    status, _, body = ep.request("POST", "/status/%d" % code, listener, b'{"ping": true}',
                                 {"Content-Type": "application/json"})
    assert status == code
    assert ep.recorded() == [{"method": m, "path": "/status/%d" % code, "listener": listener}
                             for m in ("GET", "HEAD", "POST")]


@pytest.mark.parametrize("listener", LISTENERS)
def test_status_headers_location_retry_after_www_authenticate(ep, listener):
    for code in (301, 302, 307, 308):
        status, headers, _ = ep.request("HEAD", "/status/%d" % code, listener)
        assert status == code and headers["location"] == "/status/200"
    status, headers, _ = ep.request("GET", "/status/429", listener)
    assert status == 429 and headers["retry-after"] == "1"
    status, headers, _ = ep.request("GET", "/status/401", listener)
    assert status == 401 and headers["www-authenticate"].startswith("Bearer ")
    assert "location" not in ep.request("GET", "/status/200", listener)[1]


@pytest.mark.parametrize("path", ["/status/100", "/status/199", "/status/600", "/status/abc", "/status/2000",
                                  "/status/", "/status/200/x"])
def test_status_out_of_range_or_malformed_is_404(ep, path):
    assert ep.request("GET", path)[0] == 404


# ---------------------------------------------------------------------------
# /head-not-allowed, /delay, /hang, unknown routes
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("listener", LISTENERS)
def test_head_not_allowed_then_get_on_the_same_connection(ep, listener):
    conn = ep.connection(listener)
    try:
        conn.request("HEAD", "/head-not-allowed")
        resp = conn.getresponse()
        assert resp.status == 405 and resp.getheader("Allow") == "GET, POST" and resp.read() == b""
        conn.request("GET", "/head-not-allowed")      # the retry a client makes after 405
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == b"ok\n"
    finally:
        conn.close()
    assert ep.request("POST", "/head-not-allowed", listener, b"x")[0] == 200


@pytest.mark.parametrize("listener", LISTENERS)
def test_delay_answers_200_after_the_delay(ep, listener):
    started = time.monotonic()
    status, _, body = ep.request("GET", "/delay/150", listener)
    elapsed = time.monotonic() - started
    assert status == 200 and body == b"ok\n"
    assert 0.15 <= elapsed < 1.5, elapsed
    assert ep.request("HEAD", "/delay/0", listener)[0] == 200
    assert ep.request("GET", "/delay/60001", listener)[0] == 404


def _parallel(ep, listener, total, workers, path):
    def one(_):
        return ep.request("GET", path, listener, timeout=10)[0]

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        statuses = list(pool.map(one, range(total)))
    return statuses, time.monotonic() - started


def test_delay_requests_run_in_parallel_http(ep):
    # 200 requests of 100 ms at concurrency 32: 7 rounds, ~0.7 s when nothing serializes.
    statuses, elapsed = _parallel(ep, "http", 200, 32, "/delay/100")
    assert statuses == [200] * 200
    assert 0.6 <= elapsed < 1.6, elapsed


def test_delay_requests_run_in_parallel_https(ep):
    statuses, elapsed = _parallel(ep, "https", 64, 32, "/delay/200")
    assert statuses == [200] * 64
    assert 0.4 <= elapsed < 1.5, elapsed


@pytest.mark.parametrize("listener", LISTENERS)
def test_hang_never_answers_and_does_not_block_others(ep, listener):
    conn = ep.connection(listener, timeout=0.5)
    try:
        conn.request("GET", "/hang")
        with pytest.raises(socket.timeout):
            conn.getresponse()
    finally:
        conn.close()
    started = time.monotonic()
    assert ep.request("GET", "/status/200", listener)[0] == 200
    assert time.monotonic() - started < 0.5
    assert ep.recorded()[0] == {"method": "GET", "path": "/hang", "listener": listener}


@pytest.mark.parametrize("listener", LISTENERS)
@pytest.mark.parametrize("method,path", [("GET", "/"), ("GET", "/nothing"), ("POST", "/status"),
                                         ("HEAD", "/protected"), ("PUT", "/status/200"),
                                         ("DELETE", "/status/200"), ("PATCH", "/delay/1"),
                                         ("OPTIONS", "/head-not-allowed")])
def test_anything_else_is_404(ep, listener, method, path):
    assert ep.request(method, path, listener)[0] == 404
    assert ep.recorded() == [{"method": method, "path": path, "listener": listener}]


# ---------------------------------------------------------------------------
# /protected/{name}
# ---------------------------------------------------------------------------

def _basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


# (name, expectation, right request, wrong request, requests without a credential of that kind)
PROTECTED = [
    ("bearer", {"bearer": BEARER},
     ("", {"Authorization": "Bearer " + BEARER}),
     ("", {"Authorization": "Bearer not-" + BEARER}),
     [("", {}), ("", {"Authorization": _basic("u", BEARER)}), ("?access_token=" + BEARER, {})]),
    ("basic", {"basic": {"username": BASIC_USER, "password": BASIC_PASSWORD}},
     ("", {"Authorization": _basic(BASIC_USER, BASIC_PASSWORD)}),
     ("", {"Authorization": _basic(BASIC_USER, "wrong")}),
     [("", {}), ("", {"Authorization": "Bearer " + BASIC_PASSWORD})]),
    ("header", {"header": {"name": "X-Api-Key", "value": HEADER_VALUE}},
     ("", {"X-Api-Key": HEADER_VALUE}),
     ("", {"X-Api-Key": "not-" + HEADER_VALUE}),
     [("", {}), ("", {"Authorization": "Bearer " + HEADER_VALUE}), ("?X-Api-Key=" + HEADER_VALUE, {})]),
    ("query", {"query": {"name": "api_key", "value": QUERY_VALUE}},
     ("?page=2&api_key=" + QUERY_VALUE, {}),
     ("?api_key=not-" + QUERY_VALUE, {}),
     [("", {}), ("?other=" + QUERY_VALUE, {}), ("", {"api_key": QUERY_VALUE})]),
]


@pytest.mark.parametrize("listener", LISTENERS)
@pytest.mark.parametrize("name,spec,right,wrong,absent", PROTECTED, ids=[p[0] for p in PROTECTED])
def test_protected_200_right_403_wrong_401_absent(ep, listener, name, spec, right, wrong, absent):
    name = "%s-%s" % (name, listener)
    ep.expect(name, spec, listener)
    path = "/protected/" + name
    for method in ("GET", "HEAD", "POST"):
        status, _, body = ep.request(method, path + right[0], listener, headers=right[1])
        assert status == 200 and body == (b"" if method == "HEAD" else b"ok\n")
    assert ep.request("GET", path + wrong[0], listener, headers=wrong[1])[0] == 403
    for query, headers in absent:
        status, answer_headers, _ = ep.request("GET", path + query, listener, headers=headers)
        assert status == 401, (query, headers)
        if name.startswith(("bearer", "basic")):
            assert answer_headers["www-authenticate"].lower().startswith(name.split("-")[0])
    # The requests log has the paths without their query strings.
    assert {r["path"] for r in ep.recorded()} == {path}


def test_protected_details(ep):
    ep.expect("b", {"bearer": BEARER})
    assert ep.request("GET", "/protected/b", headers={"Authorization": "bEaReR " + BEARER})[0] == 200
    ep.expect("h", {"header": {"name": "X-Api-Key", "value": HEADER_VALUE}})
    assert ep.request("GET", "/protected/h", headers={"x-api-key": HEADER_VALUE})[0] == 200
    ep.expect("q", {"query": {"name": "api_key", "value": QUERY_VALUE}})
    assert ep.request("GET", "/protected/q?api_key=%s&api_key=%s" % (QUERY_VALUE, QUERY_VALUE))[0] == 403
    ep.expect("u", {"basic": {"username": "", "password": BASIC_PASSWORD}})
    assert ep.request("GET", "/protected/u", headers={"Authorization": _basic("", BASIC_PASSWORD)})[0] == 200
    assert ep.request("GET", "/protected/u", headers={"Authorization": "Basic !!not-base64"})[0] == 403
    # Registering again replaces the expectation.
    ep.expect("b", {"bearer": "replaced"})
    assert ep.request("GET", "/protected/b", headers={"Authorization": "Bearer " + BEARER})[0] == 403
    assert ep.request("GET", "/protected/b", headers={"Authorization": "Bearer replaced"})[0] == 200
    # Expectations are shared by the listeners.
    assert ep.request("GET", "/protected/b", "https", headers={"Authorization": "Bearer replaced"})[0] == 200


@pytest.mark.parametrize("query", ["", "?chunked=1"])
def test_bytes_sends_that_many_bytes_and_refuses_head(ep, query):
    status, headers, data = ep.request("GET", "/bytes/200000" + query)
    assert status == 200 and data == b"x" * 200000
    assert ("content-length" in headers) == (query == "")
    assert ep.request("HEAD", "/bytes/10" + query)[0] == 405
    assert ep.request("GET", "/bytes/%d" % (64 * 1024 * 1024 + 1))[0] == 404


def test_token_endpoint_answers_the_registered_bytes_verbatim(ep):
    assert ep.request("POST", "/token/absurd", body=b"grant_type=client_credentials")[0] == 404
    answer = b'{"access_token":"tok","token_type":"Bearer","expires_in":1e19}'
    assert ep.request("PUT", "/__test__/token/absurd", body=answer)[0] == 204
    status, headers, data = ep.request("POST", "/token/absurd", "https", body=b"grant_type=client_credentials")
    assert status == 200 and data == answer
    assert headers["content-type"] == "application/json"
    assert ep.request("GET", "/token/absurd")[0] == 404


@pytest.mark.parametrize("listener", LISTENERS)
def test_protected_without_expectation_is_404(ep, listener):
    assert ep.request("GET", "/protected/never-registered", listener,
                      headers={"Authorization": "Bearer x"})[0] == 404


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'"bearer"', b"{}",
    b'{"bearer": "T", "header": {"name": "X-A", "value": "V"}}',
    b'{"oauth": "T"}', b'{"bearer": ""}', b'{"bearer": 5}',
    b'{"basic": {"username": "U"}}', b'{"basic": {"username": "U", "password": ""}}',
    b'{"basic": {"username": "U", "password": "P", "extra": 1}}', b'{"basic": "U:P"}',
    b'{"header": {"name": "Bad Name", "value": "V"}}', b'{"header": {"name": "X-A", "value": 1}}',
    b'{"query": {"name": "", "value": "V"}}', b'{"query": {"value": "V"}}',
])
def test_bad_expectation_body_is_400_with_a_message(ep, body):
    status, headers, data = ep.request("PUT", "/__test__/auth/bad", body=body,
                                       headers={"Content-Type": "application/json"})
    assert status == 400 and headers["content-type"] == "application/json"
    assert isinstance(json.loads(data)["error"], str) and json.loads(data)["error"]
    assert ep.request("GET", "/protected/bad", headers={"Authorization": "Bearer T"})[0] == 404


# ---------------------------------------------------------------------------
# the requests log and the controls
# ---------------------------------------------------------------------------

def test_requests_log_in_order_without_controls_or_queries(ep):
    ep.expect("log", {"bearer": BEARER})
    ep.request("HEAD", "/status/200?a=1")
    ep.request("GET", "/protected/log?token=x", "https")
    ep.request("POST", "/nowhere")
    ep.request("GET", "/__test__/nothing")        # an unknown control: 404, not recorded
    assert ep.request("GET", "/__test__/nothing")[0] == 404
    assert ep.recorded("https") == [
        {"method": "HEAD", "path": "/status/200", "listener": "http"},
        {"method": "GET", "path": "/protected/log", "listener": "https"},
        {"method": "POST", "path": "/nowhere", "listener": "http"},
    ]
    assert ep.request("DELETE", "/__test__/requests", "https")[0] == 204
    assert ep.recorded() == []


# ---------------------------------------------------------------------------
# the log never contains credentials or query strings
# ---------------------------------------------------------------------------

def test_log_has_one_line_per_request_and_no_secrets(tmp_path):
    server = start_server(str(tmp_path))
    try:
        server.expect("s", {"bearer": BEARER})
        server.expect("p", {"basic": {"username": BASIC_USER, "password": BASIC_PASSWORD}})
        server.expect("h", {"header": {"name": "X-Api-Key", "value": HEADER_VALUE}})
        server.expect("q", {"query": {"name": "api_key", "value": QUERY_VALUE}})
        server.request("GET", "/protected/s", headers={"Authorization": "Bearer " + BEARER})
        server.request("GET", "/protected/s", "https", headers={"Authorization": "Bearer wrong-" + BEARER})
        server.request("HEAD", "/protected/p", headers={"Authorization": _basic(BASIC_USER, BASIC_PASSWORD)})
        server.request("POST", "/protected/h", "https", b"body-" + HEADER_VALUE.encode(),
                       {"X-Api-Key": HEADER_VALUE})
        server.request("GET", "/protected/q?api_key=" + QUERY_VALUE)
        server.request("GET", "/status/200?api_key=" + QUERY_VALUE)
    finally:
        assert stop_server(server.proc) == 0
    log = server.log()
    basic_blob = base64.b64encode(("%s:%s" % (BASIC_USER, BASIC_PASSWORD)).encode()).decode()
    for secret in (BEARER, BASIC_PASSWORD, basic_blob, HEADER_VALUE, QUERY_VALUE, "api_key=", "Bearer", "?"):
        assert secret not in log, "log leaks %r" % secret
    lines = log.splitlines()
    assert "http GET /protected/s 200 " in log and "https GET /protected/s 403 " in log
    assert "http HEAD /protected/p 200 " in log and "https POST /protected/h 200 " in log
    assert "http GET /protected/q 200 " in log and "http GET /status/200 200 " in log
    assert len([l for l in lines if l.startswith(("http ", "https "))]) == 10   # 4 controls + 6 requests
