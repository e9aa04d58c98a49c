#!/usr/bin/env python3
"""Local stand-ins for Slack incoming webhooks and PagerDuty's Events API v2 (test fixture).

Used by hookd's tests as "hookd's Slack" and "hookd's PagerDuty".  Standard
library only; Python 3.9+.

Usage
-----
    python3 alert_receivers.py --port 0 --port-file PATH

Binds 127.0.0.1 (``--port 0`` picks a free port) and, once listening, writes
the port number to ``--port-file`` (a temporary file renamed into place, so a
reader never sees a partial number).  One line per request goes to stderr:
method, service, status and duration.  Never the path (a Slack webhook's path
is its secret) and never a body (a PagerDuty body carries the routing key).
SIGTERM or SIGINT stops the server, with exit status 0, even while requests
are hanging.  Nagle's algorithm is off on accepted sockets.

Slack incoming webhook
----------------------
POST /services/{team}/{bot}/{token}
    The body is JSON (Content-Type application/json), or a form with a
    ``payload`` field holding the JSON (Slack's older encoding).
    200 ``ok`` (text/html, as Slack answers).
    400 ``invalid_payload``: the body is not JSON, not an object, or its
        "text" is missing, not a string or empty.  (hookd always sends text,
        Slack's fallback for notifications, so the fixture demands it.)
    400 ``invalid_blocks``: "blocks" is not a list of at most 50 objects,
        each with a string "type"; a header block whose text is not
        plain_text or exceeds 150 characters; a section with neither text
        nor fields, more than 10 fields, a field over 2000 characters or a
        text over 3000.
    404 ``no_service``: any other path under /services/ with a wrong shape.
    Failure modes (see /__test__/config):
        archived  -> 410 ``channel_is_archived``
        not_found -> 404 ``channel_not_found``
        prohibited -> 403 ``action_prohibited``
        fail_429  -> 429 ``rate_limited`` with ``Retry-After: <retry_after>``
        fail_500  -> 500 ``internal_error``
        hang      -> no answer until ``hang_seconds`` pass or the server stops

PagerDuty Events API v2
-----------------------
POST /v2/enqueue   (also /v2/enqueue/)
    202 {"status": "success", "message": "Event processed", "dedup_key": K}
        K is the request's dedup_key, or a new 32-hex key for a trigger
        without one.
    400 {"status": "invalid event", "message": "Event object is invalid",
         "errors": [...]} when:
        * the body is not a JSON object;
        * routing_key is missing or not 32 characters;
        * event_action is not trigger, acknowledge or resolve;
        * dedup_key is not a string, is longer than 255 characters, or is
          missing on acknowledge/resolve;
        * for trigger: payload is missing, or payload.summary (1..1024
          characters), payload.source (non-empty) or payload.severity
          (critical, error, warning, info) is wrong, or payload.timestamp
          is present but not ISO 8601, or custom_details is not an object.
        Resolve and acknowledge need only routing_key, dedup_key and
        event_action; a payload, if sent, is ignored (as PagerDuty does).
    413 {"status": "invalid event", "message": "Request entity too large"}
        for bodies over 512 KB.
    Failure modes (see /__test__/config):
        fail_429  -> 429 {"status": "throttle event", "message": "Requests
                     for this service are arriving too quickly. Please
                     retry later."}, with Retry-After only when
                     "retry_after" is set in the config
        fail_500  -> 500 {"status": "error", "message": "Internal Server Error"}
        hang      -> as for Slack
        archived, not_found, prohibited -> not PagerDuty modes; answered
                     normally

Test controls (not part of either API; every path begins /__test__/)
-------------------------------------------------------------------
GET  /__test__/requests   {"requests": [{"service": "slack"|"pagerduty"|"other",
                           "method", "path", "headers": {lowercased name: value},
                           "body": text, "json": parsed body or null,
                           "status": answered status}]}
     Every API request is recorded when it arrives, in order.  Its status
     is null until it is answered, and 0 for a hang that ended unanswered.
POST /__test__/config   {"mode": "ok"|"fail_429"|"fail_500"|"hang"|"archived"|
                         "not_found"|"prohibited", "count": n?,
                         "service": "slack"|"pagerduty"?, "retry_after": s?,
                         "hang_seconds": s?}
     The next n API requests (all of them when count is absent or null),
     of the given service (either by default), answer in that mode; then the
     mode returns to "ok".  Answers with the whole config.
GET  /__test__/config
POST /__test__/reset    Forgets recorded requests and returns to "ok".
Control requests are never recorded and never fail.

Deviations from the real services
---------------------------------
* No authentication: any well-formed Slack path and any 32-character
  routing key is accepted.
* Slack's other errors (``no_team``, ``team_disabled``, ``invalid_token``,
  ``posting_to_general_channel_denied``, ``too_many_attachments``) are not
  produced; Block Kit validation is limited to the checks listed above.
* PagerDuty's rate limit is never reached on its own; 429 comes only from
  the fail_429 mode.  PagerDuty's exact error wording varies; the statuses
  and body shapes here are PagerDuty's.
* Change events (/v2/change/enqueue) and Events API v1 are not served.
"""

