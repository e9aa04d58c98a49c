"""ObjWebhookAlert (the legacy-compatible shim) and the alert.* helpers of HookRPC.

Everything runs against the live session daemon ``hookd`` from conftest.py,
started without a config file, so the seed's alerting defaults apply (window 5
minutes, failure rate above 10 % with at least 10 calls, 5 auth failures, the
``log`` channel). Alert state is per webhook code and shared by the whole
session, so every test uses codes of its own.
"""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List

import pytest

import hookrpc.alerts
from hookrpc import HookRPC, HookRPCConnectionError, HookRPCError, ObjHook, ObjWebhookAlert
from hookrpc.objhook import get_default_client, set_default_client

if TYPE_CHECKING:
    from conftest import Daemon

#: How long a test waits for a notification's effect to show (the daemon handles it
#: on the same connection before the next call, so this is a safety margin only).
POLL_TIMEOUT_S = 5.0

SEED_CONFIG_KEYS = {
    "enabled", "window_minutes", "failure_rate_threshold", "min_calls", "auth_failure_threshold",
    "latency_threshold_seconds", "repeat_interval_minutes", "send_resolved", "channels",
}


@pytest.fixture
def alert(client: HookRPC) -> ObjWebhookAlert:
    """A request-mode ObjWebhookAlert (results and errors come back)."""
    return ObjWebhookAlert(client, notify=False)


@pytest.fixture
def quiet_limiters() -> Iterator[None]:
    """Reset the notify-mode warning limiters before and after a test."""
    limiters = (hookrpc.alerts._transport_warning, hookrpc.alerts._arguments_warning)
    for limiter in limiters:
        limiter.reset()
    yield
    for limiter in limiters:
        limiter.reset()


def _poll(probe: Callable[[], Dict[str, Any]], done: Callable[[Dict[str, Any]], bool]) -> Dict[str, Any]:
    """Call ``probe`` until ``done`` holds for its result or POLL_TIMEOUT_S passed; returns the last result."""
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while True:
        result = probe()
        if done(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.02)


def _warnings(caplog: pytest.LogCaptureFixture) -> List[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "hookrpc.alerts" and r.levelno == logging.WARNING]


# ------------------------------------------------------------------ rules, via notify=False

def test_ten_failures_fire_high_failure_rate(alert: ObjWebhookAlert) -> None:
    code = "PYAL_FAILRATE"
    fired = [alert.record_webhook_call(code, False, 0.25, status_code=503, error="upstream 503")
             for _ in range(10)]
    assert fired[:9] == [{"recorded": True, "fired": []}] * 9  # min_calls is 10
    assert fired[9] == {"recorded": True, "fired": ["high_failure_rate"]}
    metrics = alert.get_metrics(code)
    assert metrics["webhook_code"] == code
    assert metrics["total_calls"] == 10 and metrics["successful_calls"] == 0
    assert metrics["failed_calls"] == 10
    assert metrics["failure_rate"] == 100.0  # percent, as in the seed
    assert metrics["auth_failures"] == 0
    assert metrics["avg_latency"] == pytest.approx(0.25) and metrics["max_latency"] == pytest.approx(0.25)
    assert "high_failure_rate" in metrics["active_alerts"]
    listed = [a for a in alert.list_alerts() if a["webhook_code"] == code]
    assert [(a["alert_type"], a["severity"], a["value"]) for a in listed] == [("high_failure_rate", "warning", 100.0)]
    # Still firing: a further failure does not fire it again.
    assert alert.record_webhook_call(code, False, 0.25) == {"recorded": True, "fired": []}


def test_successes_keep_the_failure_rate_low(alert: ObjWebhookAlert) -> None:
    code = "PYAL_HEALTHY"
    for i in range(20):
        assert alert.record_webhook_call(code, i != 0, 0.1, status_code=200 if i else 500)["fired"] == []  # type: ignore[index]
    metrics = alert.get_metrics(code)
    assert (metrics["total_calls"], metrics["failed_calls"], metrics["failure_rate"]) == (20, 1, 5.0)
    assert metrics["active_alerts"] == []


