#!/usr/bin/env python3
"""A scripted HTTP receiver that records every webhook hookd delivers to it (test fixture).

Used by the tests of ``webhook.deliver`` as "the webhook's URL": each request is
recorded (time, method, path, headers, body, ``webhook-id``) and answered as
the test scripted for its path, so a test can make a receiver fail n times,
ask for a ``Retry-After``, answer slowly or reject, and then check what hookd
sent, how often and when.  Standard library only; Python 3.9+.

Usage
-----
    python3 delivery_sink.py --port 0 --port-file PATH

Serves plain HTTP on 127.0.0.1:``--port`` (``0``, the default, picks a free
port) and writes the port, a plain integer and a newline, to ``PATH`` (to a
temporary file renamed into place) once it accepts connections.  One line per
request goes to stderr: method, path without the query string, status and
duration; never a header value or a body (they carry the credentials under
test).  SIGTERM or SIGINT stops it promptly with exit status 0, even while
requests are being delayed.  Each connection has its own (daemon) thread, so
delayed answers run in parallel; keep-alive connections are served until the
client closes them.

Receiving (every path outside /__test__/, every method)
-------------------------------------------------------
The request and its body (Content-Length or chunked) are read and recorded,
then answered by the script of its path (the path without the query string):

    status      the script's ``statuses[n]``, where n counts the requests to
                that path since the script was set (the last status repeats);
                200 when the path has no script
    delay       ``delay_ms`` milliseconds before the answer (default 0)
    headers     ``Retry-After: <retry_after>`` on every non-2xx answer when the
                script has ``retry_after``; the script's ``headers``
    body        the script's ``body`` (UTF-8), else ``{"status": <status>}``,
                with ``Content-Type: application/json``

A recorded request is a JSON object:

    {"seq": 1, "time": 1764748800.123, "method": "POST", "path": "/orders",
     "query": "", "headers": {"content-type": "application/json", ...},
     "body_base64": "...", "webhook_id": "dlv_..." | null, "status": 200}

``seq`` counts from 1 in order of arrival; ``time`` is when the request's body
had been read (unix seconds); header names are lower case (a repeated header's
values are joined with ", "); ``status`` is the status it was answered with.

Test controls (every path begins /__test__/; never recorded)
------------------------------------------------------------
PUT    /__test__/script/<path>   body: {"statuses": [500, 200], "retry_after": "2",
                                 "delay_ms": 0, "body": "...", "headers": {"X-A": "b"}}
       (every member optional; statuses: non-empty list of integers 200..599;
       retry_after: string or non-negative integer; delay_ms: 0..60000; body:
       string; headers: object of strings).  Sets or replaces the script of
       ``/<path>`` and restarts its count.  204; 400 {"error": message}.
DELETE /__test__/script/<path>   204; the path answers 200 again.
GET    /__test__/requests        200 [request, ...] in order of arrival; with
                                 ``?path=/x`` only that path's.
GET    /__test__/webhook-ids     200 ["dlv_...", ...]: each recorded request's
                                 ``webhook-id`` (null without one), in order of
                                 arrival; ``?path=`` as above.  Cheap for
                                 thousands of requests.
GET    /__test__/count           200 {"count": n}; ``?path=`` as above.
GET    /__test__/concurrency     200 {"open": n, "max": m}: requests being answered
                                 now, and the most there were at once (a request
                                 is open from its recording until just before its
                                 answer is written, or until its connection is
                                 closed unanswered); ``?path=``
                                 for one path's (counted since its script was
                                 last set), else over every path since start.
DELETE /__test__/requests        204; forgets the recorded requests (not the
                                 scripts or their counts).
Any other /__test__/ request gets 404.  Recording appends to a list under a
lock; reading copies it, so thousands of requests stay fast.
"""

import argparse
import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, unquote, urlsplit

# The shared plumbing sits next to this file; found also when a launcher runs the file with
# runpy, which does not put the script's directory on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_server import FixtureServer, serve_until_signalled, write_atomically  # noqa: E402

CONTROL_PREFIX = "/__test__/"
SCRIPT_PREFIX = "/__test__/script/"
MAX_DELAY_MS = 60000
MAX_BODY = 64 * 1024 * 1024
IDLE_TIMEOUT_S = 120.0
SCRIPT_KEYS = ("statuses", "retry_after", "delay_ms", "body", "headers")


class Script:
    """How one path answers; ``served`` counts the requests answered since it was set."""

    def __init__(self, statuses: List[int], retry_after: Optional[str], delay_ms: int,
                 body: Optional[bytes], headers: Dict[str, str]) -> None:
        self.statuses = statuses
        self.retry_after = retry_after
        self.delay_ms = delay_ms
        self.body = body
        self.headers = headers
        self.served = 0


