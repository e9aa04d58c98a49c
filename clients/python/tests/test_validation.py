"""Credential validation: HookRPC.validate_one / validate_all / check_source and ObjHook.validate_credentials.

Runs against the live session daemon from conftest.py. The webhooks' URLs point
at Tests/Fixtures/validation_endpoints.py (conftest's ``endpoints`` fixture),
started once for this module on private loopback ports. Its ``/status/{code}``
routes answer with the status in the path, ``/protected/{name}`` checks the
credential registered for ``name``, and its request log shows what hookd sent.

Every webhook uses the ``database`` source, so the daemon needs no extra
environment. ``validate_all`` is always given ``codes``: the session daemon
also holds other tests' webhooks, whose URLs are not reachable.
"""

from __future__ import annotations

import base64
import json
import socket
import time
from typing import Any, Dict, Optional

import pytest

from hookrpc import HookRPC, HookRPCError, ObjHook
from hookrpc.objhook import WebhookNotReadError

from conftest import Endpoints

#: Secrets handed to hookd (source "database"); no result may contain any of them.
TOKEN = "tok_test_123"
BASIC_PASSWORD = "pw_validate_basic_5e1d"
HEADER_KEY = "ak_validate_header_8b2c"
QUERY_KEY = "ak_validate_query_3f9a"
SECRETS = [TOKEN, BASIC_PASSWORD, HEADER_KEY, QUERY_KEY,
           base64.b64encode(("validator:" + BASIC_PASSWORD).encode()).decode()]

STATUSES = ("VALID", "INVALID", "UNTESTED", "ERROR")


def _register(client: HookRPC, code: str, url: Optional[str], auth_type: str = "bearer",
              value: Optional[str] = TOKEN, **fields: Any) -> Dict[str, Any]:
    """Register ``code`` (OUT) with a ``database`` credential holding ``value``.

    The endpoint fixture speaks plain HTTP, so a webhook on it must allow the credential
    over http:// (``allow_insecure_http``) unless the test says otherwise.
    """
    if url is not None and url.startswith("http://"):
        fields.setdefault("allow_insecure_http", True)
    credential: Dict[str, Any] = {"source": "database"}
    if value is not None:
        credential["value"] = value
    return client.webhook_upsert(code=code, url=url, auth_type=auth_type, credential=credential, **fields)


def _assert_no_secret(result: Any) -> None:
    text = json.dumps(result)
    for secret in SECRETS:
        assert secret not in text, "result leaks %r: %s" % (secret, text)


def _assert_result_shape(result: Dict[str, Any], code: str) -> None:
    assert result["code"] == code and result["direction"] == "OUT"
    assert result["status"] in STATUSES
    assert isinstance(result["message"], str)
    details = result["details"]
    assert isinstance(details["checked_at"], str) and details["checked_at"]
    _assert_no_secret(result)


def _closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ validate.one

def test_valid_for_200_with_head_and_full_details(client: HookRPC, ep: Endpoints) -> None:
    url = ep.url("/status/200")
    _register(client, "VAL_OK", url)
    result = client.validate_one("VAL_OK")
    _assert_result_shape(result, "VAL_OK")
    assert result["status"] == "VALID"
    details = result["details"]
    assert details["url"] == url and details["method"] == "HEAD"
    assert details["status_code"] == 200
    assert isinstance(details["latency_ms"], (int, float)) and details["latency_ms"] >= 0
    assert details["credential_source"] == "database" and details["auth_type"] == "bearer"
    assert "tls_expires_in_days" not in details or details["tls_expires_in_days"] is None
    assert ep.requests() == [{"method": "HEAD", "path": "/status/200", "listener": "http"}]


def test_invalid_for_401(client: HookRPC, ep: Endpoints) -> None:
    _register(client, "VAL_DENIED", ep.url("/status/401"))
    result = client.validate_one("VAL_DENIED", "OUT")
    _assert_result_shape(result, "VAL_DENIED")
    assert result["status"] == "INVALID"
    assert result["details"]["status_code"] == 401


def test_a_credential_is_not_sent_over_plain_http_unless_the_webhook_allows_it(client: HookRPC, ep: Endpoints) -> None:
    _register(client, "VAL_CLEAR", ep.url("/status/200"), allow_insecure_http=False)
    assert client.webhook_get("VAL_CLEAR")["allow_insecure_http"] is False
    result = client.validate_one("VAL_CLEAR", "OUT")
    assert result["status"] == "ERROR"
    assert result["reason"] == "insecure_http"
    assert ep.requests() == [], "nothing was sent"
    _assert_no_secret(result)


