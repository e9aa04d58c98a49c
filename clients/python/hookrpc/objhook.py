"""``ObjHook``: a drop-in replacement for the legacy ``factory.core/ObjHook.py``.

The legacy class read a webhook row from the application database and fetched
its credential itself (with its own cache). This shim keeps the same calls but
asks hookd for both, so the daemon owns the registry, the credential sources
and the cache::

    from hookrpc import ObjHook

    hook = ObjHook()                                          # also: from ObjHook import ObjHook
    if not hook.read("STRIPE_PAYMENT"):                       # also warms the credential in hookd's cache
        raise LookupError("webhook STRIPE_PAYMENT is not registered")
    hook.url, hook.auth_type, hook.credential_source          # the webhook's fields
    token = hook._get_webhook_credential_cached()["token"]    # bearer: {"token": ...}, a memory-cache hit
    hook.invalidate_webhook_credential_cache()                # -> 1
    hook.validate_credentials()["status"]                     # "VALID", "INVALID", ...
    hook.log_webhook_request(method="POST", url=hook.url, payload={"amount": 1000},
                             headers={"Authorization": "Bearer ..."}, credential_source="infisical")
    hook.log_webhook_response(status_code=200, response_body={"id": "ch_123"}, duration=0.543, success=True)

Differences from the legacy class, on purpose:

* ``read()`` keeps the legacy credential fetch ("first call: source -> cache; second
  call: cache hit") without the secret leaving hookd: it calls ``credential.warm``,
  so hookd caches the credential and the next credential call is a memory hit.
* ``log_webhook_request`` / ``log_webhook_response`` take the legacy arguments
  (names and positions) and write hookd's ``webhook_request`` / ``webhook_response``
  lines, masked by hookd; the response reuses the request's guid.
* ``_get_webhook_credential()`` and ``_get_webhook_credential_cached()`` are
  **identical**: both call ``credential.get`` and hookd's cache decides whether
  the source is asked. The uncached name is kept for compatibility only; to force
  a fresh read call :meth:`ObjHook.invalidate_webhook_credential_cache` first.
* Errors are hookd's: a missing credential raises :class:`~hookrpc.HookRPCError`
  (-32005 credential_unavailable), an unreachable daemon raises
  :class:`~hookrpc.HookRPCConnectionError`.
* Webhook results never carry the secret, so the attributes hold none.
* ``hook.credential_source`` is both the legacy attribute (the source's name,
  a ``str``) and the new method: the attribute is a callable ``str``
  (:class:`CredentialSourceName`), so ``hook.credential_source == "env"`` and
  ``hook.credential_source()`` (``credential.source``'s result) both work after
  a read; before one it is ``""``. :meth:`ObjHook.get_credential_source` is the
  unambiguous spelling.

Thread safety: every ``ObjHook()`` created without a client shares one
module-level :class:`~hookrpc.HookRPC` (created on first use under a lock;
``HookRPC`` is itself thread-safe). One ``ObjHook`` may be shared between
threads too: every credential call uses the webhook key read last as one
consistent ``(code, direction)`` pair, and :meth:`ObjHook.as_dict` returns a
consistent snapshot. Reading several attributes one by one while another thread
calls ``read()`` on the same object may mix two webhooks; give each thread its
own ``ObjHook`` (they are cheap) if that matters.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Dict, Optional, Tuple, Union

from .client import HookRPC
from .delivery import DeliveryResponse
from .errors import HookRPCError

__all__ = [
    "CredentialSourceName",
    "ObjHook",
    "WebhookNotReadError",
    "get_default_client",
    "set_default_client",
]

#: JSON-RPC code of hookd's not_found error (``read`` turns it into ``False``).
_NOT_FOUND = -32002

_DIRECTIONS = ("OUT", "IN")

logger = logging.getLogger("hookrpc.objhook")

_default_client: Optional[HookRPC] = None
_default_lock = threading.Lock()


def get_default_client() -> HookRPC:
    """The module-level client every ``ObjHook()`` without ``client`` uses.

    Created on first use with ``HookRPC()`` (the socket path from
    :func:`hookrpc.resolve_socket_path`, i.e. ``$HOOKD_SOCKET`` and friends).
    """
    global _default_client
    with _default_lock:
        if _default_client is None:
            _default_client = HookRPC()
        return _default_client


def set_default_client(client: Optional[HookRPC]) -> Optional[HookRPC]:
    """Replace the shared client (``None``: create a new one on next use); returns the old one.

    ``ObjHook`` instances created earlier keep the client they were given.
    The old client is not closed.
    """
    global _default_client
    with _default_lock:
        old, _default_client = _default_client, client
        return old


class CredentialSourceName(str):
    """The ``credential_source`` attribute: the source's name, and callable.

    The legacy attribute ``hook.credential_source`` (``"infisical"``, ``"database"``,
    ``"env"``, ``"file"``) and the method ``hook.credential_source()`` share one
    name, which Python cannot give two meanings. So the attribute is a ``str``
    (it compares, hashes, formats and serializes as the plain name) that, when
    called, returns ``credential.source``'s result for the webhook it came from,
    exactly like :meth:`ObjHook.get_credential_source`.
    """

    __slots__ = ("_hook",)

    _hook: "ObjHook"

    def __new__(cls, name: str, hook: "ObjHook") -> "CredentialSourceName":
        self = super().__new__(cls, name)
        self._hook = hook
        return self

    def __call__(self) -> Dict[str, Any]:
        return self._hook.get_credential_source()

    def __reduce__(self) -> Tuple[Any, ...]:
        return (str, (str(self),))  # pickles/copies as the plain name


class WebhookNotReadError(RuntimeError):
    """A credential method was called before a successful :meth:`ObjHook.read`."""


def _check_direction(direction: str) -> str:
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be 'OUT' or 'IN', got {direction!r}")
    return direction


class ObjHook:
    """One webhook of hookd's registry, with the legacy ``ObjHook`` interface.

    ``client``: the :class:`HookRPC` to use; ``None`` shares the module-level
    default (see :func:`get_default_client`). ``direction``: what :meth:`read`
    uses when it is not given one (``"OUT"`` or ``"IN"``).

    Before a successful :meth:`read` every webhook attribute is ``None`` except
    ``direction`` (the default direction), ``headers`` (``{}``) and
    ``credential_source`` (``""``, falsy; calling it raises
    :class:`WebhookNotReadError`).
    """

    client: HookRPC
    default_direction: str

    # The webhook's fields (webhook.get's result), set by read().
    code: Optional[str]
    direction: str
    type: Optional[str]
    url: Optional[str]
    method: Optional[str]
    auth_type: Optional[str]
    headers: Dict[str, str]
    timeout_seconds: Optional[float]
    enabled: Optional[bool]
    description: Optional[str]
    credential_source: CredentialSourceName
    credential_ref: Optional[str]
    created_at: Optional[str]
    updated_at: Optional[str]

    # What read() learnt about the credential (credential.warm), never the secret itself.
    credential_cache: Optional[Dict[str, Any]]
    credential_cache_error: Optional[HookRPCError]

    def __init__(self, client: HookRPC | None = None, direction: str = "OUT") -> None:
        self.client = client if client is not None else get_default_client()
        self.default_direction = _check_direction(direction)
        self._lock = threading.Lock()
        self._key: Optional[Tuple[str, str]] = None
        self._webhook: Optional[Dict[str, Any]] = None
        self._last_guid: Optional[str] = None
        self._clear()

    # ------------------------------------------------------------------ webhook

    def read(self, code: str, direction: Optional[str] = None, warm: bool = True) -> bool:
        """Load webhook ``code`` (in ``direction``, default the constructor's) from hookd,
        and bring its credential into hookd's cache.

        Returns True and sets the attributes when the webhook is registered.
        Returns False when it is not (hookd's -32002 not_found), as the legacy
        ``read`` did; the object is then *empty* (as before any read), so a
        following :meth:`invalidate_webhook_credential_cache` invalidates all.
        Any other error of ``webhook.get`` is raised: :class:`~hookrpc.HookRPCError`
        (e.g. -32602 for a malformed code) or :class:`~hookrpc.HookRPCConnectionError`.

        With ``warm`` (the default) the legacy read's credential fetch ("first call:
        source -> cache") happens too, as ``credential.warm``: hookd looks the
        credential up and caches it, the secret does not cross the socket, and the
        next credential call is a memory-cache hit. ``credential_cache`` then holds
        ``{cached, tier, ttl_s}`` (``tier`` ``None``: fetched from the source just now).
        A webhook whose credential cannot be had is still read: the error is kept in
        ``credential_cache_error`` and logged as a WARNING on the ``hookrpc.objhook``
        logger, and the credential calls raise it when they are made.
        """
        wanted = _check_direction(direction) if direction is not None else self.default_direction
        try:
            webhook = self.client.webhook_get(code, wanted)
        except HookRPCError as e:
            if e.code != _NOT_FOUND:
                raise
            with self._lock:
                self._clear()
            return False
        with self._lock:
            self._load(webhook)
            key = self._key
        if warm and key is not None:
            self._warm(key)
        return True

    @property
    def loaded(self) -> bool:
        """True after a successful :meth:`read`."""
        with self._lock:
            return self._key is not None

    def as_dict(self) -> Dict[str, Any]:
        """A copy of the webhook as ``webhook.get`` returned it (``{}`` before a read)."""
        with self._lock:
            return dict(self._webhook) if self._webhook is not None else {}

    # ------------------------------------------------------------------ credential

    def get_credential_info(self) -> Dict[str, Any]:
        """The full ``credential.get`` result for the webhook read last.

        ``{code, direction, auth_type, credential, source, cache: {hit, tier,
        age_s, ttl_s, stale?}}``. Raises :class:`WebhookNotReadError` before a
        successful :meth:`read`, :class:`~hookrpc.HookRPCError` when hookd cannot
        produce the credential (-32005 credential_unavailable, -32002 when the
        webhook was deleted meanwhile, -32006/-32007/-32008 for source failures).
        """
        code, direction = self._require_key("get_credential_info")
        return self.client.credential_get(code, direction)

    def _get_webhook_credential_cached(self) -> Dict[str, Any]:
        """The credential, shaped by ``auth_type``: bearer ``{"token"}``, basic
        ``{"username", "password"}``, api_key ``{"name", "value", "in"}``, hmac
        ``{"secret", "scheme"}``, none ``{}``. Served from hookd's cache when fresh."""
        credential = self.get_credential_info().get("credential")
        if not isinstance(credential, dict):
            raise TypeError(f"credential.get returned a credential that is not an object: {type(credential).__name__}")
        return credential

    def _get_webhook_credential(self) -> Dict[str, Any]:
        """Kept for compatibility: **identical** to :meth:`_get_webhook_credential_cached`.

        The legacy method bypassed the legacy cache; with hookd the daemon's
        cache decides. Call :meth:`invalidate_webhook_credential_cache` first to
        force a read from the credential's source.
        """
        return self._get_webhook_credential_cached()

    def invalidate_webhook_credential_cache(self) -> int:
        """Drop this webhook's cached credential in hookd; returns how many entries were dropped.

        Before a successful :meth:`read` (or after a ``read`` that returned
        False) this drops **every** cached credential of the daemon.
        """
        with self._lock:
            key = self._key
        if key is None:
            return self.client.credential_invalidate()
        return self.client.credential_invalidate(key[0], key[1])

    def get_credential_source(self) -> Dict[str, Any]:
        """``credential.source`` for the webhook read last: where its credential lives.

        ``{code, direction, source, ref, exists, cached, uses_database, error?}``.
        ``hook.credential_source()`` does the same (see
        :class:`CredentialSourceName`). Before a successful read both raise
        :class:`WebhookNotReadError`.
        """
        code, direction = self._require_key("get_credential_source")
        return self.client.credential_source(code, direction)

    def validate_credentials(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``validate.one`` for the webhook read last: does its credential work at its URL?

        ``{code, direction, status, message, details}`` with ``status`` ``"VALID"``,
        ``"INVALID"``, ``"UNTESTED"`` or ``"ERROR"`` (see :meth:`HookRPC.validate_one`,
        also for ``timeout``). The result never holds the secret. Raises
        :class:`WebhookNotReadError` before a successful :meth:`read`, and
        :class:`~hookrpc.HookRPCError` -32002 when the webhook was deleted meanwhile.
        """
        code, direction = self._require_key("validate_credentials")
        return self.client.validate_one(code, direction, timeout=timeout)

    # ------------------------------------------------------------------ structured logs

    def log_webhook_request(self, method: str, url: str, payload: Any = None,
                            headers: Optional[Dict[str, Any]] = None, credential_source: Optional[str] = None,
                            guid: Optional[str] = None) -> str:
        """Log the outgoing call (``log.request``); hookd masks secrets and writes the line.

        ``payload`` is any JSON value (only its size is logged); ``bytes`` are sent as
        UTF-8 text (invalid bytes replaced). ``credential_source`` is written as given
        (the legacy callers pass where they got the credential, e.g. ``"infisical"``);
        left out, the source of the webhook read last is written. Returns the call's
        guid (made by hookd unless given), which :meth:`log_webhook_response` reuses
        when it is not passed one.
        """
        code, direction = self._require_key("log_webhook_request")
        params: Dict[str, Any] = {"webhook_code": code, "direction": direction, "method": method, "url": url}
        if payload is not None:
            params["payload"] = _text(payload) if isinstance(payload, _BYTES) else payload
        if headers is not None:
            params["headers"] = headers
        if guid is not None:
            params["guid"] = guid
        source = credential_source if credential_source is not None else str(self.credential_source)
        if source:
            params["credential_source"] = source
        logged = str(self.client.call("log.request", params)["guid"])
        with self._lock:
            self._last_guid = logged
        return logged

    def log_webhook_response(self, status_code: Optional[int], response_body: Any = None,
                             duration: Optional[float] = None, success: Optional[bool] = None,
                             error: Union[str, BaseException, None] = None, guid: Optional[str] = None) -> str:
        """Log the call's outcome (``log.response``) under ``guid``, by default the one
        :meth:`log_webhook_request` returned last on this object; returns the guid.

        ``response_body`` may be a ``str``, ``bytes`` (sent as UTF-8 text, invalid bytes
        replaced) or any other JSON value (sent as its compact JSON text, e.g.
        ``{"id": "ch_123"}`` as ``{"id":"ch_123"}``); hookd logs its size and a masked
        preview of its first 256 bytes.
        hookd needs ``duration`` and ``success``, which the legacy signature makes
        optional: ``duration=None`` is logged as ``0``, and ``success=None`` means
        "no ``error`` and a ``status_code`` below 400". An ``error`` that is not a
        ``str`` (an exception) is logged as ``str(error)``.

        Raises :class:`WebhookNotReadError` when neither a guid nor an earlier
        :meth:`log_webhook_request` gives one.
        """
        code, direction = self._require_key("log_webhook_response")
        with self._lock:
            guid = guid or self._last_guid
        if guid is None:
            raise WebhookNotReadError("ObjHook.log_webhook_response(): no guid; call log_webhook_request first or pass guid")
        if error is not None and not isinstance(error, str):
            error = str(error)
        if success is None:
            success = error is None and status_code is not None and status_code < 400
        params: Dict[str, Any] = {"webhook_code": code, "direction": direction, "guid": guid,
                                  "duration": 0.0 if duration is None else duration, "success": success}
        if status_code is not None:
            params["status_code"] = status_code
        if response_body is not None:
            params["response_body"] = _body_text(response_body)
        if error is not None:
            params["error"] = error
        return str(self.client.call("log.response", params)["guid"])

    # ------------------------------------------------------------------ delivery

    def deliver(self, payload: Any = None, **kwargs: Any) -> Dict[str, Any]:
        """Hand hookd ``payload`` to send to the webhook read last (``webhook.deliver``).

        hookd applies the credential (it never comes here), sends, retries and logs.
        Returns ``{delivery_id, status, attempt?, timed_out?}``; with the default
        ``wait="accepted"`` the answer comes once the delivery is durably queued.
        ``kwargs`` are :meth:`HookRPC.webhook_deliver`'s (``body``, ``headers``,
        ``method``, ``content_type``, ``idempotency_key``, ``wait``, ``timeout_ms``).
        Raises :class:`WebhookNotReadError` before a successful :meth:`read`.
        """
        code, direction = self._require_key("deliver")
        return self.client.webhook_deliver(code, payload, direction=direction, **kwargs)

    def call(self, payload: Any = None, **kwargs: Any) -> DeliveryResponse:
        """Send ``payload`` through hookd and wait for the first attempt: the application's ``call()``.

        ``webhook.deliver`` with ``wait="first_attempt"``; a retryable failure stays
        queued in hookd and is retried there (``response.status == "retrying"``).
        Returns a :class:`~hookrpc.delivery.DeliveryResponse` (``status_code``, ``ok``,
        ``json()``, ``text``, ``elapsed``, ``delivery_id``). ``kwargs`` as
        :meth:`deliver`'s, without ``wait``.
        """
        if "wait" in kwargs:
            raise TypeError("ObjHook.call() always waits for the first attempt; use deliver(wait=...) otherwise")
        started = time.monotonic()
        result = self.deliver(payload, wait="first_attempt", **kwargs)
        return DeliveryResponse(result, time.monotonic() - started)

    # ------------------------------------------------------------------ internals

    def _warm(self, key: Tuple[str, str]) -> None:
        """``credential.warm`` for ``key``; keeps its result or its error (see :meth:`read`)."""
        warmed: Optional[Dict[str, Any]] = None
        failure: Optional[HookRPCError] = None
        try:
            warmed = self.client.credential_warm(key[0], key[1])
        except HookRPCError as e:  # hookd's errors never carry the secret
            failure = e
            logger.warning("hookd could not bring the credential of %s/%s into its cache: %s", key[0], key[1], e)
        with self._lock:
            if self._key == key:  # another thread's read() may have replaced the webhook meanwhile
                self.credential_cache, self.credential_cache_error = warmed, failure

    def _require_key(self, what: str) -> Tuple[str, str]:
        with self._lock:
            key = self._key
        if key is None:
            raise WebhookNotReadError(f"ObjHook.{what}(): no webhook has been read; call read(code) first")
        return key

    def _clear(self) -> None:
        """Forget the webhook (caller holds the lock, or is __init__)."""
        self._key = None
        self._webhook = None
        self.code = None
        self.direction = self.default_direction
        self.type = None
        self.url = None
        self.method = None
        self.auth_type = None
        self.headers = {}
        self.timeout_seconds = None
        self.enabled = None
        self.description = None
        self.credential_source = CredentialSourceName("", self)
        self.credential_ref = None
        self.created_at = None
        self.updated_at = None
        self.credential_cache = None
        self.credential_cache_error = None

    def _load(self, webhook: Dict[str, Any]) -> None:
        """Set the attributes from webhook.get's result (caller holds the lock)."""
        code = webhook.get("code")
        direction = webhook.get("direction")
        if not isinstance(code, str) or direction not in _DIRECTIONS:
            raise TypeError(f"webhook.get returned no valid code/direction: {webhook!r}")
        credential = webhook.get("credential")
        if not isinstance(credential, dict):
            credential = {}
        headers = webhook.get("headers")
        timeout = webhook.get("timeout_seconds")
        source = credential.get("source")
        self._webhook = dict(webhook)
        self._key = (code, str(direction))
        self.code = code
        self.direction = str(direction)
        self.type = _opt_str(webhook.get("type"))
        self.url = _opt_str(webhook.get("url"))
        self.method = _opt_str(webhook.get("method"))
        self.auth_type = _opt_str(webhook.get("auth_type"))
        self.headers = {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {}
        self.timeout_seconds = float(timeout) if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else None
        enabled = webhook.get("enabled")
        self.enabled = enabled if isinstance(enabled, bool) else None
        self.description = _opt_str(webhook.get("description"))
        self.credential_source = CredentialSourceName(source if isinstance(source, str) else "", self)
        self.credential_ref = _opt_str(credential.get("ref"))
        self.created_at = _opt_str(webhook.get("created_at"))
        self.updated_at = _opt_str(webhook.get("updated_at"))
        self.credential_cache = None
        self.credential_cache_error = None

    def __repr__(self) -> str:
        with self._lock:
            key = self._key
        if key is None:
            return f"ObjHook(<not read>, direction={self.default_direction!r})"
        return f"ObjHook(code={key[0]!r}, direction={key[1]!r}, url={self.url!r}, auth_type={self.auth_type!r})"


def _opt_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


#: Binary bodies the legacy callers may pass (``response.content``).
_BYTES = (bytes, bytearray, memoryview)


def _text(data: Union[bytes, bytearray, memoryview]) -> str:
    """Binary data as text for hookd: UTF-8, invalid bytes replaced by U+FFFD."""
    return bytes(data).decode("utf-8", "replace")


def _body_text(body: Any) -> str:
    """``log.response``'s ``response_body`` (a string) for any body a legacy caller passes.

    A ``str`` as is, binary data as :func:`_text`, any other JSON value as its compact
    JSON text (what hookd measures for a ``log.request`` payload). A value JSON cannot
    encode raises ``TypeError``/``ValueError`` before anything is sent.
    """
    if isinstance(body, str):
        return body
    if isinstance(body, _BYTES):
        return _text(body)
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
