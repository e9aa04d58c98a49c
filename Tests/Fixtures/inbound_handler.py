#!/usr/bin/env python3
"""A small inbound webhook handler for the sandbox tests: it verifies every request through hookd.

Usage
-----
    python3 inbound_handler.py --port 0 --port-file PATH --hookd-socket SOCKET

Serves plain HTTP on 127.0.0.1.  ``POST /in/<CODE>`` (any method) is what an application's
receiving endpoint does with the hookrpc client: ``verify_wsgi_request(CODE, environ)`` (hookd's
``inbound.verify``), then 200 when valid, 401 otherwise.  Each request is recorded with its
verdict.  ``GET /__test__/requests`` returns them all, oldest first, as JSON:
``[{"code", "method", "path", "headers": {name: value}, "body_base64", "valid", "reason"}]``;
``DELETE /__test__/requests`` forgets them.  The port is written to ``--port-file`` once
listening.  SIGTERM or SIGINT stops it.  Nothing is logged: headers carry signatures.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import sys
import threading
from typing import Any, Callable, Dict, Iterable, List
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))

from fixture_server import serve_until_signalled, write_atomically  # noqa: E402
from hookrpc import WebHooks, verify_wsgi_request  # noqa: E402


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def make_app(socket_path: str) -> Callable[..., Iterable[bytes]]:
    recorded: List[Dict[str, Any]] = []
    lock = threading.Lock()
    local = threading.local()

    def hooks() -> WebHooks:
        if not hasattr(local, "hooks"):
            local.hooks = WebHooks(socket_path)
        return local.hooks

    def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/__test__/requests":
            with lock:
                if method == "DELETE":
                    recorded.clear()
                body = json.dumps(recorded).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        if not path.startswith("/in/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        code = path[len("/in/"):].split("/")[0]
        result = verify_wsgi_request(code, environ, client=hooks())
        raw = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(raw)
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        with lock:
            recorded.append({"code": code, "method": method, "path": path, "headers": headers,
                             "body_base64": base64.b64encode(raw).decode(), "valid": result.valid, "reason": result.reason})
        status = "200 OK" if result.valid else "401 Unauthorized"
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps({"valid": result.valid, "reason": result.reason}).encode()]

    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--hookd-socket", required=True)
    arguments = parser.parse_args()
    server = make_server("127.0.0.1", arguments.port, make_app(arguments.hookd_socket),
                         server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    return serve_until_signalled("inbound_handler", [server],
                                 lambda: write_atomically(arguments.port_file, b"%d\n" % server.server_address[1]))


if __name__ == "__main__":
    sys.exit(main())