@pytest.mark.parametrize("code,expected", [
    (204, "VALID"), (301, "VALID"), (418, "VALID"), (400, "VALID"),
    (403, "INVALID"), (404, "INVALID"), (410, "INVALID"),
    (429, "ERROR"), (500, "ERROR"), (503, "ERROR"),
])
def test_status_mapping(client: HookRPC, ep: Endpoints, code: int, expected: str) -> None:
    webhook = "VAL_STATUS_%d" % code
    _register(client, webhook, ep.url("/status/%d" % code))
    result = client.validate_one(webhook)
    _assert_result_shape(result, webhook)
    assert result["status"] == expected, result
    if not 300 <= code < 400:  # a redirect may be followed; its target answers 200
        assert result["details"]["status_code"] == code


def test_head_refused_with_405_is_retried_as_get(client: HookRPC, ep: Endpoints) -> None:
    _register(client, "VAL_NO_HEAD", ep.url("/head-not-allowed"))
    result = client.validate_one("VAL_NO_HEAD")
    assert result["status"] == "VALID" and result["details"]["status_code"] == 200
    assert ep.requests() == [{"method": "HEAD", "path": "/head-not-allowed", "listener": "http"},
                             {"method": "GET", "path": "/head-not-allowed", "listener": "http"}]


# (name, webhook auth_type, database value, what the endpoint expects, the same kind with another value)
APPLIED = [
    ("bearer", "bearer", TOKEN, {"bearer": TOKEN}, {"bearer": "other"}),
    ("basic", "basic", json.dumps({"username": "validator", "password": BASIC_PASSWORD}),
     {"basic": {"username": "validator", "password": BASIC_PASSWORD}},
     {"basic": {"username": "validator", "password": "other"}}),
    ("header", "api_key", json.dumps({"name": "X-Api-Key", "value": HEADER_KEY, "in": "header"}),
     {"header": {"name": "X-Api-Key", "value": HEADER_KEY}}, {"header": {"name": "X-Api-Key", "value": "other"}}),
    ("query", "api_key", json.dumps({"name": "api_key", "value": QUERY_KEY, "in": "query"}),
     {"query": {"name": "api_key", "value": QUERY_KEY}}, {"query": {"name": "api_key", "value": "other"}}),
]


@pytest.mark.parametrize("name,auth_type,value,right,wrong", APPLIED, ids=[a[0] for a in APPLIED])
def test_credential_is_applied_to_the_request(client: HookRPC, ep: Endpoints, name: str, auth_type: str,
                                              value: str, right: Dict[str, Any], wrong: Dict[str, Any]) -> None:
    webhook = "VAL_APPLY_" + name.upper()
    path = "/protected/apply-" + name
    _register(client, webhook, ep.url(path), auth_type=auth_type, value=value)
    ep.expect("apply-" + name, right)
    result = client.validate_one(webhook)
    _assert_result_shape(result, webhook)
    assert result["status"] == "VALID", result
    assert result["details"]["auth_type"] == auth_type and result["details"]["status_code"] == 200
    # The endpoint now wants another value of the same kind: 403, so the credential is INVALID.
    ep.expect("apply-" + name, wrong)
    result = client.validate_one(webhook)
    _assert_result_shape(result, webhook)
    assert result["status"] == "INVALID" and result["details"]["status_code"] == 403
    assert {r["path"] for r in ep.requests()} == {path}


def test_service_webhook_is_untested_and_not_requested(client: HookRPC, ep: Endpoints) -> None:
    _register(client, "VAL_SERVICE", None, type="SERVICE")
    result = client.validate_one("VAL_SERVICE")
    assert result["code"] == "VAL_SERVICE" and result["status"] == "UNTESTED"
    assert isinstance(result["message"], str) and result["message"]
    _assert_no_secret(result)
    assert ep.requests() == []


def test_timeout_is_an_error(client: HookRPC, ep: Endpoints) -> None:
    _register(client, "VAL_HANG", ep.url("/hang"), timeout_seconds=1)
    started = time.monotonic()
    result = client.validate_one("VAL_HANG")
    assert result["status"] == "ERROR", result
    assert time.monotonic() - started < 8.0
    _assert_no_secret(result)


def test_connection_refused_is_an_error(client: HookRPC) -> None:
    _register(client, "VAL_REFUSED", "http://127.0.0.1:%d/status/200" % _closed_port(), timeout_seconds=2)
    result = client.validate_one("VAL_REFUSED")
    assert result["status"] == "ERROR", result
    _assert_no_secret(result)


def test_untrusted_tls_certificate_is_an_error(client: HookRPC, ep: Endpoints) -> None:
    # hookd does not trust the fixture's self-signed certificate: the handshake fails.
    _register(client, "VAL_TLS_UNTRUSTED", ep.tls_url("/status/200"), timeout_seconds=2)
    result = client.validate_one("VAL_TLS_UNTRUSTED")
    assert result["status"] == "ERROR", result
    assert ep.requests() == []  # no request got through the handshake
    _assert_no_secret(result)


def test_validate_one_unknown_code_is_not_found(client: HookRPC) -> None:
    with pytest.raises(HookRPCError) as info:
        client.validate_one("VAL_NO_SUCH_WEBHOOK")
    assert info.value.code == -32002


