"""ObjHook (the legacy-compatible shim) and the webhook/credential helpers of HookRPC.

Everything runs against the live ``hookd_creds`` daemon from conftest.py, whose
environment holds ``CRED_ENV`` (credentials for the ``env`` source). The
daemon is shared by the whole session, so each test registers the webhooks it
needs itself (upsert is idempotent) and uses codes no other test relies on
for cache state.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional

import pytest

import hookrpc.objhook
from hookrpc import HookRPC, HookRPCError, ObjHook
from hookrpc.objhook import CredentialSourceName, WebhookNotReadError, set_default_client

from conftest import CRED_ENV

if TYPE_CHECKING:
    from conftest import Daemon

URL = "https://hooks.example.test/in"

#: How long a test waits for hookd's writer thread to write a structured log line.
LOG_TIMEOUT_S = 5.0

#: Values stored with source "database" by these tests.
DB_SECRET_V1 = "db_secret_value_v1_c0ffee"
DB_SECRET_V2 = "db_secret_value_v2_decade"
DB_BASIC_PASSWORD = "db_basic_pw_feed"


def _secret_strings() -> List[str]:
    """Every secret these tests hand to hookd (the env values' secret fields, the database values)."""
    secrets = [DB_SECRET_V1, DB_SECRET_V2, DB_BASIC_PASSWORD]
    for value in CRED_ENV.values():
        if value.startswith("{"):
            parsed = json.loads(value)
            secrets.extend(parsed[k] for k in ("password", "value", "token", "secret") if k in parsed)
        else:
            secrets.append(value)
    return secrets


def _env_webhook(client: HookRPC, code: str, auth_type: str = "bearer", direction: str = "OUT",
                 **fields: Any) -> Dict[str, Any]:
    """Register ``code`` with its credential in hookd's environment (default ref)."""
    fields.setdefault("url", URL)
    fields.setdefault("credential", {"source": "env"})
    return client.webhook_upsert(code=code, direction=direction, auth_type=auth_type, **fields)


@pytest.fixture
def hook(cred_client: HookRPC) -> ObjHook:
    return ObjHook(cred_client)


# ------------------------------------------------------------------ read()

def test_read_registered_webhook_sets_attributes(cred_client: HookRPC, hook: ObjHook) -> None:
    _env_webhook(cred_client, "STRIPE_PAYMENT", method="put", headers={"X-Trace": "objhook"},
                 timeout_seconds=5.5, description="Stripe payments", enabled=True)
    assert hook.read("STRIPE_PAYMENT") is True
    assert hook.loaded
    assert hook.code == "STRIPE_PAYMENT"
    assert hook.direction == "OUT"
    assert hook.type == "HTTP"
    assert hook.url == URL
    assert hook.method == "PUT"
    assert hook.auth_type == "bearer"
    assert hook.headers == {"X-Trace": "objhook"}
    assert hook.timeout_seconds == 5.5
    assert hook.enabled is True
    assert hook.description == "Stripe payments"
    assert hook.credential_source == "env"
    assert isinstance(hook.credential_source, str)
    assert hook.credential_ref == "HOOKD_CRED_STRIPE_PAYMENT_OUT"
    assert hook.created_at and hook.updated_at
    snapshot = hook.as_dict()
    assert snapshot["code"] == "STRIPE_PAYMENT" and snapshot["credential"]["source"] == "env"
    assert "STRIPE_PAYMENT" in repr(hook)


def test_read_unknown_code_returns_false_and_empties_the_object(cred_client: HookRPC, hook: ObjHook) -> None:
    assert hook.read("NO_SUCH_WEBHOOK_XYZ") is False
    assert not hook.loaded
    assert hook.code is None and hook.url is None and hook.credential_source == ""
    # A failed read after a successful one forgets the earlier webhook too.
    _env_webhook(cred_client, "STRIPE_PAYMENT")
    assert hook.read("STRIPE_PAYMENT") is True
    assert hook.read("NO_SUCH_WEBHOOK_XYZ") is False
    assert not hook.loaded
    assert hook.code is None and hook.auth_type is None and hook.headers == {}
    assert not hook.credential_source and hook.credential_ref is None
    assert hook.direction == "OUT"
    assert hook.as_dict() == {}


def test_read_malformed_code_raises_invalid_params(hook: ObjHook) -> None:
    with pytest.raises(HookRPCError) as info:
        hook.read("not-a-valid-code")
    assert info.value.code == -32602
    assert info.value.data["parameter"] == "code"


def test_read_honours_direction(cred_client: HookRPC) -> None:
    _env_webhook(cred_client, "PLAIN_APIKEY", auth_type="api_key", direction="IN", type="SERVICE", url=None)
    cred_client.webhook_delete("PLAIN_APIKEY", "OUT")
    assert ObjHook(cred_client).read("PLAIN_APIKEY") is False
    inbound = ObjHook(cred_client, direction="IN")
    assert inbound.read("PLAIN_APIKEY") is True
    assert inbound.direction == "IN" and inbound.type == "SERVICE" and inbound.url is None
    explicit = ObjHook(cred_client)
    assert explicit.read("PLAIN_APIKEY", "IN") is True
    assert explicit.direction == "IN"
    with pytest.raises(ValueError):
        ObjHook(cred_client, direction="out")
    with pytest.raises(ValueError):
        explicit.read("PLAIN_APIKEY", "SIDEWAYS")


# ------------------------------------------------------------------ credentials

CREDENTIAL_CASES = [
    pytest.param("STRIPE_PAYMENT", "OUT", "bearer", {"token": "sk_test_xxx_bearer_5f1c"}, id="bearer-env-plain"),
    pytest.param("PARTNER_BASIC", "OUT", "basic", {"username": "partner", "password": "pw_basic_9d2e"},
                 id="basic-env-json"),
    pytest.param("PARTNER_APIKEY", "OUT", "api_key",
                 {"name": "X-Partner-Key", "value": "ak_value_77b3", "in": "query"}, id="api_key-env-json"),
    pytest.param("PLAIN_APIKEY", "IN", "api_key", {"name": "X-Api-Key", "value": "ak_plain_in_41aa", "in": "header"},
                 id="api_key-env-plain-defaults"),
]


@pytest.mark.parametrize("code, direction, auth_type, expected", CREDENTIAL_CASES)
def test_env_credential_dict(cred_client: HookRPC, code: str, direction: str, auth_type: str,
                             expected: Dict[str, Any]) -> None:
    _env_webhook(cred_client, code, auth_type=auth_type, direction=direction)
    hook = ObjHook(cred_client, direction=direction)
    assert hook.read(code)
    assert hook._get_webhook_credential_cached() == expected
    assert hook._get_webhook_credential() == expected
    info = hook.get_credential_info()
    assert info["code"] == code and info["direction"] == direction
    assert info["auth_type"] == auth_type and info["source"] == "env"
    assert info["credential"] == expected


@pytest.mark.parametrize("auth_type, value, expected", [
    pytest.param("bearer", DB_SECRET_V1, {"token": DB_SECRET_V1}, id="bearer"),
    pytest.param("basic", json.dumps({"username": "dbuser", "password": DB_BASIC_PASSWORD}),
                 {"username": "dbuser", "password": DB_BASIC_PASSWORD}, id="basic"),
    pytest.param("api_key", DB_SECRET_V2, {"name": "X-Api-Key", "value": DB_SECRET_V2, "in": "header"},
                 id="api_key"),
])
def test_database_credential_dict(cred_client: HookRPC, auth_type: str, value: str,
                                  expected: Dict[str, Any]) -> None:
    code = f"DB_{auth_type.upper()}"
    webhook = cred_client.webhook_upsert(code=code, url=URL, auth_type=auth_type,
                                         credential={"source": "database", "value": value})
    assert webhook["credential"] == {"source": "database", "ref": None}
    hook = ObjHook(cred_client)
    assert hook.read(code)
    assert hook.credential_source == "database" and hook.credential_ref is None
    assert hook._get_webhook_credential() == expected
    assert hook.get_credential_info()["source"] == "database"


def test_second_call_is_a_memory_cache_hit(cred_client: HookRPC, hook: ObjHook) -> None:
    _env_webhook(cred_client, "CACHE_A")  # upsert also drops any cached credential
    assert hook.read("CACHE_A", warm=False)
    assert hook.credential_cache is None and hook.credential_source()["cached"] is False
    first = hook.get_credential_info()
    assert first["cache"]["hit"] is False and first["cache"]["tier"] is None
    assert first["cache"]["ttl_s"] > 0
    second = hook.get_credential_info()
    assert second["cache"]["hit"] is True and second["cache"]["tier"] == "memory"
    assert second["credential"] == first["credential"] == {"token": "tok_cache_a_0001"}
    # The "uncached" legacy name is identical: hookd's cache answers it as well.
    assert hook._get_webhook_credential() == {"token": "tok_cache_a_0001"}
    assert hook.credential_source()["cached"] is True


def test_read_warms_the_credential_so_the_first_call_is_a_memory_hit(cred_client: HookRPC, hook: ObjHook) -> None:
    _env_webhook(cred_client, "CACHE_A")  # upsert also drops any cached credential
    assert cred_client.credential_source("CACHE_A")["cached"] is False
    assert hook.read("CACHE_A") is True
    # Fetched from the source by the read (tier None), cached for the default 300 s; no secret in it.
    assert hook.credential_cache is not None
    assert hook.credential_cache["cached"] is True and hook.credential_cache["tier"] is None
    assert 290 < hook.credential_cache["ttl_s"] <= 300
    assert hook.credential_cache_error is None
    assert "tok_cache_a_0001" not in json.dumps(hook.credential_cache)
    first = hook.get_credential_info()
    assert first["cache"]["hit"] is True and first["cache"]["tier"] == "memory"
    assert first["credential"] == {"token": "tok_cache_a_0001"}
    # A second read finds it in memory.
    assert hook.read("CACHE_A") is True
    assert hook.credential_cache is not None and hook.credential_cache["tier"] == "memory"


def test_read_keeps_a_webhook_whose_credential_cannot_be_warmed(
        cred_client: HookRPC, hook: ObjHook, caplog: pytest.LogCaptureFixture) -> None:
    _env_webhook(cred_client, "NOT_IN_ENV")
    with caplog.at_level("WARNING", logger="hookrpc.objhook"):
        assert hook.read("NOT_IN_ENV") is True
    assert hook.loaded and hook.code == "NOT_IN_ENV"
    assert hook.credential_cache is None
    error = hook.credential_cache_error
    assert isinstance(error, HookRPCError) and error.code == -32005 and error.kind == "credential_unavailable"
    warnings = [r for r in caplog.records if r.name == "hookrpc.objhook" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "NOT_IN_ENV/OUT" in warnings[0].getMessage()
    # The next successful read forgets the error.
    _env_webhook(cred_client, "CACHE_C")
    assert hook.read("CACHE_C") is True
    assert hook.credential_cache_error is None and hook.credential_cache is not None


def test_invalidate_then_next_get_is_a_miss(cred_client: HookRPC, hook: ObjHook) -> None:
    _env_webhook(cred_client, "CACHE_B")
    assert hook.read("CACHE_B")
    hook._get_webhook_credential_cached()
    assert hook.get_credential_info()["cache"]["hit"] is True
    assert hook.invalidate_webhook_credential_cache() == 1
    assert hook.credential_source()["cached"] is False
    after = hook.get_credential_info()
    assert after["cache"]["hit"] is False
    assert after["credential"] == {"token": "tok_cache_b_0002"}
    assert hook.get_credential_info()["cache"]["hit"] is True


def test_invalidate_without_read_invalidates_all(cred_client: HookRPC) -> None:
    codes = ["CACHE_A", "CACHE_C", "STRIPE_PAYMENT"]
    for code in codes:
        _env_webhook(cred_client, code)
        cred_client.credential_get(code)
        assert cred_client.credential_get(code)["cache"]["hit"] is True
    assert ObjHook(cred_client).invalidate_webhook_credential_cache() >= len(codes)
    for code in codes:
        assert cred_client.credential_source(code)["cached"] is False
        assert cred_client.credential_get(code)["cache"]["hit"] is False
    # After a read that found nothing, the object is empty again: all, too.
    empty = ObjHook(cred_client)
    assert empty.read("NO_SUCH_WEBHOOK_XYZ") is False
    assert empty.invalidate_webhook_credential_cache() >= len(codes)
    assert cred_client.credential_get("CACHE_C")["cache"]["hit"] is False


def test_credential_calls_before_read_raise(hook: ObjHook) -> None:
    for method in (hook._get_webhook_credential, hook._get_webhook_credential_cached,
                   hook.get_credential_info, hook.get_credential_source, hook.credential_source):
        with pytest.raises(WebhookNotReadError, match="read"):
            method()


def test_credential_source(cred_client: HookRPC, hook: ObjHook) -> None:
    _env_webhook(cred_client, "STRIPE_PAYMENT")
    assert hook.read("STRIPE_PAYMENT")
    assert isinstance(hook.credential_source, CredentialSourceName)
    result = hook.credential_source()
    assert result == hook.get_credential_source()
    assert result["code"] == "STRIPE_PAYMENT" and result["direction"] == "OUT"
    assert result["source"] == "env" and result["ref"] == "HOOKD_CRED_STRIPE_PAYMENT_OUT"
    assert result["exists"] is True and result["uses_database"] is False
    assert "error" not in result
    # The attribute still behaves as the plain name.
    assert f"{hook.credential_source}" == "env" and json.dumps(hook.credential_source) == '"env"'
    assert {hook.credential_source: 1} == {"env": 1}


def test_credential_with_explicit_ref(cred_client: HookRPC, hook: ObjHook) -> None:
    _env_webhook(cred_client, "CUSTOM_REF", credential={"source": "env", "ref": "HOOKD_CRED_CUSTOM_SECRET"})
    assert hook.read("CUSTOM_REF")
    assert hook.credential_ref == "HOOKD_CRED_CUSTOM_SECRET"
    assert hook._get_webhook_credential() == {"token": "tok_custom_ref_0005"}


def test_missing_env_credential(cred_client: HookRPC, hook: ObjHook) -> None:
    _env_webhook(cred_client, "NOT_IN_ENV")
    assert hook.read("NOT_IN_ENV")
    source = hook.credential_source()
    assert source["exists"] is False and source["ref"] == "HOOKD_CRED_NOT_IN_ENV_OUT"
    with pytest.raises(HookRPCError) as info:
        hook._get_webhook_credential()
    assert info.value.code == -32005 and info.value.kind == "credential_unavailable"


# ------------------------------------------------------------------ upsert / client helpers

def test_upsert_via_client_then_objhook_sees_it(cred_client: HookRPC) -> None:
    cred_client.webhook_upsert(code="DB_ROTATE", url=URL, auth_type="bearer",
                               credential={"source": "database", "value": DB_SECRET_V1})
    hook = ObjHook(cred_client)
    assert hook.read("DB_ROTATE")
    assert hook.url == URL
    assert hook._get_webhook_credential() == {"token": DB_SECRET_V1}
    source = hook.credential_source()
    assert source["uses_database"] is True and source["exists"] is True and source["ref"] is None

    new_url = URL + "/v2"
    cred_client.webhook_upsert(code="DB_ROTATE", url=new_url, auth_type="bearer", enabled=False,
                               credential={"source": "database", "value": DB_SECRET_V2})
    assert hook.url == URL  # attributes are a snapshot until the next read
    assert hook.read("DB_ROTATE")
    assert hook.url == new_url and hook.enabled is False
    # The upsert dropped the old cached value: the read fetched the new one from its source.
    assert hook.credential_cache is not None and hook.credential_cache["tier"] is None
    info = hook.get_credential_info()
    assert info["credential"] == {"token": DB_SECRET_V2}
    assert info["cache"]["hit"] is True


def test_webhook_results_never_contain_secrets(cred_client: HookRPC) -> None:
    for case in CREDENTIAL_CASES:
        code, direction, auth_type, _ = case.values
        assert isinstance(code, str) and isinstance(direction, str) and isinstance(auth_type, str)
        _env_webhook(cred_client, code, auth_type=auth_type, direction=direction)
        cred_client.credential_get(code, direction)  # the secret is now cached in hookd
    texts = [json.dumps(cred_client.webhook_upsert(
        code="DB_SECRETS", url=URL, auth_type="basic",
        credential={"source": "database", "value": json.dumps({"username": "u", "password": DB_BASIC_PASSWORD})}))]
    cred_client.credential_get("DB_SECRETS")
    texts.append(json.dumps(cred_client.webhook_list()))
    texts.append(json.dumps(cred_client.webhook_list("IN")))
    for webhook in cred_client.webhook_list():
        texts.append(json.dumps(cred_client.webhook_get(webhook["code"], webhook["direction"])))
        hook = ObjHook(cred_client, direction=webhook["direction"])
        assert hook.read(webhook["code"])
        texts.append(json.dumps(hook.as_dict()))
        texts.append(repr(vars(hook)))
        texts.append(json.dumps(hook.credential_source()))
    listed = {(w["code"], w["direction"]) for w in cred_client.webhook_list()}
    assert {("DB_SECRETS", "OUT"), ("PLAIN_APIKEY", "IN"), ("STRIPE_PAYMENT", "OUT")} <= listed
    for secret in _secret_strings():
        for text in texts:
            assert secret not in text


@pytest.mark.parametrize("fields, parameter", [
    pytest.param({"code": "BAD_HOOK", "url": URL}, "auth_type", id="missing-auth_type"),
    pytest.param({"code": "BAD_HOOK", "url": URL, "auth_type": "magic"}, "auth_type", id="unknown-auth_type"),
    pytest.param({"code": "BAD_HOOK", "auth_type": "bearer"}, "url", id="http-without-url"),
    pytest.param({"code": "BAD_HOOK", "url": "ftp://x", "auth_type": "bearer"}, "url", id="url-scheme"),
    pytest.param({"code": "bad-hook", "url": URL, "auth_type": "bearer"}, "code", id="code"),
    pytest.param({"code": "BAD_HOOK", "url": URL, "auth_type": "bearer", "direction": "SIDEWAYS"},
                 "direction", id="direction"),
    pytest.param({"code": "BAD_HOOK", "url": URL, "auth_type": "bearer",
                  "credential": {"source": "env", "value": DB_SECRET_V1}}, "credential.value",
                 id="value-outside-database"),
    pytest.param({"code": "BAD_HOOK", "url": URL, "auth_type": "bearer", "credential": {"source": "vault"}},
                 "credential.source", id="credential-source"),
    pytest.param({"code": "BAD_HOOK", "url": URL, "auth_type": "bearer",
                  "headers": {"Authorization": "Bearer " + DB_SECRET_V1}}, "headers.Authorization",
                 id="secret-header"),
    pytest.param({"code": "BAD_HOOK", "url": URL, "auth_type": "bearer", "timeout_seconds": 0},
                 "timeout_seconds", id="timeout"),
    pytest.param({"code": "BAD_HOOK", "url": URL, "auth_type": "bearer", "enabled": "yes"},
                 "enabled", id="enabled"),
])
def test_bad_upsert_raises_invalid_params_naming_the_field(cred_client: HookRPC, fields: Dict[str, Any],
                                                           parameter: str) -> None:
    with pytest.raises(HookRPCError) as info:
        cred_client.webhook_upsert(**fields)
    error = info.value
    assert error.code == -32602 and error.kind == "invalid_params"
    assert error.data["parameter"] == parameter
    assert parameter in error.message
    assert DB_SECRET_V1 not in error.message and DB_SECRET_V1 not in json.dumps(error.data)
    assert ObjHook(cred_client).read("BAD_HOOK") is False


def test_client_helpers(cred_client: HookRPC) -> None:
    created = cred_client.webhook_upsert(code="HELPER_HOOK", direction="IN", type="SERVICE", auth_type="none",
                                         url=None, description=None)
    assert created["code"] == "HELPER_HOOK" and created["auth_type"] == "none"
    assert cred_client.webhook_get("HELPER_HOOK", "IN") == created
    assert ("HELPER_HOOK", "IN") in {(w["code"], w["direction"]) for w in cred_client.webhook_list("IN")}
    assert all(w["direction"] == "OUT" for w in cred_client.webhook_list("OUT"))
    assert cred_client.credential_get("HELPER_HOOK", "IN")["credential"] == {}
    assert cred_client.credential_source("HELPER_HOOK", "IN")["exists"] is True
    assert cred_client.credential_invalidate("HELPER_HOOK", "IN") == 1
    assert cred_client.credential_invalidate("HELPER_HOOK", "IN") == 0
    assert isinstance(cred_client.credential_invalidate(direction="IN"), int)
    assert cred_client.webhook_delete("HELPER_HOOK", "IN") is True
    assert cred_client.webhook_delete("HELPER_HOOK", "IN") is False
    calls: List[Callable[[str, str], Dict[str, Any]]] = [
        cred_client.webhook_get, cred_client.credential_get, cred_client.credential_source]
    for call in calls:
        with pytest.raises(HookRPCError) as info:
            call("HELPER_HOOK", "IN")
        assert info.value.code == -32002 and info.value.kind == "not_found"
    with pytest.raises(HookRPCError) as info:
        cred_client.credential_invalidate("bad code")
    assert info.value.code == -32602 and info.value.data["parameter"] == "code"


# ------------------------------------------------------------------ shared client, threads

@pytest.fixture
def fresh_default_client(hookd_creds: "Daemon", monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the module-level default client at the test daemon, restore it afterwards."""
    monkeypatch.setenv("HOOKD_SOCKET", hookd_creds.socket_path)
    old = set_default_client(None)
    try:
        yield
    finally:
        current = set_default_client(old)
        if current is not None:
            current.close()


def test_objhooks_without_client_share_one_default(cred_client: HookRPC, fresh_default_client: None) -> None:
    _env_webhook(cred_client, "THREADS")
    seen: List[Optional[HookRPC]] = [None] * 16
    barrier = threading.Barrier(len(seen))

    def make(i: int) -> None:
        barrier.wait()
        seen[i] = ObjHook().client

    threads = [threading.Thread(target=make, args=(i,)) for i in range(len(seen))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen[0] is not None and all(c is seen[0] for c in seen)
    assert seen[0] is hookrpc.objhook.get_default_client()
    assert seen[0].socket_path == cred_client.socket_path
    hook = ObjHook()
    assert hook.read("THREADS") and hook._get_webhook_credential() == {"token": "tok_threads_0004"}


def test_concurrent_use_from_threads(cred_client: HookRPC, fresh_default_client: None) -> None:
    _env_webhook(cred_client, "THREADS")
    _env_webhook(cred_client, "STRIPE_PAYMENT")
    expected = {"THREADS": "tok_threads_0004", "STRIPE_PAYMENT": "sk_test_xxx_bearer_5f1c"}
    shared = ObjHook()
    assert shared.read("THREADS")
    errors: List[BaseException] = []

    def work(i: int) -> None:
        try:
            for n in range(15):
                code = "THREADS" if (i + n) % 2 else "STRIPE_PAYMENT"
                own = ObjHook()
                assert own.read(code)
                assert own._get_webhook_credential_cached() == {"token": expected[code]}
                # The shared object always answers for one consistent key.
                token = shared._get_webhook_credential()["token"]
                assert token in expected.values()
                if n % 5 == 0:
                    own.invalidate_webhook_credential_cache()
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


# ------------------------------------------------------------------ structured logs

LOGGED_SECRET = "sk_fake_logged_secret_1"


def _log_lines(daemon: "Daemon", guid: str, count: int) -> List[Dict[str, Any]]:
    """The structured log's lines with ``guid``, once ``count`` of them are written (hookd writes
    them on its writer thread, after answering); fails after LOG_TIMEOUT_S."""
    path = Path(daemon.state_dir) / "log" / "webhooks.jsonl"
    deadline = time.monotonic() + LOG_TIMEOUT_S
    while True:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        lines = [json.loads(line) for line in text.splitlines() if guid in line]
        if len(lines) >= count or time.monotonic() > deadline:
            assert len(lines) == count, f"expected {count} lines with guid {guid}, found {lines}"
            assert LOGGED_SECRET not in text
            return lines
        time.sleep(0.02)


@pytest.fixture
def logged(cred_client: HookRPC) -> ObjHook:
    """An ObjHook that has read LOGGED (a database credential, warmed in hookd's memory)."""
    cred_client.webhook_upsert(code="LOGGED", url="https://api.logged.test/v1", auth_type="bearer",
                               credential={"source": "database", "value": LOGGED_SECRET})
    hook = ObjHook(client=cred_client)
    assert hook.read("LOGGED")
    return hook


def test_log_webhook_request_and_response_carry_the_guid_and_mask_secrets(
        hookd_creds: "Daemon", logged: ObjHook) -> None:
    guid = logged.log_webhook_request("POST", "https://api.logged.test/v1?api_key=abc",
                                      {"password": "x"}, {"Authorization": "Bearer " + LOGGED_SECRET,
                                                          "X-Echo": LOGGED_SECRET})
    assert isinstance(guid, str) and len(guid) == 36
    # Positions as in the legacy signature: status_code, response_body, duration, success, error.
    assert logged.log_webhook_response(401, {"detail": "denied " + LOGGED_SECRET, "token": "t-1"}, 0.25, False,
                                       "refused " + LOGGED_SECRET) == guid
    request, response = _log_lines(hookd_creds, guid, 2)
    assert request["event"] == "webhook_request" and request["webhook_code"] == "LOGGED"
    assert request["url"] == "https://api.logged.test/v1?api_key=***MASKED***"
    assert request["headers"] == {"Authorization": "***MASKED***", "X-Echo": "***MASKED***"}
    assert request["payload_size"] == len('{"password":"x"}')
    assert request["credential_source"] == "database"  # none given: the webhook's own source
    assert response["event"] == "webhook_response" and response["status_code"] == 401
    sent_body = json.dumps({"detail": "denied " + LOGGED_SECRET, "token": "t-1"}, separators=(",", ":"))
    assert response["response_size"] == len(sent_body) and response["duration_seconds"] == 0.25
    # The preview is the body masked whole: the webhook's secret and the sensitive key both.
    assert response["response_preview"] == '{"detail":"denied ***MASKED***","token":"***MASKED***"}'
    assert LOGGED_SECRET not in json.dumps(response)
    assert response["success"] is False and response["error"] == "refused ***MASKED***"


def test_log_webhook_request_writes_the_credential_source_given(hookd_creds: "Daemon", logged: ObjHook) -> None:
    guid = logged.log_webhook_request(method="POST", url="https://api.logged.test/v1", payload=b"raw \xff",
                                      headers={}, credential_source="infisical")
    (request,) = _log_lines(hookd_creds, guid, 1)
    assert request["credential_source"] == "infisical"
    assert request["payload_size"] == len("raw \ufffd".encode())  # bytes sent as UTF-8 text, bad bytes replaced


@pytest.mark.parametrize("body,preview", [
    pytest.param({"id": "ch_123"}, '{"id":"ch_123"}', id="object-as-compact-json"),
    pytest.param(["a", 1, None], '["a",1,null]', id="array-as-compact-json"),
    pytest.param(0, "0", id="number"),
    pytest.param(False, "false", id="false-is-a-body"),
    pytest.param({"name": "Zoë"}, '{"name":"Zoë"}', id="non-ascii-kept"),
    pytest.param(b"\x00\x01ok", "\x00\x01ok", id="bytes"),
    pytest.param(bytearray(b"\xff\xfe"), "\ufffd\ufffd", id="invalid-utf8-replaced"),
    pytest.param("plain text", "plain text", id="string-as-is"),
    pytest.param("x" * 300, "x" * 256 + "\u2026", id="long-body-cut"),
])
def test_log_webhook_response_takes_any_json_body_or_bytes(
        hookd_creds: "Daemon", logged: ObjHook, body: Any, preview: str) -> None:
    guid = logged.log_webhook_request("GET", "https://api.logged.test/v1")
    assert logged.log_webhook_response(status_code=200, response_body=body, duration=0.5, success=True) == guid
    _, response = _log_lines(hookd_creds, guid, 2)
    sent = body if isinstance(body, str) else (bytes(body).decode("utf-8", "replace") if isinstance(body, (bytes, bytearray))
                                               else json.dumps(body, separators=(",", ":"), ensure_ascii=False))
    assert response["response_size"] == len(sent.encode())
    assert response["response_preview"] == preview


def test_log_webhook_response_defaults_for_what_the_legacy_signature_leaves_out(
        hookd_creds: "Daemon", logged: ObjHook) -> None:
    guid = logged.log_webhook_request("POST", "https://api.logged.test/v1")
    logged.log_webhook_response(201)
    logged.log_webhook_response(302, None)
    logged.log_webhook_response(404)
    logged.log_webhook_response(200, error=ValueError("broken pipe"))
    logged.log_webhook_response(None, duration=3.0)
    responses = _log_lines(hookd_creds, guid, 6)[1:]
    assert all(r["response_preview"] is None for r in responses)
    assert [(r["status_code"], r["success"], r["error"], r["duration_seconds"], r["response_size"])
            for r in responses] == [
        (201, True, None, 0, 0),
        (302, True, None, 0, 0),
        (404, False, None, 0, 0),
        (200, False, "broken pipe", 0, 0),
        (None, False, None, 3.0, 0),
    ]


def test_log_webhook_response_needs_a_guid(logged: ObjHook) -> None:
    with pytest.raises(WebhookNotReadError, match="guid"):
        logged.log_webhook_response(200, None, 0.1, True)
    with pytest.raises(TypeError):
        logged.log_webhook_response(200, {"not json": object()}, 0.1, True, guid="given")
    assert logged.log_webhook_response(200, None, 0.1, True, guid="given-guid") == "given-guid"
