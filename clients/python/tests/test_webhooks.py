"""Inbound verification through the Python client (issue 13): ``HookRPC.inbound_verify``, the
``WebHooks`` shim and ``verify_wsgi_request``, against a hookd of this module's own.

Every signature is made here by independent code (``hmac``/``hashlib``/``base64``) following
each provider's published algorithm; hookd holds the secrets as ``database`` credentials of
IN webhooks. Each test registers webhooks under codes of its own (a random suffix), so replay
memory and alert windows never meet. Secrets are fake (``whsec_`` + base64 of ``b"fake…"``,
``tok_fake_…``) and no assertion message prints one.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlencode
from wsgiref.headers import Headers
from wsgiref.util import setup_testing_defaults

import pytest

from conftest import Daemon, run_hookd
from hookrpc import (
    HookRPC,
    HookRPCConnectionError,
    HookRPCError,
    VerificationResult,
    WebHooks,
    verify_wsgi_request,
)
from hookrpc.client import _inbound_headers, _inbound_params, _inbound_verify_params
from hookrpc.webhooks import _wsgi_headers

STRIPE_SECRET = "whsec_" + base64.b64encode(b"fake-stripe-inbound-current-1").decode()
STRIPE_PREVIOUS = "whsec_" + base64.b64encode(b"fake-stripe-inbound-previous-2").decode()
SW_SECRET = "whsec_" + base64.b64encode(b"fake-standard-webhooks-inbound-3").decode()
GITHUB_SECRET = "tok_fake_github_inbound_3e1a"
SLACK_SECRET = "tok_fake_slack_inbound_8b2c"
SHOPIFY_SECRET = "tok_fake_shopify_inbound_5d7e"
TWILIO_SECRET = "tok_fake_twilio_inbound_9f4b"
ALL_SECRETS = (STRIPE_SECRET, STRIPE_PREVIOUS, SW_SECRET, SW_SECRET[len("whsec_"):], GITHUB_SECRET, SLACK_SECRET,
               SHOPIFY_SECRET, TWILIO_SECRET)

T = 1_700_000_000  # 2023-11-14T22:13:20Z, the signed time of the timestamped schemes
BODY = b'{"id":"evt_1","object":"event","amount":1000,"note":"caf\xc3\xa9"}'
README = Path(__file__).resolve().parents[1] / "README.md"


# ------------------------------------------------------------------ independent signatures

def hex_mac(key: bytes, message: bytes, digest: Any = hashlib.sha256) -> str:
    return hmac.new(key, message, digest).hexdigest()


def b64_mac(key: bytes, message: bytes, digest: Any = hashlib.sha256) -> str:
    return base64.b64encode(hmac.new(key, message, digest).digest()).decode()


def stripe_header(secrets: Sequence[str], body: bytes, t: int = T) -> str:
    """https://docs.stripe.com/webhooks#verify-manually: t=…,v1=<hex HMAC-SHA256("{t}.{body}")>…"""
    return ",".join(["t=%d" % t] + ["v1=" + hex_mac(s.encode(), b"%d." % t + body) for s in secrets])


def github_headers(body: bytes, secret: str = GITHUB_SECRET) -> Dict[str, str]:
    """https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries"""
    return {"X-Hub-Signature-256": "sha256=" + hex_mac(secret.encode(), body), "X-GitHub-Event": "push"}


