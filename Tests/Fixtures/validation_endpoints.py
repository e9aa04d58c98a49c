#!/usr/bin/env python3
"""HTTP and HTTPS endpoints with known answers, for hookd's credential validation (test fixture).

Used by the tests of ``validate.one`` / ``validate.all`` as "the webhook's
URL": every route answers with a status chosen by the path, so a test can
register a webhook whose validation must come out VALID, INVALID or ERROR.
Standard library only (plus the ``openssl`` command for the certificate);
Python 3.9+.

Usage
-----
    python3 validation_endpoints.py --port 0 --port-file PATH [--tls-port 0]

Serves plain HTTP on 127.0.0.1:``--port`` and HTTPS on 127.0.0.1:``--tls-port``
(``0``, the default for both, picks a free port).  At start it makes a
self-signed certificate for ``CN=localhost`` with subjectAltName
``IP:127.0.0.1, DNS:localhost`` (valid 30 days) with the ``openssl`` CLI.
The private key lives in a private temporary directory only until the HTTPS
listener has loaded it, and is then deleted.

Files written, all in the directory of ``--port-file``, each to a temporary
file that is then renamed into place, so a reader never sees a partial one:
    cert.pem    the certificate (PEM); usable as a CA file, e.g.
                ``curl --cacert cert.pem`` or
                ``ssl.create_default_context(cafile="cert.pem")``
    tls_port    the HTTPS port, a plain integer and a newline
    PATH        (``--port-file``) the HTTP port, a plain integer and a
                newline; written LAST, so once it exists the other two do too
                and both listeners accept connections.

One line per request goes to stderr: listener, method, path without the
query string, status and duration.  Never a header value, a query string or
a body (they carry the credentials under test).  SIGTERM or SIGINT stops the
server promptly, with exit status 0, even while requests hang.  Each
connection has its own (daemon) thread, so slow routes run in parallel.

Routes (the same on both listeners; methods HEAD, GET and POST)
---------------------------------------------------------------
HEAD answers carry the headers GET would, Content-Length included, and no
body.  A request body (Content-Length or chunked) is read and ignored.

/status/{code}          that status, for code 200..599.  3xx answers carry
                        ``Location: /status/200``; 401 carries
                        ``WWW-Authenticate: Bearer realm="validation-endpoints"``;
                        429 carries ``Retry-After: 1``.  204 and 304 have no
                        body.  Any other code: 404.
/head-not-allowed       HEAD: 405 with ``Allow: GET, POST``.  GET, POST: 200.
/hang                   never answers; the connection is closed unanswered when
                        the server stops.
/delay/{ms}             200 after ms milliseconds (0..60000).
/protected/{name}       checks the expectation registered for name (see
                        PUT /__test__/auth/{name}):
                          200  the request carries the expected credential
                          401  no credential of the expected kind is present
                               (for bearer/basic with ``WWW-Authenticate``)
                          403  a credential of that kind is present but wrong
                          404  no expectation is registered for name
                        Kinds: bearer (``Authorization: Bearer T``; the scheme
                        in any case), basic (``Authorization: Basic`` with
                        base64 ``U:P``; undecodable counts as wrong), header
                        (the header NAME, in any case, equal to VALUE), query
                        (the query parameter NAME present exactly once, equal to
                        VALUE).
/bytes/{n}              GET, POST: n bytes (n <= 64 MiB) with Content-Length, or
                        chunked without one when the query has ``chunked=1``;
                        HEAD: 405 with ``Allow: GET, POST``.
/token/{name}           POST: an OAuth2 token endpoint answering 200 with the JSON body
                        registered by PUT /__test__/token/{name}, verbatim (so a test
                        can send what a real one would not: ``expires_in: 1e19``);
                        404 when none is registered.
anything else           404.  Methods other than HEAD, GET, POST, PUT, DELETE,
                        PATCH and OPTIONS get http.server's 501.

Test controls (every path begins /__test__/; never recorded)
------------------------------------------------------------
PUT    /__test__/auth/{name}   body: exactly one of
           {"bearer": "T"}
           {"basic": {"username": "U", "password": "P"}}
           {"header": {"name": "X-Api-Key", "value": "V"}}
           {"query": {"name": "api_key", "value": "V"}}
       (strings; T, P, V and the names non-empty; U may be empty).  Registers
       or replaces the expectation for name.  204; 400 {"error": message}
       for any other body.
PUT    /__test__/token/{name}  body: the bytes /token/{name} answers with.  204.
GET    /__test__/requests      200 [{"method", "path", "listener": "http"|"https"}, ...]:
                               every request outside /__test__/ so far, in order
                               of arrival (a /hang is listed while it hangs);
                               "path" is without the query string.
DELETE /__test__/requests      204; forgets the recorded requests.
Any other /__test__/ request gets 404.  The controls work on both listeners
and share one state.
"""