def test_five_401s_fire_auth_failures_critical(alert: ObjWebhookAlert) -> None:
    code = "PYAL_AUTH"
    results = [alert.record_webhook_call(code, False, 0.05, status_code=401) for _ in range(5)]
    assert [r["fired"] for r in results if r is not None] == [[], [], [], [], ["auth_failures"]]
    listed = [a for a in alert.list_alerts() if a["webhook_code"] == code]
    assert len(listed) == 1
    assert listed[0]["alert_type"] == "auth_failures" and listed[0]["severity"] == "critical"
    assert listed[0]["value"] == 5.0 and listed[0]["silenced_until"] is None
    assert isinstance(listed[0]["first_fired_at"], str) and listed[0]["first_fired_at"].endswith("Z")
    assert alert.get_metrics(code)["auth_failures"] == 5


def test_unknown_code_has_empty_metrics(alert: ObjWebhookAlert) -> None:
    metrics = alert.get_metrics("PYAL_NEVER_CALLED")
    assert metrics["total_calls"] == 0 and metrics["failure_rate"] == 0.0 and metrics["active_alerts"] == []


def test_get_metrics_without_code_lists_every_webhook(alert: ObjWebhookAlert) -> None:
    alert.record_webhook_call("PYAL_ALL_A", True, 0.1)
    alert.record_webhook_call("PYAL_ALL_B", False, 0.2)
    everything = alert.get_metrics()
    assert set(everything) == {"webhooks"}
    by_code = {m["webhook_code"]: m for m in everything["webhooks"]}
    assert by_code["PYAL_ALL_A"]["total_calls"] == 1 and by_code["PYAL_ALL_B"]["failed_calls"] == 1


# ------------------------------------------------------------------ notify mode (the hot path)

def test_notify_mode_returns_none_and_the_call_is_counted(client: HookRPC) -> None:
    code = "PYAL_NOTIFY"
    hot = ObjWebhookAlert(client)  # notify=True is the default
    assert hot.notify is True
    assert hot.record_webhook_call(code, False, 1.5, status_code=502, error="bad gateway") is None
    assert hot.record_webhook_call(code, True, 0.5, direction="OUT") is None
    metrics = _poll(lambda: hot.get_metrics(code), lambda m: m["total_calls"] >= 2)
    assert (metrics["total_calls"], metrics["failed_calls"], metrics["failure_rate"]) == (2, 1, 50.0)
    assert metrics["max_latency"] == pytest.approx(1.5)


def test_notify_mode_fires_too(client: HookRPC) -> None:
    code = "PYAL_NOTIFY_FIRE"
    hot = ObjWebhookAlert(client)
    for _ in range(10):
        assert hot.record_webhook_call(code, False, 0.1) is None
    metrics = _poll(lambda: hot.get_metrics(code), lambda m: m["total_calls"] >= 10)
    assert metrics["failed_calls"] == 10 and metrics["active_alerts"] == ["high_failure_rate"]


def test_notify_mode_with_the_daemon_stopped_does_not_raise(
        tmp_path: Any, caplog: pytest.LogCaptureFixture, quiet_limiters: None) -> None:
    missing = os.path.join(str(tmp_path), "no-such-dir", "hookd.sock")
    with HookRPC(missing, timeout=1.0) as rpc:
        hot = ObjWebhookAlert(rpc)
        with caplog.at_level(logging.WARNING, logger="hookrpc.alerts"):
            started = time.monotonic()
            for _ in range(5):
                assert hot.record_webhook_call("PYAL_DOWN", False, 0.1, status_code=500) is None
            took = time.monotonic() - started
        warnings = _warnings(caplog)
        assert len(warnings) == 1, [r.getMessage() for r in warnings]  # at most once per 60 s
        assert missing in warnings[0].getMessage() and "PYAL_DOWN" in warnings[0].getMessage()
        assert took < 2.0
        # Request mode raises the transport failure, as every call does.
        with pytest.raises(HookRPCConnectionError):
            ObjWebhookAlert(rpc, notify=False).record_webhook_call("PYAL_DOWN", False, 0.1)
        # The queries are ordinary calls in both modes.
        with pytest.raises(HookRPCConnectionError):
            hot.get_metrics("PYAL_DOWN")


def test_notify_mode_bad_arguments_warn_and_do_not_raise(
        client: HookRPC, caplog: pytest.LogCaptureFixture, quiet_limiters: None) -> None:
    hot = ObjWebhookAlert(client)
    with caplog.at_level(logging.WARNING, logger="hookrpc.alerts"):
        assert hot.record_webhook_call("PYAL_BADARG", 1, 0.1) is None  # type: ignore[arg-type]
        assert hot.record_webhook_call("PYAL_BADARG", True, float("nan")) is None  # not even JSON
        assert hot.record_webhook_call("bad code", True, 0.1) is None
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and "success must be a bool" in warnings[0].getMessage()
    # hookd dropped all three (a notification's refusal is silent); the connection still works.
    assert hot.get_metrics("PYAL_BADARG")["total_calls"] == 0
    assert client.echo("still fine") == "still fine"