DEFAULT_SCRIPT = Script([200], None, 0, None, {})


class State:
    """Recorded requests and scripts, shared by every connection's thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: List[Dict[str, Any]] = []
        self.scripts: Dict[str, Script] = {}
        self.seq = 0
        self.stopping = threading.Event()
        # Requests being answered and the most at once: per path, and over all ("").
        self.open: Dict[str, int] = {}
        self.max_open: Dict[str, int] = {}


STATE = State()


def parse_script(body: bytes) -> Script:
    """A Script from PUT /__test__/script's body; ValueError with a message if it is wrong."""
    try:
        value = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the body must be a JSON object") from None
    if not isinstance(value, dict):
        raise ValueError("the body must be a JSON object")
    unknown = sorted(set(value) - set(SCRIPT_KEYS))
    if unknown:
        raise ValueError("unknown member %s (expected %s)" % (unknown[0], ", ".join(SCRIPT_KEYS)))
    statuses = value.get("statuses", [200])
    if (not isinstance(statuses, list) or not statuses
            or not all(type(s) is int and 200 <= s <= 599 for s in statuses)):
        raise ValueError("statuses must be a non-empty list of integers from 200 to 599")
    retry_after = value.get("retry_after")
    if type(retry_after) is int and retry_after >= 0:
        retry_after = str(retry_after)
    if retry_after is not None and (not isinstance(retry_after, str) or not retry_after
                                    or "\r" in retry_after or "\n" in retry_after):
        raise ValueError("retry_after must be a non-empty string or a non-negative integer")
    delay_ms = value.get("delay_ms", 0)
    if type(delay_ms) is not int or not 0 <= delay_ms <= MAX_DELAY_MS:
        raise ValueError("delay_ms must be an integer from 0 to %d" % MAX_DELAY_MS)
    text = value.get("body")
    if text is not None and not isinstance(text, str):
        raise ValueError("body must be a string")
    headers = value.get("headers", {})
    if (not isinstance(headers, dict)
            or not all(isinstance(k, str) and k and isinstance(v, str) and "\n" not in v and "\r" not in v
                       for k, v in headers.items())):
        raise ValueError("headers must be an object of strings")
    return Script(statuses, retry_after, delay_ms, None if text is None else text.encode("utf-8"), headers)


def header_object(headers: Any) -> Dict[str, str]:
    """Header names in lower case; a repeated header's values joined with ", "."""
    joined: Dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        joined[key] = value if key not in joined else joined[key] + ", " + value
    return joined


