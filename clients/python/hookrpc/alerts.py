"""``ObjWebhookAlert``: a drop-in replacement for the legacy ``factory.core`` ``ObjWebhookAlert``.

The legacy class kept each webhook's recent calls in the application process and
judged the alert rules there. This shim keeps the same calls but reports every
call to hookd (``alert.record``), which owns the sliding window, the rules, the
notification channels, silences and history, shared by every process::

    from hookrpc import ObjWebhookAlert

    alert = ObjWebhookAlert()                 # shares ObjHook's module-level HookRPC
    alert.record_webhook_call("STRIPE_PAYMENT", False, 0.42, status_code=503, error="upstream 503")
    metrics = alert.get_metrics("STRIPE_PAYMENT")
    metrics["failure_rate"]                   # percent, as in the legacy class
    metrics["active_alerts"]                  # ["high_failure_rate", ...]

The hot path, :meth:`ObjWebhookAlert.record_webhook_call`, sends ``alert.record``
as a JSON-RPC *notification* by default (``notify=True``): one write on the
shared connection, nothing read back, ``None`` returned. It **never raises**:

* Alerting observes a webhook call; it must never break (or slow down with a
  retry) the call it observes. A webhook delivery that succeeded must not turn
  into an application error because the monitoring daemon is restarting.
* So in notify mode a transport failure (no daemon, connection lost, timeout, an
  ``overloaded`` reply) is logged on the ``hookrpc.alerts`` logger at WARNING
  level, **at most once per 60 s** per process (later ones are counted and the
  count is reported with the next warning), and the call is dropped. Logging
  every failure would flood the log exactly when the daemon is down and every
  webhook call fails to report.
* hookd never answers a notification, so params it refuses are dropped without
  a word. To keep that from losing data silently, the arguments are checked
  locally against hookd's rules first; a problem is logged the same way
  (WARNING, at most once per 60 s) and the notification is still sent (hookd
  stays the judge).

With ``notify=False`` the call is a normal request: it returns ``alert.record``'s
result ``{"recorded": True, "fired": [...]}`` and raises
:class:`~hookrpc.HookRPCError` (-32602 naming the parameter) or
:class:`~hookrpc.HookRPCConnectionError` like every other client call.

The query and control methods (:meth:`~ObjWebhookAlert.get_metrics`,
:meth:`~ObjWebhookAlert.list_alerts`, ...) are ordinary calls and raise in both modes.

Notify mode's write is still bounded only by the client's ``timeout`` (30 s by
default): a daemon that stopped reading can block the hot path once its socket
buffer is full. Give the alert its own client with a short timeout when that
matters: ``ObjWebhookAlert(HookRPC(timeout=0.5))``.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

from .client import HookRPC
from .errors import HookRPCError
from .objhook import get_default_client

__all__ = ["ALERT_TYPES", "ObjWebhookAlert", "WARNING_INTERVAL_SECONDS"]

logger = logging.getLogger("hookrpc.alerts")

#: The alert types hookd judges (``alert_type`` values).
ALERT_TYPES = ("high_failure_rate", "auth_failures", "high_latency", "delivery_failing", "webhook_disabled", "delivery_dead")

#: Notify mode logs at most one warning of each kind (transport, arguments) this often.
WARNING_INTERVAL_SECONDS = 60.0

_CODE = re.compile(r"[A-Z0-9_]{1,64}")


class _RateLimitedWarning:
    """Logs a WARNING at most once per ``interval`` seconds; counts what it swallowed."""

    def __init__(self, what: str, interval: float = WARNING_INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._last: Optional[float] = None
        self._suppressed = 0

    def __call__(self, message: str, *args: Any) -> bool:
        """Log ``message % args`` unless one was logged less than ``interval`` s ago; True when logged."""
        with self._lock:
            now = self.clock()
            if self._last is not None and now - self._last < self.interval:
                self._suppressed += 1
                return False
            suppressed, self._suppressed, self._last = self._suppressed, 0, now
        if suppressed:
            message += " (%d more %s warning(s) suppressed in the last %.0f s)"
            args += (suppressed, self.what, self.interval)
        logger.warning(message, *args)
        return True

    def reset(self) -> None:
        """Forget the last warning (tests)."""
        with self._lock:
            self._last = None
            self._suppressed = 0


_transport_warning = _RateLimitedWarning("transport")
_arguments_warning = _RateLimitedWarning("argument")


def _record_problem(webhook_code: Any, success: Any, duration: Any, status_code: Any, error: Any,
                    direction: Any) -> Optional[str]:
    """What hookd would refuse in ``alert.record``'s params (its rules), or None."""
    if not isinstance(webhook_code, str) or not _CODE.fullmatch(webhook_code):
        return f"webhook_code must be 1 to 64 characters of A-Z, 0-9 and _, got {webhook_code!r}"
    if not isinstance(success, bool):
        return f"success must be a bool, got {type(success).__name__}"
    if (not isinstance(duration, (int, float)) or isinstance(duration, bool)
            or not math.isfinite(duration) or duration < 0):
        return f"duration must be zero or more seconds, got {duration!r}"
    if status_code is not None and (not isinstance(status_code, int) or isinstance(status_code, bool)
                                    or not 100 <= status_code <= 599):
        return f"status_code must be an HTTP status from 100 to 599, got {status_code!r}"
    if error is not None and not isinstance(error, str):
        return f"error must be a str, got {type(error).__name__}"
    if direction not in ("OUT", "IN"):
        return f"direction must be 'OUT' or 'IN', got {direction!r}"
    return None