def slack_headers(body: bytes, timestamp: int = T) -> Dict[str, str]:
    """https://api.slack.com/authentication/verifying-requests-from-slack"""
    signature = "v0=" + hex_mac(SLACK_SECRET.encode(), b"v0:%d:" % timestamp + body)
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def standard_headers(msg_id: str, body: bytes, timestamp: int = T, secret: str = SW_SECRET) -> Dict[str, str]:
    """https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md"""
    key = base64.b64decode(secret[len("whsec_"):])
    signature = "v1," + b64_mac(key, ("%s.%d." % (msg_id, timestamp)).encode() + body)
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def twilio_signature(url: str, params: Sequence[Tuple[str, str]] = ()) -> str:
    """https://www.twilio.com/docs/usage/security#validating-requests: base64 HMAC-SHA1 of the URL
    followed by each parameter's name and value, sorted by name (a repeated name by value)."""
    data = url + "".join(name + value for name, value in sorted(params))
    return b64_mac(TWILIO_SECRET.encode(), data.encode(), hashlib.sha1)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def inbound_hookd(request: pytest.FixtureRequest) -> Iterator[Daemon]:
    yield from run_hookd(request, {})


@pytest.fixture
def rpc(inbound_hookd: Daemon) -> Iterator[HookRPC]:
    with HookRPC(inbound_hookd.socket_path, timeout=10.0) as client:
        yield client


@pytest.fixture
def hooks(inbound_hookd: Daemon) -> Iterator[WebHooks]:
    with WebHooks(inbound_hookd.socket_path, timeout=10.0) as shim:
        yield shim


def register(rpc: HookRPC, name: str, scheme: str, secret: str, previous: Optional[str] = None,
             previous_expires_at: Any = None, inbound: Optional[Dict[str, Any]] = None) -> str:
    """Registers an IN webhook under a code no other test uses; returns the code."""
    code = "PY_%s_%s" % (name, uuid.uuid4().hex[:10].upper())
    value: Dict[str, Any] = {"secret": secret, "scheme": scheme}
    if previous is not None:
        value.update(previous_secret=previous, previous_expires_at=previous_expires_at)
    rpc.webhook_upsert(code=code, direction="IN", type="SERVICE", auth_type="hmac",
                       credential={"source": "database", "value": json.dumps(value)}, inbound=inbound)
    return code