def test_error_may_be_an_exception_object(alert: ObjWebhookAlert) -> None:
    result = alert.record_webhook_call("PYAL_EXC", False, 0.1, error=TimeoutError("read timed out"))  # type: ignore[arg-type]
    assert result == {"recorded": True, "fired": []}


def test_rate_limited_warning_counts_what_it_suppressed(caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    limiter = hookrpc.alerts._RateLimitedWarning("transport", interval=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="hookrpc.alerts"):
        assert limiter("first %s", "x") is True
        now[0] += 59.9
        assert limiter("second") is False and limiter("third") is False
        now[0] += 0.1
        assert limiter("fourth") is True
    messages = [r.getMessage() for r in _warnings(caplog)]
    assert messages == ["first x", "fourth (2 more transport warning(s) suppressed in the last 60 s)"]


# ------------------------------------------------------------------ controls and queries

def test_silence_unsilence_round_trip(alert: ObjWebhookAlert) -> None:
    code = "PYAL_SILENCE"
    for _ in range(5):
        alert.record_webhook_call(code, False, 0.1, status_code=403)
    result = alert.silence(code, 30, reason="rotating the key", alert_type="auth_failures")
    assert result["webhook_code"] == code and result["alert_type"] == "auth_failures"
    assert result["reason"] == "rotating the key" and result["until"].endswith("Z")
    listed = [a for a in alert.list_alerts() if a["webhook_code"] == code]
    assert [a["silenced_until"] for a in listed] == [result["until"]]  # still listed, but muted
    assert alert.unsilence(code, "auth_failures") == 1
    assert alert.unsilence(code, "auth_failures") == 0
    assert [a["silenced_until"] for a in alert.list_alerts() if a["webhook_code"] == code] == [None]
    # Every type at once (alert_type omitted), with the default reason.
    everything = alert.silence(code, 5)
    assert everything["alert_type"] is None and everything["reason"] == ""
    assert alert.unsilence(code) == 1


def test_history_newest_first(alert: ObjWebhookAlert) -> None:
    code = "PYAL_HISTORY"
    for _ in range(10):
        alert.record_webhook_call(code, False, 0.1)
    alert.send_test_alert(code)
    events = alert.get_history(code)
    assert [(e["notification"], e["alert_type"]) for e in events] == [("test", "test"), ("firing", "high_failure_rate")]
    assert all(e["webhook_code"] == code and e["event"] == "webhook_alert" for e in events)
    assert events[0]["id"] > events[1]["id"]
    assert events[1]["deliveries"] == {"log": "delivered"}
    assert alert.get_history(code, limit=1) == events[:1]
    everyone = alert.get_history(limit=1000)
    ids = [e["id"] for e in everyone]
    assert ids == sorted(ids, reverse=True) and events[0]["id"] in ids


def test_get_config_has_the_seed_keys(alert: ObjWebhookAlert) -> None:
    config = alert.get_config()
    assert SEED_CONFIG_KEYS <= set(config)
    assert {k: config[k] for k in SEED_CONFIG_KEYS} == {
        "enabled": True, "window_minutes": 5, "failure_rate_threshold": 10.0, "min_calls": 10,
        "auth_failure_threshold": 5, "latency_threshold_seconds": 5.0, "repeat_interval_minutes": 60,
        "send_resolved": True, "channels": ["log"],
    }


def test_send_test_alert(alert: ObjWebhookAlert) -> None:
    result = alert.send_test_alert("PYAL_TEST")
    assert result["results"] == {"log": {"success": True}}
    assert result["webhook_code"] == "PYAL_TEST" and result["severity"] == "warning"
    critical = alert.send_test_alert("PYAL_TEST", severity="critical", channels=["log"])
    assert critical["severity"] == "critical" and critical["results"] == {"log": {"success": True}}
    unconfigured = alert.send_test_alert("PYAL_TEST", channels=["slack"])
    assert unconfigured["results"]["slack"]["success"] is False


@pytest.mark.parametrize("call, parameter", [
    (lambda a: a.record_webhook_call("bad code", True, 0.1), "webhook_code"),
    (lambda a: a.record_webhook_call("PYAL_BAD", "yes", 0.1), "success"),
    (lambda a: a.record_webhook_call("PYAL_BAD", True, -1.0), "duration"),
    (lambda a: a.record_webhook_call("PYAL_BAD", False, 0.1, status_code=700), "status_code"),
    (lambda a: a.record_webhook_call("PYAL_BAD", False, 0.1, direction="SIDEWAYS"), "direction"),
    (lambda a: a.silence("PYAL_BAD", 0), "minutes"),
    (lambda a: a.silence("PYAL_BAD", 20000), "minutes"),
    (lambda a: a.silence("PYAL_BAD", 5, alert_type="no_such_type"), "alert_type"),
    (lambda a: a.unsilence("PYAL_BAD", alert_type="no_such_type"), "alert_type"),
    (lambda a: a.get_metrics("bad code"), "webhook_code"),
    (lambda a: a.get_history(limit=0), "limit"),
    (lambda a: a.send_test_alert("PYAL_BAD", severity="loud"), "severity"),
], ids=["code", "success", "duration", "status", "direction", "minutes0", "minutes_week", "type", "unsilence_type",
        "metrics_code", "limit", "severity"])
def test_bad_params_raise_invalid_params_naming_the_parameter(
        alert: ObjWebhookAlert, call: Callable[[ObjWebhookAlert], Any], parameter: str) -> None:
    with pytest.raises(HookRPCError) as info:
        call(alert)
    assert info.value.code == -32602 and info.value.kind == "invalid_params"
    assert info.value.data["parameter"] == parameter and parameter in info.value.message


def test_bad_record_counts_nothing(alert: ObjWebhookAlert) -> None:
    with pytest.raises(HookRPCError):
        alert.record_webhook_call("PYAL_BADCOUNT", True, -1.0)
    assert alert.get_metrics("PYAL_BADCOUNT")["total_calls"] == 0


# ------------------------------------------------------------------ HookRPC helpers, shared client

def test_client_helpers(client: HookRPC) -> None:
    code = "PYAL_HELPERS"
    assert client.alert_record(code, True, 0.2, status_code=200, direction="IN", timestamp=time.time()) == {
        "recorded": True, "fired": []}
    assert client.alert_record_notify(code, False, 0.4) is None  # type: ignore[func-returns-value]
    # Older than the 5-minute window: acknowledged, not counted. Beyond a week: refused.
    assert client.alert_record(code, False, 0.1, timestamp=time.time() - 600) == {"recorded": False, "fired": []}
    with pytest.raises(HookRPCError) as info:
        client.alert_record(code, False, 0.1, timestamp=1.0)
    assert info.value.code == -32602 and info.value.data["parameter"] == "timestamp"
    metrics = _poll(lambda: client.alert_metrics(code), lambda m: m["total_calls"] >= 2)
    assert (metrics["total_calls"], metrics["failed_calls"]) == (2, 1)
    assert any(m["webhook_code"] == code for m in client.alert_metrics()["webhooks"])
    assert isinstance(client.alert_list(), list)
    assert client.alert_silence(code, 1.5, reason="r")["reason"] == "r"
    assert client.alert_unsilence(code) == 1
    assert SEED_CONFIG_KEYS <= set(client.alert_config())
    assert client.alert_test(code, channels=["log"])["results"] == {"log": {"success": True}}
    assert client.alert_history(code, limit=1)[0]["notification"] == "test"


@pytest.fixture
def fresh_default_client(hookd: "Daemon", monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the module-level default client at the session daemon, restore it afterwards."""
    monkeypatch.setenv("HOOKD_SOCKET", hookd.socket_path)
    old = set_default_client(None)
    try:
        yield
    finally:
        current = set_default_client(old)
        if current is not None:
            current.close()


def test_shares_the_default_client_with_objhook(fresh_default_client: None) -> None:
    hot = ObjWebhookAlert()
    assert hot.client is get_default_client() and hot.client is ObjHook().client
    assert hot.record_webhook_call("PYAL_DEFAULT", True, 0.1) is None
    metrics = _poll(lambda: hot.get_metrics("PYAL_DEFAULT"), lambda m: m["total_calls"] >= 1)
    assert metrics["total_calls"] == 1