class Handler(BaseHTTPRequestHandler):
    server_version = "delivery-sink/1.0"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; with Nagle on, the second waits for the
    # client's delayed ACK (~40 ms), which would show up in every duration hookd measures.
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_S  # an idle keep-alive connection is closed after this

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - replaced by our own line
        pass

    # ---- plumbing --------------------------------------------------------
    def read_body(self) -> Optional[bytes]:
        """The request body, or None (after answering 400/413) when it cannot be read."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: List[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    self.close_connection = True
                    self.answer(400, b"bad chunked body\n", "text/plain")
                    return None
                total += size
                if total > MAX_BODY:
                    self.close_connection = True
                    self.answer(413, b"body too large\n", "text/plain")
                    return None
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self.answer(413 if length > 0 else 400, b"bad Content-Length\n", "text/plain")
            return None
        return self.rfile.read(length) if length else b""

    def answer(self, status: int, body: bytes, content_type: str = "application/json",
               headers: Optional[Dict[str, str]] = None) -> None:
        self.answered = status
        self.send_response(status)
        if status not in (204, 304):
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    def answer_json(self, status: int, value: Any) -> None:
        self.answer(status, json.dumps(value).encode())

    # ---- dispatch --------------------------------------------------------
    def do_HEAD(self) -> None:
        self.dispatch()

    def do_GET(self) -> None:
        self.dispatch()

    def do_POST(self) -> None:
        self.dispatch()

    def do_PUT(self) -> None:
        self.dispatch()

    def do_DELETE(self) -> None:
        self.dispatch()

    def do_PATCH(self) -> None:
        self.dispatch()

    def do_OPTIONS(self) -> None:
        self.dispatch()

    def dispatch(self) -> None:
        started = time.monotonic()
        parts = urlsplit(self.path)
        path, query = parts.path, parts.query
        self.answered = 0  # 0 in the log: closed unanswered (stopped during a delay, or the client went away)
        try:
            if path.startswith(CONTROL_PREFIX):
                self.control(path, query)
            else:
                self.receive(path, query)
        finally:
            sys.stderr.write("%s %s %d %.1fms\n" % (self.command, path, self.answered,
                                                    (time.monotonic() - started) * 1000))
            sys.stderr.flush()

    def receive(self, path: str, query: str) -> None:
        body = self.read_body()
        if body is None:
            return
        headers = header_object(self.headers)
        with STATE.lock:
            script = STATE.scripts.get(path, DEFAULT_SCRIPT)
            status = script.statuses[min(script.served, len(script.statuses) - 1)]
            script.served += 1
            STATE.seq += 1
            STATE.requests.append({
                "seq": STATE.seq, "time": time.time(), "method": self.command, "path": path, "query": query,
                "headers": headers, "body_base64": base64.b64encode(body).decode("ascii"),
                "webhook_id": headers.get("webhook-id"), "status": status,
            })
            for key in (path, ""):
                STATE.open[key] = STATE.open.get(key, 0) + 1
                STATE.max_open[key] = max(STATE.max_open.get(key, 0), STATE.open[key])
        def close() -> None:
            with STATE.lock:
                for key in (path, ""):
                    STATE.open[key] -= 1

        # Closed just before the answer is written: the client cannot send its next request
        # before it has this answer, so requests one after another never count as two at once.
        closed = False
        try:
            if script.delay_ms and STATE.stopping.wait(script.delay_ms / 1000.0):
                self.close_connection = True
                return
            extra = dict(script.headers)
            if script.retry_after is not None and not 200 <= status <= 299:
                extra["Retry-After"] = script.retry_after
            answer = script.body if script.body is not None else json.dumps({"status": status}).encode()
            close()
            closed = True
            self.answer(status, answer, headers=extra)
        finally:
            if not closed:
                close()

    def control(self, path: str, query: str) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY or "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            self.answer_json(400, {"error": "test controls need a Content-Length body of at most %d bytes" % MAX_BODY})
            return
        body = self.rfile.read(length) if length else b""
        method = self.command
        only = parse_qs(query).get("path", [None])[0]
        if path.startswith(SCRIPT_PREFIX) and len(path) > len(SCRIPT_PREFIX) and method in ("PUT", "DELETE"):
            target = "/" + unquote(path[len(SCRIPT_PREFIX):])
            if method == "DELETE":
                with STATE.lock:
                    STATE.scripts.pop(target, None)
                self.answer(204, b"")
                return
            try:
                script = parse_script(body)
            except ValueError as e:
                self.answer_json(400, {"error": str(e)})
                return
            with STATE.lock:
                STATE.scripts[target] = script
                STATE.max_open[target] = STATE.open.get(target, 0)
            self.answer(204, b"")
            return
        if path == "/__test__/requests" and method == "DELETE":
            with STATE.lock:
                STATE.requests = []
            self.answer(204, b"")
            return
        if path == "/__test__/concurrency" and method == "GET":
            key = only if only is not None else ""
            with STATE.lock:
                counts = {"open": STATE.open.get(key, 0), "max": STATE.max_open.get(key, 0)}
            self.answer_json(200, counts)
            return
        if path in ("/__test__/requests", "/__test__/webhook-ids", "/__test__/count") and method == "GET":
            with STATE.lock:
                recorded = list(STATE.requests)  # the dicts are never changed once appended
            if only is not None:
                recorded = [r for r in recorded if r["path"] == only]
            if path == "/__test__/count":
                self.answer_json(200, {"count": len(recorded)})
            elif path == "/__test__/webhook-ids":
                self.answer_json(200, [r["webhook_id"] for r in recorded])
            else:
                self.answer_json(200, recorded)
            return
        self.answer_json(404, {"error": "no such test control"})


class Server(FixtureServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # One line, never a traceback: a client that goes away mid-answer (hookd killed
        # with SIGKILL while sending) is expected here.
        error = sys.exc_info()[1]
        sys.stderr.write("connection from port %s failed: %s: %s\n" % (
            client_address[1] if client_address else "?", type(error).__name__, error))
        sys.stderr.flush()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0, help="HTTP port (0: a free one)")
    parser.add_argument("--port-file", required=True, help="where to write the HTTP port")
    options = parser.parse_args(argv)
    server = Server(("127.0.0.1", options.port), Handler)
    port = server.server_address[1]

    def ready() -> None:
        write_atomically(options.port_file, b"%d\n" % port)
        sys.stderr.write("delivery sink listening on 127.0.0.1:%d, pid %d\n" % (port, os.getpid()))
        sys.stderr.flush()

    # Setting `stopping` wakes delayed answers, which close their connections.
    return serve_until_signalled("delivery sink", [server], ready, on_stop=STATE.stopping.set)


if __name__ == "__main__":
    sys.exit(main())