def test_validate_one_with_its_own_timeout(client: HookRPC, ep: Endpoints) -> None:
    _register(client, "VAL_OK", ep.url("/status/200"))
    assert client.validate_one("VAL_OK", timeout=60.0)["status"] == "VALID"
    assert client.validate_one("VAL_OK")["status"] == "VALID"  # the client's own connection still works


# ------------------------------------------------------------------ validate.all

def test_validate_all_summary_counts(client: HookRPC, ep: Endpoints) -> None:
    _register(client, "VAL_ALL_OK", ep.url("/status/200"))
    _register(client, "VAL_ALL_DENIED", ep.url("/status/403"))
    _register(client, "VAL_ALL_SERVICE", None, type="SERVICE")
    _register(client, "VAL_ALL_BROKEN", ep.url("/status/500"))
    codes = ["VAL_ALL_OK", "VAL_ALL_DENIED", "VAL_ALL_SERVICE", "VAL_ALL_BROKEN"]
    result = client.validate_all(direction="OUT", codes=codes, concurrency=2, timeout=60.0)
    assert result["summary"] == {"valid": 1, "invalid": 1, "untested": 1, "errors": 1, "total": 4}
    by_code = {r["code"]: r["status"] for r in result["results"]}
    assert by_code == {"VAL_ALL_OK": "VALID", "VAL_ALL_DENIED": "INVALID",
                       "VAL_ALL_SERVICE": "UNTESTED", "VAL_ALL_BROKEN": "ERROR"}
    assert all(r["direction"] == "OUT" for r in result["results"])
    assert isinstance(result["duration_ms"], (int, float)) and result["duration_ms"] >= 0
    _assert_no_secret(result)


def test_validate_all_defaults_and_only_the_codes_given(client: HookRPC, ep: Endpoints) -> None:
    _register(client, "VAL_ALL_OK", ep.url("/status/200"))
    result = client.validate_all(codes=["VAL_ALL_OK"])
    assert [r["code"] for r in result["results"]] == ["VAL_ALL_OK"]
    assert result["summary"]["total"] == 1 and result["summary"]["valid"] == 1
    assert ep.requests() == [{"method": "HEAD", "path": "/status/200", "listener": "http"}]


def test_validate_all_runs_checks_concurrently(client: HookRPC, ep: Endpoints) -> None:
    codes = ["VAL_SLOW_%d" % i for i in range(8)]
    for code in codes:
        _register(client, code, ep.url("/delay/500"))
    started = time.monotonic()
    result = client.validate_all(codes=codes, concurrency=8, timeout=60.0)
    elapsed = time.monotonic() - started
    assert result["summary"]["valid"] == 8 and result["summary"]["total"] == 8
    assert elapsed < 2.5, "8 checks of 0.5 s at concurrency 8 took %.2f s" % elapsed


@pytest.mark.parametrize("concurrency", [0, 65])
def test_validate_all_concurrency_out_of_range_is_invalid_params(client: HookRPC, concurrency: int) -> None:
    with pytest.raises(HookRPCError) as info:
        client.validate_all(codes=["VAL_ALL_OK"], concurrency=concurrency)
    assert info.value.code == -32602
    assert info.value.data["parameter"] == "concurrency"


def test_validate_all_codes_must_not_be_a_string() -> None:
    # Refused before anything is sent: the socket does not even have to exist.
    with pytest.raises(TypeError):
        HookRPC("/nonexistent/hookd.sock").validate_all(codes="VAL_ALL_OK")


# ------------------------------------------------------------------ check_source

def test_check_source_of_a_database_credential(client: HookRPC, ep: Endpoints) -> None:
    _register(client, "VAL_SOURCE_DB", ep.url("/status/200"))
    result = client.check_source("VAL_SOURCE_DB")
    assert result["code"] == "VAL_SOURCE_DB" and result["direction"] == "OUT"
    assert result["source"] == "database" and result["ref"] is None
    assert result["uses_database"] is True and result["exists"] is True
    assert isinstance(result["cached"], bool) and "error" not in result
    _assert_no_secret(result)


def test_check_source_unknown_code_is_not_found(client: HookRPC) -> None:
    with pytest.raises(HookRPCError) as info:
        client.check_source("VAL_NO_SUCH_WEBHOOK", "IN")
    assert info.value.code == -32002


# ------------------------------------------------------------------ ObjHook

def test_objhook_validate_credentials(client: HookRPC, ep: Endpoints) -> None:
    hook = ObjHook(client)
    with pytest.raises(WebhookNotReadError):
        hook.validate_credentials()
    _register(client, "VAL_OBJHOOK", ep.url("/status/401"))
    assert hook.read("VAL_OBJHOOK") is True
    result = hook.validate_credentials()
    _assert_result_shape(result, "VAL_OBJHOOK")
    assert result["status"] == "INVALID"
    client.webhook_delete("VAL_OBJHOOK")
    with pytest.raises(HookRPCError) as info:
        hook.validate_credentials()
    assert info.value.code == -32002