def environ_for(body: bytes, headers: Dict[str, str], *, path: str = "/hooks/in", query: str = "",
                content_type: Optional[str] = None, extra: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """A WSGI environ as a server builds it, completed by wsgiref.util.setup_testing_defaults."""
    environ: Dict[str, Any] = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": query,
                               "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    environ.update(extra or {})
    setup_testing_defaults(environ)
    return environ


# ------------------------------------------------------------------ each provider's scheme

def test_stripe_any_of_several_v1_signatures_may_match(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "STRIPE", "stripe", STRIPE_SECRET)
    header = stripe_header([STRIPE_PREVIOUS, STRIPE_SECRET], BODY)  # the first v1 is made with another secret
    result = hooks.verify(code, {"Stripe-Signature": header}, BODY, received_at=T + 5)
    current = header.split(",v1=")[2]
    assert result == VerificationResult(valid=True, scheme="stripe", event_id="%d.%s" % (T, header.split(",v1=")[1]),
                                        timestamp=T, signed_with="current"), "the id: t and the first signature"
    only_current = stripe_header([STRIPE_SECRET], BODY)
    raw = rpc.inbound_verify(code, {"stripe-signature": only_current}, BODY, received_at=T + 5)
    assert raw == {"valid": True, "scheme": "stripe", "event_id": "%d.%s" % (T, current), "timestamp": T,
                   "signed_with": "current"}


def test_a_result_is_immutable_and_truthy_only_when_valid(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "GITHUB_IMMUTABLE", "github", GITHUB_SECRET)
    valid = hooks.verify(code, github_headers(BODY), BODY)
    refused = hooks.verify(code, github_headers(BODY + b" "), BODY)
    assert bool(valid) is True and bool(refused) is False
    assert refused.reason == "bad_signature" and refused.scheme == "github" and refused.signed_with is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        refused.valid = True  # type: ignore[misc]


def test_github_signature_of_the_body_without_a_delivery_id_is_not_replay_protected(
        rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "GITHUB", "github", GITHUB_SECRET)
    for _ in range(3):  # no X-GitHub-Delivery: nothing to remember, repeats stay valid
        assert hooks.verify(code, github_headers(BODY), BODY) == VerificationResult(
            valid=True, scheme="github", signed_with="current")
    as_text = hooks.verify(code, github_headers(BODY), BODY.decode("utf-8"))
    assert as_text.valid, as_text
    delivery = dict(github_headers(BODY), **{"X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"})
    first = hooks.verify(code, delivery, BODY)
    again = hooks.verify(code, delivery, BODY)
    assert first.valid and first.event_id == "72d3162e-cc78-11e3-81ab-4c9367dc0958", first
    assert (again.valid, again.reason) == (False, "replayed"), again


def test_slack_signature_of_version_timestamp_and_body(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "SLACK", "slack", SLACK_SECRET)
    body = b"token=fake&team_id=T1&command=%2Fwebhook-collect&text=hello+world&trigger_id=398738663015.4744"
    result = hooks.verify(code, slack_headers(body), body, received_at=T + 10)
    assert result.valid and result.scheme == "slack" and result.timestamp == T, result
    stale = hooks.verify(code, slack_headers(body, T - 1000), body, received_at=T)
    assert (stale.valid, stale.reason) == (False, "timestamp_out_of_tolerance"), stale


def test_shopify_base64_signature_and_its_webhook_id(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "SHOPIFY", "shopify", SHOPIFY_SECRET)
    headers = {"X-Shopify-Hmac-Sha256": b64_mac(SHOPIFY_SECRET.encode(), BODY), "X-Shopify-Webhook-Id": "b54557e4-shop"}
    assert hooks.verify(code, headers, BODY) == VerificationResult(
        valid=True, scheme="shopify", event_id="b54557e4-shop", signed_with="current")
    hex_instead = dict(headers, **{"X-Shopify-Hmac-Sha256": hex_mac(SHOPIFY_SECRET.encode(), BODY),
                                   "X-Shopify-Webhook-Id": "other"})
    assert not hooks.verify(code, hex_instead, BODY)


def test_twilio_form_parameters_sorted_by_name_and_a_repeated_name_by_value(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "TWILIO", "twilio", TWILIO_SECRET)
    url = "https://hooks.example.test/twilio/sms?tenant=7"
    pairs = [("To", "+15550001111"), ("From", "+15550002222"), ("Body", "hi & bye"), ("MediaUrl", "b.png"),
             ("MediaUrl", "a.png"), ("Empty", "")]
    headers = {"X-Twilio-Signature": twilio_signature(url, pairs)}
    body = urlencode(pairs).encode()
    as_dict = {"To": "+15550001111", "From": "+15550002222", "Body": "hi & bye", "MediaUrl": ["b.png", "a.png"], "Empty": ""}
    assert hooks.verify(code, headers, body, url=url, params=as_dict).valid
    assert hooks.verify(code, headers, body, url=url, params=pairs).valid, "pairs: the repeated name becomes a list"
    changed = dict(as_dict, To="+15550001112")
    assert hooks.verify(code, headers, body, url=url, params=changed).reason == "bad_signature"
    assert hooks.verify(code, headers, body, url=url + "&x=1", params=as_dict).reason == "bad_signature"


def test_twilio_json_body_by_the_body_sha256_query_parameter(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "TWILIO_JSON", "twilio", TWILIO_SECRET)
    body = b'{"property": "value", "boolean": true}'
    url = "https://hooks.example.test/twilio/json?bodySHA256=" + hashlib.sha256(body).hexdigest()
    headers = {"X-Twilio-Signature": twilio_signature(url), "Content-Type": "application/json"}
    assert hooks.verify(code, headers, body, url=url).valid
    tampered = hooks.verify(code, headers, body.replace(b"true", b"false"), url=url)
    assert (tampered.valid, tampered.reason) == (False, "bad_signature"), tampered


def test_standard_webhooks_id_timestamp_and_body_with_the_key_after_whsec(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "STANDARD", "standard_webhooks", SW_SECRET)
    headers = standard_headers("msg_py_standard_1", BODY)
    other = standard_headers("msg_py_standard_1", BODY, secret="whsec_" + base64.b64encode(b"fake-other").decode())
    headers["webhook-signature"] = other["webhook-signature"] + " " + headers["webhook-signature"]  # any may match
    result = hooks.verify(code, headers, BODY, received_at=T)
    assert result == VerificationResult(valid=True, scheme="standard_webhooks", event_id="msg_py_standard_1",
                                        timestamp=T, signed_with="current")


# ------------------------------------------------------------------ tampering, tolerance, rotation, replay

def test_a_tampered_body_or_header_is_a_refusal_not_an_error(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "TAMPER", "standard_webhooks", SW_SECRET)
    headers = standard_headers("msg_py_tamper_1", BODY)
    assert hooks.verify(code, headers, BODY + b"\n", received_at=T).reason == "bad_signature"
    assert hooks.verify(code, headers, BODY.replace(b"1000", b"9000"), received_at=T).reason == "bad_signature"
    for name, value in (("webhook-id", "msg_py_tamper_2"), ("webhook-timestamp", str(T + 1))):
        result = hooks.verify(code, dict(headers, **{name: value}), BODY, received_at=T)
        assert (result.valid, result.reason) == (False, "bad_signature"), (name, result)
    missing = {k: v for k, v in headers.items() if k != "webhook-signature"}
    assert hooks.verify(code, missing, BODY, received_at=T).reason == "missing_signature"
    github = register(rpc, "TAMPER_GH", "github", GITHUB_SECRET)
    malformed = hooks.verify(github, {"X-Hub-Signature-256": "sha1=abc"}, BODY)
    assert (malformed.valid, malformed.reason) == (False, "malformed_signature"), malformed
    assert hooks.verify(code, headers, BODY, received_at=T).valid, "the genuine request is still accepted afterwards"


def test_a_timestamp_just_inside_the_tolerance_is_accepted_and_just_outside_refused_both_ways(
        rpc: HookRPC, hooks: WebHooks) -> None:
    tight = register(rpc, "TOLERANCE_60", "standard_webhooks", SW_SECRET, inbound={"tolerance_seconds": 60})
    for n, (received_at, valid) in enumerate([(T + 61, False), (T - 61, False), (T + 60, True), (T - 60, True)]):
        result = hooks.verify(tight, standard_headers("msg_py_tolerance_%d" % n, BODY), BODY, received_at=received_at)
        assert result.valid is valid, (received_at - T, result)
        if not valid:
            assert result.reason == "timestamp_out_of_tolerance", result
    default = register(rpc, "TOLERANCE_300", "stripe", STRIPE_SECRET)
    for n, (received_at, valid) in enumerate([(T + 301, False), (T - 301, False), (T + 300, True), (T - 300, True)]):
        body = BODY + b" " * n  # another body, another event id
        result = hooks.verify(default, {"Stripe-Signature": stripe_header([STRIPE_SECRET], body)}, body,
                              received_at=received_at)
        assert result.valid is valid, (received_at - T, result)
    as_text = hooks.verify(default, {"Stripe-Signature": stripe_header([STRIPE_SECRET], b"{}")}, b"{}",
                           received_at="2023-11-14T22:13:20Z")
    assert as_text.valid, as_text
    as_datetime = hooks.verify(default, {"Stripe-Signature": stripe_header([STRIPE_SECRET], b"[]")}, b"[]",
                               received_at=datetime.fromtimestamp(T + 299, tz=timezone.utc))
    assert as_datetime.valid, as_datetime
    with pytest.raises(ValueError):
        hooks.verify(default, {}, b"", received_at=datetime(2023, 11, 14, 22, 13, 20))  # no zone: ambiguous


def test_rotation_accepts_the_previous_secret_until_it_expires(rpc: HookRPC, hooks: WebHooks) -> None:
    rotating = register(rpc, "ROTATING", "stripe", STRIPE_SECRET, STRIPE_PREVIOUS, "2099-01-01T00:00:00Z")
    previous = hooks.verify(rotating, {"Stripe-Signature": stripe_header([STRIPE_PREVIOUS], BODY)}, BODY, received_at=T)
    assert (previous.valid, previous.signed_with) == (True, "previous"), previous
    current = hooks.verify(rotating, {"Stripe-Signature": stripe_header([STRIPE_SECRET], BODY)}, BODY, received_at=T)
    assert (current.valid, current.signed_with) == (True, "current"), current
    expired = register(rpc, "ROTATED", "stripe", STRIPE_SECRET, STRIPE_PREVIOUS, T - 1)
    late = hooks.verify(expired, {"Stripe-Signature": stripe_header([STRIPE_PREVIOUS], BODY)}, BODY, received_at=T)
    assert (late.valid, late.reason) == (False, "bad_signature"), late
    assert hooks.verify(expired, {"Stripe-Signature": stripe_header([STRIPE_SECRET], BODY)}, BODY, received_at=T).valid


def test_a_second_identical_request_is_a_replay(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "REPLAY", "standard_webhooks", SW_SECRET)
    headers = standard_headers("msg_py_replay_1", BODY)
    forged = dict(headers, **{"webhook-signature": "v1," + base64.b64encode(b"\0" * 32).decode()})
    assert hooks.verify(code, forged, BODY, received_at=T).reason == "bad_signature"
    first = hooks.verify(code, headers, BODY, received_at=T)
    assert first.valid, "a refused request is not remembered: the genuine one is still the first"
    again = hooks.verify(code, headers, BODY, received_at=T + 1)
    assert again == VerificationResult(valid=False, scheme="standard_webhooks", reason="replayed",
                                       event_id="msg_py_replay_1", timestamp=T), again
    assert not again


def test_an_unknown_webhook_or_one_without_a_secret_is_a_result(rpc: HookRPC, hooks: WebHooks) -> None:
    unknown = hooks.verify("PY_NO_SUCH_WEBHOOK_" + uuid.uuid4().hex[:8].upper(), github_headers(BODY), BODY)
    assert unknown == VerificationResult(valid=False, scheme=None, reason="unknown_webhook")
    code = "PY_BEARER_" + uuid.uuid4().hex[:8].upper()
    rpc.webhook_upsert(code=code, direction="IN", type="SERVICE", auth_type="bearer",
                       credential={"source": "database", "value": "tok_fake_bearer_inbound_1"})
    assert hooks.verify(code, {}, BODY) == VerificationResult(valid=False, scheme=None, reason="no_secret")


@pytest.mark.parametrize("change, parameter", [
    (dict(received_at="yesterday"), "received_at"),
    (dict(params={"a": 1}), "params.a"),
    (dict(code="lower case"), "code"),
    (dict(headers={"X-A": 1}), "headers.X-A"),
    (dict(twilio=True), "url"),
])
def test_bad_params_raise_invalid_params_naming_the_parameter(rpc: HookRPC, hooks: WebHooks, change: Dict[str, Any],
                                                              parameter: str) -> None:
    twilio = change.pop("twilio", False)
    code = register(rpc, "BAD_PARAMS", "twilio" if twilio else "github", TWILIO_SECRET if twilio else GITHUB_SECRET)
    arguments: Dict[str, Any] = dict(code=code, headers=github_headers(BODY), body=BODY)
    arguments.update(change)
    for verify in (hooks.verify, rpc.inbound_verify):
        with pytest.raises(HookRPCError) as refused:
            verify(**arguments)
        assert refused.value.code == -32602 and refused.value.kind == "invalid_params", refused.value
        assert refused.value.data["parameter"] == parameter, refused.value.data
    after = hooks.verify(code, {}, b"", url="https://hooks.example.test/")
    assert after.reason == "missing_signature", "the connection is fine after an error reply"


def test_a_body_that_is_not_utf8_goes_as_body_base64(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "BINARY", "github", GITHUB_SECRET)
    body = b"\xff\xfe\x00binary\x80\xc3(" + bytes(range(256))
    sent = _inbound_verify_params(code, github_headers(body), body, None, None, None)
    assert "body" not in sent and base64.b64decode(sent["body_base64"]) == body
    assert _inbound_verify_params(code, {}, BODY, None, None, None)["body"] == BODY.decode("utf-8")
    assert hooks.verify(code, github_headers(body), body).valid
    assert hooks.verify(code, github_headers(body), bytearray(body)).valid
    assert hooks.verify(code, github_headers(body), body[:-1]).reason == "bad_signature"
    escaped = body.decode("utf-8", "surrogateescape")  # how a WSGI-ish layer may hand over raw bytes as text
    assert hooks.verify(code, github_headers(body), escaped).valid
    with pytest.raises(TypeError):
        hooks.verify(code, github_headers(body), None)  # type: ignore[arg-type]


def test_headers_may_be_a_mapping_a_headers_object_or_pairs_in_any_case(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "HEADERS", "github", GITHUB_SECRET)
    signature = github_headers(BODY)["X-Hub-Signature-256"]
    assert hooks.verify(code, [("x-hub-signature-256", signature)], BODY).valid
    assert hooks.verify(code, Headers([("X-HUB-SIGNATURE-256", signature), ("Content-Type", "application/json")]), BODY).valid
    # A header given twice is one header with both values (as HTTP combines them): not a valid signature.
    doubled = hooks.verify(code, [("X-Hub-Signature-256", signature), ("x-hub-signature-256", signature)], BODY)
    assert doubled.valid is False, doubled
    assert _inbound_headers([("X-A", "1"), ("x-a", b"2"), ("X-B", "3")]) == {"X-A": "1, 2", "X-B": "3"}
    assert _inbound_params([("a", "1"), ("b", "2"), ("a", "3")]) == {"a": ["1", "3"], "b": "2"}
    with pytest.raises(TypeError):
        hooks.verify(code, "X-Hub-Signature-256: " + signature, BODY)  # type: ignore[arg-type]


def test_a_missing_socket_is_a_connection_error_naming_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-hookd.sock")
    with WebHooks(missing, timeout=2.0) as shim:
        with pytest.raises(HookRPCConnectionError) as failed:
            shim.verify("PY_ANY", {}, b"")
    assert missing in str(failed.value)


# ------------------------------------------------------------------ one connection, reconnected once

class FlakyProxy:
    """A Unix socket in front of hookd that forwards each connection, breaks the open ones on
    demand, or closes the next ``break_next`` connections right after their first request."""

    def __init__(self, target: str) -> None:
        self.directory = tempfile.mkdtemp(prefix="hookd-proxy-", dir="/tmp")
        self.path = os.path.join(self.directory, "proxy.sock")
        self.target = target
        self.break_next = 0
        self.accepted = 0
        self.lock = threading.Lock()
        self.open: List[socket.socket] = []
        self.stopped = threading.Event()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(10.0)
            with self.lock:
                self.accepted += 1
                breaking = self.break_next > 0
                self.break_next -= 1 if breaking else 0
            if breaking:
                threading.Thread(target=self._read_then_close, args=(conn,), daemon=True).start()
                continue
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.settimeout(10.0)
            upstream.connect(self.target)
            with self.lock:
                self.open += [conn, upstream]
            for source, sink in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _read_then_close(conn: socket.socket) -> None:
        try:
            conn.recv(65536)
        except OSError:
            pass
        conn.close()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def break_open_connections(self) -> None:
        with self.lock:
            ends, self.open = self.open, []
        for end in ends:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
        self.break_open_connections()
        self.thread.join(timeout=5)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def proxy(inbound_hookd: Daemon) -> Iterator[FlakyProxy]:
    running = FlakyProxy(inbound_hookd.socket_path)
    yield running
    running.stop()


def test_webhooks_keeps_one_connection_and_reconnects_after_hookd_closed_it(rpc: HookRPC, proxy: FlakyProxy) -> None:
    code = register(rpc, "RECONNECT_IDLE", "github", GITHUB_SECRET)
    with WebHooks(proxy.path, timeout=5.0) as shim:
        for _ in range(3):
            assert shim.verify(code, github_headers(BODY), BODY).valid
        assert proxy.accepted == 1, "one connection for every verification"
        proxy.break_open_connections()
        assert shim.verify(code, github_headers(BODY), BODY).valid
        assert proxy.accepted == 2


def test_webhooks_sends_again_once_when_the_connection_breaks_before_the_answer(rpc: HookRPC, proxy: FlakyProxy) -> None:
    code = register(rpc, "RECONNECT_ONCE", "github", GITHUB_SECRET)
    with WebHooks(proxy.path, timeout=5.0) as shim:
        proxy.break_next = 1
        assert shim.verify(code, github_headers(BODY), BODY).valid
        assert proxy.accepted == 2, "the request was sent again on a new connection"
        proxy.break_open_connections()
        proxy.break_next = 2
        with pytest.raises(HookRPCConnectionError):
            shim.verify(code, github_headers(BODY), BODY)
        assert proxy.accepted == 4, "only once more"
        assert shim.verify(code, github_headers(BODY), BODY).valid, "and the next verification connects again"


# ------------------------------------------------------------------ WSGI

def test_verify_wsgi_request_reads_the_exact_body_and_leaves_it_readable(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "WSGI_GITHUB", "github", GITHUB_SECRET)
    environ = environ_for(BODY, github_headers(BODY), content_type="application/json")
    environ["wsgi.input"] = io.BytesIO(BODY + b"trailing bytes past CONTENT_LENGTH")
    result = verify_wsgi_request(code, environ, client=hooks)
    assert result == VerificationResult(valid=True, scheme="github", signed_with="current"), result
    assert environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])) == BODY, "the app still reads the body"
    tampered = environ_for(BODY + b" ", github_headers(BODY))
    assert verify_wsgi_request(code, tampered, client=rpc).reason == "bad_signature", "a HookRPC client works too"
    empty = environ_for(b"", github_headers(b""))
    del empty["CONTENT_LENGTH"]
    assert verify_wsgi_request(code, empty, client=hooks).valid, "no CONTENT_LENGTH: no body"
    with pytest.raises(ValueError):
        verify_wsgi_request(code, dict(environ_for(BODY, {}), CONTENT_LENGTH="12x"), client=hooks)


