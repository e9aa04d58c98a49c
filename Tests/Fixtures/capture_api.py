#!/usr/bin/env python3
"""A stand-in for hooksandbox's capture API, for the ``hookrpc sandbox replay`` tests.

Usage
-----
    python3 capture_api.py --capture FILE --port 0 --port-file PATH

Serves plain HTTP on 127.0.0.1.  ``GET /api/captures/<id>`` answers the JSON capture in
``--capture`` (read at each request) when ``<id>`` is its ``id``, and otherwise 404 with
``{"error": {"message": "no capture <id>"}}`` as hooksandbox does.  Anything else is 404.
The port is written to ``--port-file`` once listening.  SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixture_server import FixtureServer, serve_until_signalled, write_atomically  # noqa: E402


def make_handler(capture_path: str) -> type:
    class CaptureHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            prefix = "/api/captures/"
            wanted = self.path[len(prefix):] if self.path.startswith(prefix) else None
            with open(capture_path, "rb") as handle:
                capture = json.load(handle)
            if wanted is not None and wanted == str(capture.get("id")):
                self.answer(200, capture)
            else:
                self.answer(404, {"error": {"message": "no capture %s" % (wanted or self.path)}})

        def answer(self, status: int, value: Any) -> None:
            body = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return CaptureHandler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capture", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    arguments = parser.parse_args()
    server = FixtureServer(("127.0.0.1", arguments.port), make_handler(arguments.capture))
    return serve_until_signalled("capture_api", [server],
                                 lambda: write_atomically(arguments.port_file, b"%d\n" % server.server_address[1]))


if __name__ == "__main__":
    sys.exit(main())