import argparse
import json
import os
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

# The shared plumbing sits next to this file; found also when a launcher runs the file with
# runpy (as the Swift tests do), which does not put the script's directory on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_server import FixtureServer, serve_until_signalled, write_atomically  # noqa: E402

MAX_PAGERDUTY_BODY = 512 * 1024
SLACK_PATH = re.compile(r"^/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+/?$")
PAGERDUTY_PATHS = ("/v2/enqueue", "/v2/enqueue/")
SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = ("trigger", "acknowledge", "resolve")
MODES = ("ok", "fail_429", "fail_500", "hang", "archived", "not_found", "prohibited")
ISO8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


class State:
    """Recorded requests and the failure mode, shared by the handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: List[Dict[str, Any]] = []
        self.config: Dict[str, Any] = {}
        self.stopping = threading.Event()
        self.reset()

    def reset(self) -> None:
        self.requests = []
        self.config = {"mode": "ok", "count": None, "service": None,
                       "retry_after": None, "hang_seconds": 30}

    def configure(self, body: Dict[str, Any]) -> Optional[str]:
        mode = body.get("mode", "ok")
        if mode not in MODES:
            return "mode must be one of %s" % ", ".join(MODES)
        count = body.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            return "count must be a whole number >= 0 or null"
        service = body.get("service")
        if service not in (None, "slack", "pagerduty"):
            return "service must be slack, pagerduty or null"
        for key in ("retry_after", "hang_seconds"):
            value = body.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                return "%s must be a number >= 0" % key
        self.config["mode"] = mode
        self.config["count"] = count
        self.config["service"] = service
        if "retry_after" in body:
            self.config["retry_after"] = body["retry_after"]
        if body.get("hang_seconds") is not None:
            self.config["hang_seconds"] = body["hang_seconds"]
        return None

    def take_mode(self, service: str) -> Tuple[str, Dict[str, Any]]:
        """The mode for one API request of `service`, counting it down."""
        config = self.config
        mode = config["mode"]
        if mode == "ok" or config["service"] not in (None, service):
            return "ok", dict(config)
        if config["count"] is not None:
            if config["count"] <= 0:
                config["mode"] = "ok"
                return "ok", dict(config)
            config["count"] -= 1
            if config["count"] == 0:
                config["mode"] = "ok"
                config["count"] = None
        return mode, dict(config)


STATE = State()


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------

def slack_error(body: bytes, content_type: str) -> Tuple[Optional[str], Any]:
    """(Slack's error code or None, the parsed message)."""
    text = body.decode("utf-8", errors="replace")
    if not content_type.startswith("application/json"):
        fields = parse_qs(text)
        if "payload" not in fields:
            return "invalid_payload", None
        text = fields["payload"][0]
    try:
        message = json.loads(text)
    except ValueError:
        return "invalid_payload", None
    if not isinstance(message, dict):
        return "invalid_payload", message
    text_value = message.get("text")
    if not isinstance(text_value, str) or not text_value.strip():
        return "invalid_payload", message
    if "blocks" in message and not blocks_valid(message["blocks"]):
        return "invalid_blocks", message
    return None, message


def text_object(value: Any, kinds: Tuple[str, ...], limit: int) -> bool:
    return (isinstance(value, dict) and value.get("type") in kinds
            and isinstance(value.get("text"), str) and 0 < len(value["text"]) <= limit)


def blocks_valid(blocks: Any) -> bool:
    if not isinstance(blocks, list) or len(blocks) > 50:
        return False
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            return False
        if block["type"] == "header" and not text_object(block.get("text"), ("plain_text",), 150):
            return False
        if block["type"] == "section":
            fields = block.get("fields")
            if "text" not in block and fields is None:
                return False
            if "text" in block and not text_object(block["text"], ("plain_text", "mrkdwn"), 3000):
                return False
            if fields is not None:
                if not isinstance(fields, list) or not fields or len(fields) > 10:
                    return False
                if not all(text_object(f, ("plain_text", "mrkdwn"), 2000) for f in fields):
                    return False
    return True


def pagerduty_errors(event: Any) -> List[str]:
    if not isinstance(event, dict):
        return ["Event object is not a JSON object"]
    errors = []
    key = event.get("routing_key")
    if not isinstance(key, str) or not key:
        errors.append("'routing_key' is missing or blank")
    elif len(key) != 32:
        errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
    action = event.get("event_action")
    if not isinstance(action, str) or not action:
        errors.append("'event_action' is missing or blank")
    elif action not in ACTIONS:
        errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
    dedup = event.get("dedup_key")
    if dedup is not None and not isinstance(dedup, str):
        errors.append("'dedup_key' must be a string")
    elif isinstance(dedup, str) and len(dedup) > 255:
        errors.append("Length of 'dedup_key' is too long (maximum is 255 characters)")
    elif action in ("acknowledge", "resolve") and not dedup:
        errors.append("'dedup_key' is missing or blank")
    if action != "trigger":
        return errors
    payload = event.get("payload")
    if not isinstance(payload, dict):
        errors.append("'payload' is missing or blank")
        return errors
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary:
        errors.append("'payload.summary' is missing or blank")
    elif len(summary) > 1024:
        errors.append("Length of 'payload.summary' is too long (maximum is 1024 characters)")
    source = payload.get("source")
    if not isinstance(source, str) or not source:
        errors.append("'payload.source' is missing or blank")
    severity = payload.get("severity")
    if not isinstance(severity, str) or not severity:
        errors.append("'payload.severity' is missing or blank")
    elif severity not in SEVERITIES:
        errors.append("'payload.severity' is invalid (must be one of: critical, error, warning, info)")
    timestamp = payload.get("timestamp")
    if timestamp is not None and (not isinstance(timestamp, str) or not ISO8601.match(timestamp)):
        errors.append("'payload.timestamp' is invalid (must be an ISO 8601 timestamp)")
    details = payload.get("custom_details")
    if details is not None and not isinstance(details, dict):
        errors.append("'payload.custom_details' must be an object")
    return errors


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    server_version = "alert-receivers/1.0"

    def version_string(self) -> str:
        return self.server_version
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt: str, *args: Any) -> None:  # replaced by our own line per request
        pass

    # ---- plumbing --------------------------------------------------------
    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def answer(self, status: int, body: bytes, content_type: str,
               headers: Optional[Dict[str, str]] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def answer_json(self, status: int, value: Any, headers: Optional[Dict[str, str]] = None) -> None:
        self.answer(status, json.dumps(value).encode(), "application/json", headers)

    def answer_text(self, status: int, text: str, headers: Optional[Dict[str, str]] = None) -> None:
        self.answer(status, text.encode(), "text/html", headers)

    # ---- routing ---------------------------------------------------------
    def do_GET(self) -> None:
        self.read_body()
        if self.path == "/__test__/requests":
            with STATE.lock:
                self.answer_json(200, {"requests": STATE.requests})
        elif self.path == "/__test__/config":
            with STATE.lock:
                self.answer_json(200, STATE.config)
        else:
            self.api("GET", b"")

    def do_POST(self) -> None:
        body = self.read_body()
        if self.path == "/__test__/config":
            try:
                settings = json.loads(body or b"{}")
            except ValueError:
                settings = None
            if not isinstance(settings, dict):
                self.answer_json(400, {"error": "the body must be a JSON object"})
                return
            with STATE.lock:
                problem = STATE.configure(settings)
                config = dict(STATE.config)
            if problem:
                self.answer_json(400, {"error": problem})
            else:
                self.answer_json(200, config)
        elif self.path == "/__test__/reset":
            with STATE.lock:
                STATE.reset()
            self.answer_json(200, {"reset": True})
        else:
            self.api("POST", body)

    def api(self, method: str, body: bytes) -> None:
        started = time.monotonic()
        path = self.path.split("?", 1)[0]
        if path.startswith("/services/"):
            service = "slack"
        elif path in PAGERDUTY_PATHS:
            service = "pagerduty"
        else:
            service = "other"
        text = body.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        record = {
            "service": service, "method": method, "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": text, "json": parsed, "status": None,
        }
        with STATE.lock:
            STATE.requests.append(record)
            mode, config = STATE.take_mode(service) if service != "other" else ("ok", dict(STATE.config))
        if mode == "hang":
            STATE.stopping.wait(config["hang_seconds"])
            self.close_connection = True
            status = 0
        elif service == "slack":
            status = self.slack(method, path, body, mode, config)
        elif service == "pagerduty":
            status = self.pagerduty(method, body, mode, config)
        else:
            status = 404
            self.answer_text(404, "Not Found")
        with STATE.lock:
            record["status"] = status
        sys.stderr.write("%s %s %d %.1fms\n" % (method, service, status, (time.monotonic() - started) * 1000))
        sys.stderr.flush()

    # ---- Slack -----------------------------------------------------------
    def slack(self, method: str, path: str, body: bytes, mode: str, config: Dict[str, Any]) -> int:
        if method != "POST":
            self.answer_text(405, "invalid_method")
            return 405
        if not SLACK_PATH.match(path):
            self.answer_text(404, "no_service")
            return 404
        failures = {"archived": (410, "channel_is_archived"), "not_found": (404, "channel_not_found"),
                    "prohibited": (403, "action_prohibited"), "fail_500": (500, "internal_error")}
        if mode in failures:
            status, text = failures[mode]
            self.answer_text(status, text)
            return status
        if mode == "fail_429":
            retry_after = config["retry_after"] if config["retry_after"] is not None else 1
            self.answer_text(429, "rate_limited", {"Retry-After": format_seconds(retry_after)})
            return 429
        error, _ = slack_error(body, (self.headers.get("Content-Type") or "").lower())
        if error:
            self.answer_text(400, error)
            return 400
        self.answer_text(200, "ok")
        return 200

    # ---- PagerDuty -------------------------------------------------------
    def pagerduty(self, method: str, body: bytes, mode: str, config: Dict[str, Any]) -> int:
        if method != "POST":
            self.answer_json(405, {"status": "error", "message": "Method Not Allowed"})
            return 405
        if mode == "fail_429":
            headers = {}
            if config["retry_after"] is not None:
                headers["Retry-After"] = format_seconds(config["retry_after"])
            self.answer_json(429, {"status": "throttle event", "message":
                                   "Requests for this service are arriving too quickly. Please retry later."}, headers)
            return 429
        if mode == "fail_500":
            self.answer_json(500, {"status": "error", "message": "Internal Server Error"})
            return 500
        if len(body) > MAX_PAGERDUTY_BODY:
            self.answer_json(413, {"status": "invalid event", "message": "Request entity too large"})
            return 413
        try:
            event = json.loads(body.decode("utf-8"))
        except ValueError:
            self.answer_json(400, {"status": "invalid event", "message": "Event object is invalid",
                                   "errors": ["Request body is not valid JSON"]})
            return 400
        errors = pagerduty_errors(event)
        if errors:
            self.answer_json(400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors})
            return 400
        dedup = event.get("dedup_key") or uuid.uuid4().hex
        self.answer_json(202, {"status": "success", "message": "Event processed", "dedup_key": dedup})
        return 202


def format_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    options = parser.parse_args()

    server = FixtureServer(("127.0.0.1", options.port), Handler)
    port = server.server_address[1]

    def ready() -> None:
        if options.port_file:
            write_atomically(options.port_file, b"%d\n" % port)
        sys.stderr.write("alert receivers listening on 127.0.0.1:%d\n" % port)
        sys.stderr.flush()

    # Setting `stopping` releases hanging answers.
    return serve_until_signalled("alert receivers", [server], ready, on_stop=STATE.stopping.set)


if __name__ == "__main__":
    sys.exit(main())