import argparse
import base64
import binascii
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

# The shared plumbing sits next to this file; found also when a launcher runs the file with
# runpy (as the Swift tests do), which does not put the script's directory on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_server import FixtureServer, serve_until_signalled, write_atomically  # noqa: E402

CONTROL_PREFIX = "/__test__/"
MAX_DELAY_MS = 60000
MAX_BODY = 10 * 1024 * 1024
HANDSHAKE_TIMEOUT_S = 10.0
IDLE_TIMEOUT_S = 120.0
STATUS_PATH = re.compile(r"^/status/(\d{3})$")
DELAY_PATH = re.compile(r"^/delay/(\d{1,9})$")
PROTECTED_PATH = re.compile(r"^/protected/([^/]+)$")
AUTH_CONTROL_PATH = re.compile(r"^/__test__/auth/([^/]+)$")
TOKEN_PATH = re.compile(r"^/token/([^/]+)$")
BYTES_PATH = re.compile(r"^/bytes/(\d{1,9})$")
MAX_BYTES = 64 * 1024 * 1024
TOKEN_CONTROL_PATH = re.compile(r"^/__test__/token/([^/]+)$")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
BODYLESS = (204, 304)
REALM = 'realm="validation-endpoints"'


class State:
    """Recorded requests and registered expectations, shared by both listeners' threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: List[Dict[str, str]] = []
        self.expectations: Dict[str, Tuple[str, Any]] = {}
        self.token_answers: Dict[str, bytes] = {}
        self.stopping = threading.Event()


STATE = State()


# --------------------------------------------------------------------------
# expectations
# --------------------------------------------------------------------------

def _string(value: Any, what: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ValueError("%s must be a %sstring" % (what, "" if allow_empty else "non-empty "))
    return value


def _pair(value: Any, kind: str, first: str, second: str) -> Dict[str, Any]:
    if not isinstance(value, dict) or set(value) != {first, second}:
        raise ValueError('"%s" must be an object with exactly "%s" and "%s"' % (kind, first, second))
    return value


def parse_expectation(body: bytes) -> Tuple[str, Any]:
    """(kind, expected) from PUT /__test__/auth's body; ValueError with a message if it is wrong."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the body must be a JSON object") from None
    kinds = ("bearer", "basic", "header", "query")
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in kinds:
        raise ValueError("the body must be an object with exactly one of %s" % ", ".join(kinds))
    kind, spec = next(iter(value.items()))
    if kind == "bearer":
        return kind, _string(spec, '"bearer"')
    if kind == "basic":
        spec = _pair(spec, kind, "username", "password")
        return kind, (_string(spec["username"], "basic.username", allow_empty=True),
                      _string(spec["password"], "basic.password"))
    spec = _pair(spec, kind, "name", "value")
    name = _string(spec["name"], kind + ".name")
    if kind == "header" and not HEADER_NAME.match(name):
        raise ValueError("header.name must be an HTTP header name")
    return kind, (name, _string(spec["value"], kind + ".value"))


def _authorization(headers: Any, scheme: str) -> Optional[str]:
    """The credentials of the Authorization header when it uses ``scheme``, else None."""
    value = headers.get("Authorization")
    if not value:
        return None
    parts = value.strip().split(None, 1)
    if len(parts) != 2 or parts[0].lower() != scheme:
        return None
    return parts[1].strip()