class ObjWebhookAlert:
    """Webhook call monitoring and alerting, backed by hookd's ``alert.*`` methods.

    ``client``: the :class:`HookRPC` to use; ``None`` shares the module-level
    default with :class:`~hookrpc.ObjHook` (see
    :func:`hookrpc.objhook.get_default_client`). ``notify``: whether
    :meth:`record_webhook_call` is fire-and-forget (see the module docs).

    Thread-safe (the client is; the object holds no other state), and cheap to
    create: creating one per webhook call is fine.
    """

    client: HookRPC
    notify: bool

    def __init__(self, client: HookRPC | None = None, notify: bool = True) -> None:
        self.client = client if client is not None else get_default_client()
        self.notify = notify

    # ------------------------------------------------------------------ hot path

    def record_webhook_call(
        self,
        webhook_code: str,
        success: bool,
        duration: float,
        status_code: Optional[int] = None,
        error: Optional[str] = None,
        direction: str = "OUT",
    ) -> Optional[Dict[str, Any]]:
        """Report one webhook call: ``success``, ``duration`` in seconds, the HTTP
        ``status_code`` if there was one (401/403 count as auth failures, and by
        default make hookd drop the webhook's cached credential), ``error`` text.

        ``notify=True`` (default): sends a notification and returns ``None``;
        never raises (problems are logged, rate-limited). ``notify=False``:
        returns ``{"recorded": True, "fired": [alert types that started firing]}``
        and raises like any call.
        """
        if error is not None and not isinstance(error, str):
            error = str(error)  # an exception object, as legacy callers may pass
        if not self.notify:
            return self.client.alert_record(webhook_code, success, duration, status_code, error, direction)
        problem = _record_problem(webhook_code, success, duration, status_code, error, direction)
        if problem is not None:
            _arguments_warning("hookd alert.record for %r will be refused by hookd: %s", webhook_code, problem)
        try:
            self.client.alert_record_notify(webhook_code, success, duration, status_code, error, direction)
        except (OSError, HookRPCError) as e:
            # OSError covers HookRPCConnectionError and its refinements; HookRPCError is an
            # id-null reply such as overloaded, found when the write failed.
            _transport_warning("cannot report a webhook call to hookd at %s (call of %r not counted): %s",
                               self.client.socket_path, webhook_code, e)
        except (TypeError, ValueError) as e:  # not encodable as JSON (NaN, an odd object)
            _arguments_warning("hookd alert.record for %r not sent: %s", webhook_code, e)
        except Exception as e:  # noqa: BLE001 - the hot path must not raise, whatever happened
            _transport_warning("hookd alert.record for %r failed unexpectedly: %r", webhook_code, e)
        return None

    # ------------------------------------------------------------------ queries

    def get_metrics(self, webhook_code: Optional[str] = None) -> Dict[str, Any]:
        """The window's numbers for ``webhook_code``: ``total_calls, successful_calls,
        failed_calls, failure_rate`` (percent), ``auth_failures, avg_latency,
        p50_latency, p95_latency, p99_latency, max_latency`` (seconds),
        ``active_alerts``, ``window_minutes`` (all zero for a code without calls).
        Without a code: ``{"webhooks": [metrics, ...]}`` for every webhook with calls
        in the window or a firing alert."""
        return self.client.alert_metrics(webhook_code)

    def list_alerts(self) -> List[Dict[str, Any]]:
        """The alerts firing now: ``[{webhook_code, alert_type, severity, value,
        first_fired_at, last_notified_at, silenced_until}, ...]``."""
        return self.client.alert_list()

    def get_history(self, webhook_code: Optional[str] = None, limit: int = 100) -> List[Dict[str, Any]]:
        """Alert events (firing, repeat, resolved, test), newest first; ``limit`` 1..1000."""
        return self.client.alert_history(webhook_code, limit)

    # ------------------------------------------------------------------ controls

    def silence(self, webhook_code: str, minutes: float, reason: str = "",
                alert_type: Optional[str] = None) -> Dict[str, Any]:
        """Mute ``webhook_code``'s notifications (one ``alert_type`` or all) for ``minutes``
        (at most 10080); returns ``{webhook_code, alert_type, until, reason}``."""
        return self.client.alert_silence(webhook_code, minutes, reason, alert_type)

    def unsilence(self, webhook_code: str, alert_type: Optional[str] = None) -> int:
        """Lift ``webhook_code``'s silences (one ``alert_type`` or all); returns how many were lifted."""
        return self.client.alert_unsilence(webhook_code, alert_type)

    def get_config(self) -> Dict[str, Any]:
        """hookd's alerting settings (the legacy keys: ``window_minutes``,
        ``failure_rate_threshold``, ``min_calls``, ``auth_failure_threshold``, ...)."""
        return self.client.alert_config()

    def send_test_alert(self, webhook_code: str, severity: str = "warning",
                        channels: Optional[Sequence[str]] = None) -> Dict[str, Any]:
        """Send a test alert through ``channels`` (default: the configured ones);
        returns ``{webhook_code, severity, results: {channel: {success, error?}}}``."""
        return self.client.alert_test(webhook_code, severity, channels)

    def __repr__(self) -> str:
        return f"ObjWebhookAlert(socket_path={self.client.socket_path!r}, notify={self.notify!r})"
