"""Outbound signing, checked by independent code: hookd delivers to a receiver in this module,
which verifies every signature with Python's ``hmac``/``hashlib``/``base64`` following each
provider's published algorithm (Standard Webhooks, Stripe, GitHub, Slack, Shopify), also during a
secret rotation (``previous_secret`` + ``previous_expires_at`` in the webhook's hmac credential).

The module starts its own hookd, whose environment holds the hmac credentials, and stops it by pid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from conftest import Daemon, run_hookd
from hookrpc import HookRPC, HookRPCError

# Fake secrets (never real keys). Standard Webhooks secrets are base64 after ``whsec_``.
SW_CURRENT = "whsec_" + base64.b64encode(b"fake-standard-webhooks-current-01").decode()
SW_PREVIOUS = "whsec_" + base64.b64encode(b"fake-standard-webhooks-previous-2").decode()
STRIPE_CURRENT, STRIPE_PREVIOUS = "whsec_fake_stripe_current_4a1b", "whsec_fake_stripe_previous_9c2d"
# Slack signing secrets are 32 hex digits (hookd checks the form its provider issues).
GITHUB_SECRET, SLACK_SECRET, SHOPIFY_SECRET = "fake_github_secret_77", "00112233445566778899aabbccddeeff", "fake_shopify_secret_99"
FUTURE, PAST = "2099-01-01T00:00:00Z", "2001-01-01T00:00:00Z"


def credential(scheme: str, secret: str, previous: str = "", expires: Any = None) -> str:
    value: Dict[str, Any] = {"secret": secret, "scheme": scheme}
    if previous:
        value.update(previous_secret=previous, previous_expires_at=expires)
    return json.dumps(value)


# code -> the hmac credential in hookd's environment (HOOKD_CRED_<CODE>_OUT)
CREDENTIALS = {
    "SIGN_SW": credential("standard_webhooks", SW_CURRENT),
    "SIGN_SW_ROTATING": credential("standard_webhooks", SW_CURRENT, SW_PREVIOUS, FUTURE),
    "SIGN_SW_EXPIRED": credential("standard_webhooks", SW_CURRENT, SW_PREVIOUS, PAST),
    "SIGN_STRIPE": credential("stripe", STRIPE_CURRENT),
    "SIGN_STRIPE_ROTATING": credential("stripe", STRIPE_CURRENT, STRIPE_PREVIOUS, 4_070_908_800),  # 2099, as seconds
    "SIGN_GITHUB": credential("github", GITHUB_SECRET),
    "SIGN_SLACK": credential("slack", SLACK_SECRET),
    "SIGN_SHOPIFY": credential("shopify", SHOPIFY_SECRET),
    "SIGN_NO_LEAK": credential("standard_webhooks", SW_CURRENT, SW_PREVIOUS, FUTURE),
}
# Webhooks with bearer auth that also sign, with a `signing` secret of their own.
BEARER_TOKEN = "tok_fake_signing_bearer_61"
GENERIC_SECRET = "fake_generic_signing_secret_5"
SIGNING_ENV = {
    "HOOKD_CRED_BEARER_SW_OUT": BEARER_TOKEN,
    "HOOKD_CRED_BEARER_GENERIC_OUT": BEARER_TOKEN,
    "HOOKD_CRED_SIGNING_BEARER_SW": credential("standard_webhooks", SW_CURRENT, SW_PREVIOUS, FUTURE),
    "HOOKD_CRED_SIGNING_BEARER_GENERIC": GENERIC_SECRET,  # a plain string is the secret itself
}


class Receiver:
    """A loopback HTTP receiver that records each request's headers (lower-cased) and body."""

    def __init__(self) -> None:
        self.requests: List[Tuple[str, Dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return "http://127.0.0.1:%d%s" % (self.server.server_address[1], path)

    def only(self, path: str) -> Tuple[Dict[str, str], bytes]:
        with self.lock:
            found = [(headers, body) for (p, headers, body) in self.requests if p == path]
        assert len(found) == 1, (path, len(found))
        return found[0]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def signing_hookd(request: pytest.FixtureRequest) -> Iterator[Daemon]:
    environment = {"HOOKD_CRED_%s_OUT" % code: value for code, value in CREDENTIALS.items()}
    environment.update(SIGNING_ENV)
    yield from run_hookd(request, environment)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.stop()


def deliver(daemon: Daemon, receiver: Receiver, code: str, **definition: Any) -> Tuple[str, Dict[str, str], bytes]:
    """Registers ``code`` (hmac, env credential, unless ``definition`` says otherwise) pointing at
    the receiver, delivers, waits for it."""
    fields: Dict[str, Any] = dict(auth_type="hmac", credential={"source": "env"}, timeout_seconds=5)
    fields.update(definition)
    with HookRPC(daemon.socket_path, timeout=30.0) as rpc:
        rpc.webhook_upsert(code=code, url=receiver.url("/" + code.lower()), **fields)
        result = rpc.webhook_deliver(code, {"event": "order.paid", "id": 42, "note": "caf\u00e9"}, wait="final")
    assert result["status"] == "delivered", result
    headers, body = receiver.only("/" + code.lower())
    assert headers["webhook-id"] == result["delivery_id"], "every delivery carries webhook-id = its delivery id"
    return result["delivery_id"], headers, body


def mac(key: bytes, message: bytes, encode: str) -> str:
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode() if encode == "base64" else digest.hex()


def standard_webhooks_signatures(secrets: List[str], msg_id: str, timestamp: str, body: bytes) -> List[str]:
    # https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
    return ["v1," + mac(base64.b64decode(s[len("whsec_"):]), ("%s.%s." % (msg_id, timestamp)).encode() + body, "base64")
            for s in secrets]


@pytest.mark.parametrize("code, secrets", [
    ("SIGN_SW", [SW_CURRENT]),
    ("SIGN_SW_ROTATING", [SW_CURRENT, SW_PREVIOUS]),  # both sign until previous_expires_at
    ("SIGN_SW_EXPIRED", [SW_CURRENT]),  # an expired previous secret no longer signs
])
def test_standard_webhooks(signing_hookd: Daemon, receiver: Receiver, code: str, secrets: List[str]) -> None:
    delivery_id, headers, body = deliver(signing_hookd, receiver, code)
    timestamp = headers["webhook-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    assert headers["webhook-signature"].split(" ") == standard_webhooks_signatures(secrets, delivery_id, timestamp, body)
    assert json.loads(body) == {"event": "order.paid", "id": 42, "note": "caf\u00e9"}


@pytest.mark.parametrize("code, secrets", [
    ("SIGN_STRIPE", [STRIPE_CURRENT]),
    ("SIGN_STRIPE_ROTATING", [STRIPE_CURRENT, STRIPE_PREVIOUS]),
])
def test_stripe(signing_hookd: Daemon, receiver: Receiver, code: str, secrets: List[str]) -> None:
    # https://docs.stripe.com/webhooks#verify-manually: t=<ts>,v1=<hex HMAC-SHA256("{t}.{body}")>, any v1 may match
    _, headers, body = deliver(signing_hookd, receiver, code)
    parts = [part.split("=", 1) for part in headers["stripe-signature"].split(",")]
    timestamp = [value for name, value in parts if name == "t"]
    assert len(timestamp) == 1 and abs(int(timestamp[0]) - time.time()) < 60
    assert [value for name, value in parts if name == "v1"] == [
        mac(s.encode(), ("%s." % timestamp[0]).encode() + body, "hex") for s in secrets]


def test_github(signing_hookd: Daemon, receiver: Receiver) -> None:
    # https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    _, headers, body = deliver(signing_hookd, receiver, "SIGN_GITHUB")
    assert headers["x-hub-signature-256"] == "sha256=" + mac(GITHUB_SECRET.encode(), body, "hex")


def test_slack(signing_hookd: Daemon, receiver: Receiver) -> None:
    # https://api.slack.com/authentication/verifying-requests-from-slack
    _, headers, body = deliver(signing_hookd, receiver, "SIGN_SLACK")
    timestamp = headers["x-slack-request-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    assert headers["x-slack-signature"] == "v0=" + mac(SLACK_SECRET.encode(), ("v0:%s:" % timestamp).encode() + body, "hex")


def test_shopify(signing_hookd: Daemon, receiver: Receiver) -> None:
    # https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
    _, headers, body = deliver(signing_hookd, receiver, "SIGN_SHOPIFY")
    assert headers["x-shopify-hmac-sha256"] == mac(SHOPIFY_SECRET.encode(), body, "base64")


def test_no_secret_in_the_request_or_hookds_log(signing_hookd: Daemon, receiver: Receiver) -> None:
    _, headers, body = deliver(signing_hookd, receiver, "SIGN_NO_LEAK")
    everything = json.dumps(headers) + body.decode()
    log = signing_hookd.log()
    assert log, "hookd's log must exist and be read"
    for secret in (SW_CURRENT, SW_PREVIOUS, SW_CURRENT[len("whsec_"):]):
        assert secret not in everything
        assert secret not in log


def test_bearer_auth_and_its_own_signing_secret_in_rotation(signing_hookd: Daemon, receiver: Receiver) -> None:
    signing = {"scheme": "standard_webhooks", "credential": {"source": "env", "ref": "HOOKD_CRED_SIGNING_BEARER_SW"}}
    delivery_id, headers, body = deliver(signing_hookd, receiver, "BEARER_SW", auth_type="bearer",
                                         allow_insecure_http=True, signing=signing)
    assert headers["authorization"] == "Bearer " + BEARER_TOKEN
    expected = standard_webhooks_signatures([SW_CURRENT, SW_PREVIOUS], delivery_id, headers["webhook-timestamp"], body)
    assert headers["webhook-signature"].split(" ") == expected
    with HookRPC(signing_hookd.socket_path, timeout=10.0) as rpc:
        shown = rpc.call("webhook.get", {"code": "BEARER_SW"})
    assert shown["signing"] == signing, "the definition names the signing secret and never holds it"


def test_generic_signing_from_the_definitions_settings(signing_hookd: Daemon, receiver: Receiver) -> None:
    signing = {"scheme": "generic", "credential": {"source": "env", "ref": "HOOKD_CRED_SIGNING_BEARER_GENERIC"},
               "generic": {"header": "X-Signature", "prefix": "sha256=", "timestamp_header": "X-Signature-Timestamp",
                           "id_header": "X-Message-Id", "signed_content": "{id}.{timestamp}.{body}"}}
    delivery_id, headers, body = deliver(signing_hookd, receiver, "BEARER_GENERIC", auth_type="bearer",
                                         allow_insecure_http=True, signing=signing)
    timestamp = headers["x-signature-timestamp"]
    assert headers["x-message-id"] == delivery_id
    message = ("%s.%s." % (delivery_id, timestamp)).encode() + body
    assert headers["x-signature"] == "sha256=" + mac(GENERIC_SECRET.encode(), message, "hex")


def test_a_signing_secret_the_policy_refuses_is_refused_at_upsert(signing_hookd: Daemon, receiver: Receiver) -> None:
    with HookRPC(signing_hookd.socket_path, timeout=10.0) as rpc:
        with pytest.raises(HookRPCError) as refused:
            rpc.webhook_upsert(code="BAD_SIGNING_REF", url=receiver.url("/bad"), auth_type="none",
                               signing={"scheme": "github", "credential": {"source": "env", "ref": "PATH"}})
    assert refused.value.code == -32602
    assert refused.value.data["parameter"] == "signing.credential.ref", refused.value.data
