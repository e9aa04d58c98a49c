"""What :meth:`ObjHook.call` returns: a delivery's first attempt, read like a ``requests`` response.

The application's ``call()`` used to post the webhook itself with ``requests`` and read
``status_code``, ``ok``, ``json()``, ``text`` and ``elapsed``. With hookd sending the
webhook (``webhook.deliver`` with ``wait="first_attempt"``) the same names read the
first attempt's outcome, so callers change little::

    response = hook.call({"order": 7})
    if response.ok:
        print(response.json()["id"], response.elapsed)
    else:
        print("hookd retries", response.delivery_id, "later:", response.status_code)

The one surprising thing: ``text`` is hookd's *preview* of the response body, masked
(secrets replaced by ``***MASKED***``, a JSON body written compact) and cut short as in
``log.response``, never the raw body; ``ok`` means 2xx (hookd follows no redirect, so a 3xx
is a failure it retries, unlike ``requests``' ``ok``).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

__all__ = ["DeliveryResponse"]


class DeliveryResponse:
    """The first attempt of a delivery (``webhook.deliver`` with ``wait="first_attempt"``).

    Attributes: ``delivery_id`` (hookd's id, also the ``webhook-id`` header the receiver
    got), ``status`` (the delivery's status then: ``delivered``, ``retrying``, ``dead``,
    ... ; ``elsewhere`` when another hookd sharing the Redis already queued this
    ``idempotency_key``: no attempt here, ``ok`` is False), ``status_code`` (the receiver's HTTP status, ``None`` when no answer came:
    timeout, connection failure, or ``timed_out``), ``text`` (the masked preview, ``""``
    without one), ``elapsed`` (seconds the attempt took; the whole call's when there was
    no attempt), ``error`` (hookd's error kind, e.g. ``"timeout"``), ``timed_out`` (the
    call's ``timeout_ms`` passed before the attempt ended) and ``attempt`` (the raw
    attempt object, or ``None``).
    """

    __slots__ = ("delivery_id", "status", "status_code", "text", "elapsed", "error", "timed_out", "attempt")

    def __init__(self, result: Dict[str, Any], call_seconds: float) -> None:
        attempt = result.get("attempt")
        self.attempt: Optional[Dict[str, Any]] = attempt if isinstance(attempt, dict) else None
        self.delivery_id: str = str(result.get("delivery_id", ""))
        self.status: str = str(result.get("status", ""))
        self.timed_out: bool = result.get("timed_out") is True
        got = self.attempt or {}
        code = got.get("status_code")
        self.status_code: Optional[int] = code if isinstance(code, int) and not isinstance(code, bool) else None
        preview = got.get("response_preview")
        self.text: str = preview if isinstance(preview, str) else ""
        duration = got.get("duration_ms")
        valid = isinstance(duration, (int, float)) and not isinstance(duration, bool)
        self.elapsed: float = duration / 1000.0 if valid else call_seconds
        error = got.get("error")
        self.error: Optional[str] = error if isinstance(error, str) else None

    @property
    def ok(self) -> bool:
        """True when the receiver answered 2xx (the delivery is ``delivered``)."""
        return self.status_code is not None and 200 <= self.status_code <= 299

    def json(self, **kwargs: Any) -> Any:
        """``text`` parsed as JSON (``json.loads`` arguments pass through); ValueError when it is not."""
        return json.loads(self.text, **kwargs)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return "<DeliveryResponse %s [%s] %s>" % (self.delivery_id, self.status_code, self.status)