def test_verify_wsgi_request_twilio_form_post_with_the_reconstructed_url(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "WSGI_TWILIO", "twilio", TWILIO_SECRET)
    pairs = [("To", "+15550003333"), ("From", "+15550004444"), ("Body", "caf\u00e9 ok"), ("MediaUrl", "z"),
             ("MediaUrl", "y"), ("Empty", "")]
    body = urlencode(pairs).encode()
    # PEP 3333's reconstruction of this environ; Twilio signed the URL it requested.
    url = "https://hooks.example.test:8443/app/twilio/sms?tenant=7&x=%20"
    extra = {"wsgi.url_scheme": "https", "HTTP_HOST": "hooks.example.test:8443", "SCRIPT_NAME": "/app"}
    headers = {"X-Twilio-Signature": twilio_signature(url, pairs)}
    environ = environ_for(body, headers, path="/twilio/sms", query="tenant=7&x=%20",
                          content_type="application/x-www-form-urlencoded; charset=utf-8", extra=extra)
    result = verify_wsgi_request(code, environ, client=hooks)
    assert result.valid and result.scheme == "twilio", result
    assert environ["wsgi.input"].read() == body
    forged = environ_for(body.replace(b"4444", b"4445"), headers, path="/twilio/sms", query="tenant=7&x=%20",
                         content_type="application/x-www-form-urlencoded", extra=extra)
    assert verify_wsgi_request(code, forged, client=hooks).reason == "bad_signature"
    elsewhere = environ_for(body, headers, path="/twilio/other", query="tenant=7&x=%20",
                            content_type="application/x-www-form-urlencoded", extra=extra)
    assert verify_wsgi_request(code, elsewhere, client=hooks).reason == "bad_signature"
    assert verify_wsgi_request(code, environ_for(body, headers, path="/twilio/other",
                                                 content_type="application/x-www-form-urlencoded", extra=extra),
                               client=hooks, url=url).valid, "url= overrides the reconstruction (behind a proxy)"