def check_credential(kind: str, expected: Any, headers: Any, query: str) -> int:
    """200 when the request carries the expected credential, 401 when it has none of that kind, 403 when wrong."""
    if kind == "bearer":
        token = _authorization(headers, "bearer")
        if token is None:
            return 401
        return 200 if token == expected else 403
    if kind == "basic":
        encoded = _authorization(headers, "basic")
        if encoded is None:
            return 401
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return 403
        username, sep, password = decoded.partition(":")
        return 200 if sep and (username, password) == expected else 403
    name, value = expected
    if kind == "header":
        present = headers.get_all(name) or []
        if not present:
            return 401
        return 200 if present == [value] else 403
    values = parse_qs(query, keep_blank_values=True).get(name)
    if values is None:
        return 401
    return 200 if values == [value] else 403


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    server_version = "validation-endpoints/1.0"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; with Nagle on, the second waits for the
    # client's delayed ACK (~40 ms), which would show up in every latency hookd measures.
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_S  # an idle keep-alive connection is closed after this

    server: "Server"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - replaced by our own line
        pass

    def setup(self) -> None:
        context = self.server.tls_context
        if context is not None:
            # The handshake happens here, on the connection's own thread, so a slow or
            # failing client never holds up the accept loop.
            self.request.settimeout(HANDSHAKE_TIMEOUT_S)
            self.request = context.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self) -> None:
        super().finish()
        if self.server.tls_context is not None:
            # The server closes only the plain socket it accepted (detached by the wrap).
            try:
                self.request.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            self.request.close()

    # ---- plumbing --------------------------------------------------------
    def read_body(self) -> bool:
        """Read and drop the request body; False (after answering 400/413) when it cannot be read."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            total = 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    self.close_connection = True
                    self.answer(400, b"bad chunked body\n")
                    return False
                total += size
                if total > MAX_BODY:
                    self.close_connection = True
                    self.answer(413, b"body too large\n")
                    return False
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return True
                self.rfile.read(size)
                self.rfile.readline(1024)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self.answer(413 if length > 0 else 400, b"bad Content-Length\n")
            return False
        if length:
            self.rfile.read(length)
        return True

    def answer(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8",
               headers: Optional[Dict[str, str]] = None) -> None:
        self.answered = status
        self.send_response(status)
        if status not in BODYLESS:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and status not in BODYLESS:
            self.wfile.write(body)

    def answer_json(self, status: int, value: Any) -> None:
        self.answer(status, json.dumps(value).encode(), "application/json")

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
        self.answered = 0  # 0 in the log: closed unanswered (a hang, or the client went away)
        try:
            if path.startswith(CONTROL_PREFIX):
                self.control(path)
            else:
                with STATE.lock:
                    STATE.requests.append({"method": self.command, "path": path,
                                           "listener": self.server.listener})
                if self.read_body():
                    self.route(path, query)
        finally:
            sys.stderr.write("%s %s %s %d %.1fms\n" % (self.server.listener, self.command, path,
                                                       self.answered, (time.monotonic() - started) * 1000))
            sys.stderr.flush()

    def route(self, path: str, query: str) -> None:
        method = self.command
        if method not in ("HEAD", "GET", "POST"):
            self.answer(404, b"not found\n")
            return
        match = STATUS_PATH.match(path)
        if match and 200 <= int(match.group(1)) <= 599:
            self.status_route(int(match.group(1)))
            return
        if path == "/head-not-allowed":
            if method == "HEAD":
                self.answer(405, b"method not allowed\n", headers={"Allow": "GET, POST"})
            else:
                self.answer(200, b"ok\n")
            return
        if path == "/hang":
            STATE.stopping.wait()
            self.close_connection = True
            return
        match = DELAY_PATH.match(path)
        if match and int(match.group(1)) <= MAX_DELAY_MS:
            if STATE.stopping.wait(int(match.group(1)) / 1000.0):
                self.close_connection = True
                return
            self.answer(200, b"ok\n")
            return
        match = BYTES_PATH.match(path)
        if match and int(match.group(1)) <= MAX_BYTES:
            self.bytes_route(int(match.group(1)), chunked="chunked=1" in query.split("&"))
            return
        match = TOKEN_PATH.match(path)
        if match and method == "POST":
            with STATE.lock:
                answer = STATE.token_answers.get(unquote(match.group(1)))
            if answer is None:
                self.answer(404, b"no token answer registered\n")
            else:
                self.answer(200, answer, headers={"Content-Type": "application/json", "Cache-Control": "no-store"})
            return
        match = PROTECTED_PATH.match(path)
        if match:
            self.protected(unquote(match.group(1)), query)
            return
        self.answer(404, b"not found\n")

    def bytes_route(self, size: int, chunked: bool) -> None:
        """GET/POST: ``size`` bytes of "x"; HEAD: 405 (so a validation falls back to GET)."""
        if self.command == "HEAD":
            self.answer(405, b"method not allowed\n", headers={"Allow": "GET, POST"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        self.answered = 200
        block = b"x" * 65536
        try:
            left = size
            while left > 0:
                piece = block[:min(left, len(block))]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                left -= len(piece)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading: what a capped client does

    def status_route(self, status: int) -> None:
        headers: Dict[str, str] = {}
        if 300 <= status < 400:
            headers["Location"] = "/status/200"
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer " + REALM
        if status == 429:
            headers["Retry-After"] = "1"
        self.answer(status, ("status %d\n" % status).encode(), headers=headers)

    def protected(self, name: str, query: str) -> None:
        with STATE.lock:
            expectation = STATE.expectations.get(name)
        if expectation is None:
            self.answer(404, b"no expectation registered\n")
            return
        kind, expected = expectation
        status = check_credential(kind, expected, self.headers, query)
        headers: Dict[str, str] = {}
        if status == 401 and kind in ("bearer", "basic"):
            headers["WWW-Authenticate"] = "%s %s" % (kind.capitalize(), REALM)
        text = {200: b"ok\n", 401: b"credential missing\n", 403: b"credential wrong\n"}[status]
        self.answer(status, text, headers=headers)

    def control(self, path: str) -> None:
        if not self.read_body_for_control():
            return
        method = self.command
        if path == "/__test__/requests" and method == "GET":
            with STATE.lock:
                recorded = [dict(r) for r in STATE.requests]
            self.answer_json(200, recorded)
            return
        if path == "/__test__/requests" and method == "DELETE":
            with STATE.lock:
                STATE.requests = []
            self.answer(204, b"")
            return
        match = AUTH_CONTROL_PATH.match(path)
        if match and method == "PUT":
            try:
                expectation = parse_expectation(self.control_body)
            except ValueError as e:
                self.answer_json(400, {"error": str(e)})
                return
            with STATE.lock:
                STATE.expectations[unquote(match.group(1))] = expectation
            self.answer(204, b"")
            return
        match = TOKEN_CONTROL_PATH.match(path)
        if match and method == "PUT":
            with STATE.lock:
                STATE.token_answers[unquote(match.group(1))] = self.control_body
            self.answer(204, b"")
            return
        self.answer_json(404, {"error": "no such test control"})

    def read_body_for_control(self) -> bool:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY or "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            self.answer_json(400, {"error": "test controls need a Content-Length body of at most %d bytes"
                                   % MAX_BODY})
            return False
        self.control_body = self.rfile.read(length) if length else b""
        return True


class Server(FixtureServer):
    def __init__(self, address: Tuple[str, int], listener: str,
                 tls_context: Optional[ssl.SSLContext] = None) -> None:
        self.listener = listener
        self.tls_context = tls_context
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # One line, never a traceback: a client that rejects the certificate (as an
        # untrusting hookd must) ends its handshake with an alert, which is expected.
        error = sys.exc_info()[1]
        sys.stderr.write("%s connection from port %s failed: %s: %s\n" % (
            self.listener, client_address[1] if client_address else "?", type(error).__name__, error))
        sys.stderr.flush()


# --------------------------------------------------------------------------
# files and certificate
# --------------------------------------------------------------------------

def make_tls_context() -> Tuple[ssl.SSLContext, bytes]:
    """A server context with a fresh self-signed certificate, and the certificate's PEM."""
    private = tempfile.mkdtemp(prefix="validation-endpoints-")
    try:
        key, cert = os.path.join(private, "key.pem"), os.path.join(private, "cert.pem")
        command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                   "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                   "-keyout", key, "-out", cert]
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=60, check=False)
        if done.returncode != 0:
            raise RuntimeError("openssl req failed (%d): %s" % (
                done.returncode, done.stderr.decode("utf-8", "replace").strip()))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        with open(cert, "rb") as handle:
            return context, handle.read()
    finally:
        shutil.rmtree(private, ignore_errors=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0, help="HTTP port (0: a free one)")
    parser.add_argument("--tls-port", type=int, default=0, help="HTTPS port (0: a free one)")
    parser.add_argument("--port-file", required=True,
                        help="where to write the HTTP port; cert.pem and tls_port go beside it")
    options = parser.parse_args(argv)

    try:
        context, cert_pem = make_tls_context()
    except (OSError, RuntimeError, subprocess.TimeoutExpired, ssl.SSLError) as e:
        sys.stderr.write("validation endpoints: cannot make the TLS certificate: %s\n" % e)
        return 2
    servers = [Server(("127.0.0.1", options.port), "http"),
               Server(("127.0.0.1", options.tls_port), "https", context)]
    http_port, tls_port = (server.server_address[1] for server in servers)

    def ready() -> None:
        directory = os.path.dirname(os.path.abspath(options.port_file))
        write_atomically(os.path.join(directory, "cert.pem"), cert_pem)
        write_atomically(os.path.join(directory, "tls_port"), b"%d\n" % tls_port)
        write_atomically(options.port_file, b"%d\n" % http_port)
        sys.stderr.write("validation endpoints listening on 127.0.0.1:%d (http) and 127.0.0.1:%d (https), pid %d\n"
                         % (http_port, tls_port, os.getpid()))
        sys.stderr.flush()

    # Setting `stopping` wakes /hang and /delay, which close their connections.
    return serve_until_signalled("validation endpoints", servers, ready, on_stop=STATE.stopping.set)


if __name__ == "__main__":
    sys.exit(main())