def test_verify_wsgi_request_restores_header_names(rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "WSGI_SLACK", "slack", SLACK_SECRET)
    body = b"payload=%7B%22type%22%3A%22block_actions%22%7D"
    now = int(time.time())  # verify_wsgi_request checks against the time of receipt: now
    environ = environ_for(body, slack_headers(body, now), content_type="application/x-www-form-urlencoded")
    names = set(_wsgi_headers(environ))
    assert {"X-Slack-Signature", "X-Slack-Request-Timestamp", "Content-Type", "Content-Length", "Host"} <= names, names
    result = verify_wsgi_request(code, environ, client=hooks)
    assert result.valid and result.timestamp == now, result
    stale = environ_for(body, slack_headers(body, now - 3600), content_type="application/x-www-form-urlencoded")
    assert verify_wsgi_request(code, stale, client=hooks).reason == "timestamp_out_of_tolerance"


def readme_block(marker: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    found = [block for block in blocks if marker in block]
    assert len(found) == 1, "README.md has one python block with %r" % marker
    return found[0]


def test_the_readme_decorator_answers_401_to_a_refused_request(rpc: HookRPC, hooks: WebHooks) -> None:
    namespace: Dict[str, Any] = {}
    exec(compile(readme_block("def verified("), str(README), "exec"), namespace)  # noqa: S102 - our own README
    code = register(rpc, "DECORATED", "github", GITHUB_SECRET)
    seen: List[bytes] = []

    def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        seen.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        assert environ["hookrpc.verification"].valid
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    wrapped = namespace["verified"](code, hooks)(app)
    statuses: List[str] = []

    def start_response(status: str, headers: List[Tuple[str, str]]) -> None:
        statuses.append(status)

    assert wrapped(environ_for(BODY, github_headers(BODY)), start_response) == [b"ok"]
    assert wrapped(environ_for(BODY, github_headers(BODY + b"x")), start_response) == [b"invalid signature\n"]
    down = namespace["verified"](code, WebHooks("/tmp/hookd-no-such-dir/hookd.sock", timeout=1.0))(app)
    down(environ_for(BODY, github_headers(BODY)), start_response)
    assert statuses == ["200 OK", "401 Unauthorized", "503 Service Unavailable"]
    assert seen == [BODY], "the app ran once, for the valid request, and read the whole body"


def test_no_secret_reaches_hookds_log(inbound_hookd: Daemon, rpc: HookRPC, hooks: WebHooks) -> None:
    code = register(rpc, "NO_LEAK", "stripe", STRIPE_SECRET, STRIPE_PREVIOUS, "2099-01-01T00:00:00Z")
    hooks.verify(code, {"Stripe-Signature": stripe_header([STRIPE_PREVIOUS], BODY)}, BODY, received_at=T)
    hooks.verify(code, {"Stripe-Signature": "t=1,v1=00"}, BODY)
    log = inbound_hookd.log()
    assert log, "hookd's log must exist and be read"
    leaked = [n for n, secret in enumerate(ALL_SECRETS) if secret in log]
    assert leaked == [], "secret number(s) %s appear in hookd's log" % leaked
