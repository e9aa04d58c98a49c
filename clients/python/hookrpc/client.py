"""Synchronous, thread-safe hookd client.

hookd speaks newline-delimited JSON-RPC 2.0 over a Unix domain stream socket:
every message is one compact JSON value on one line, terminated by ``\\n``.

Design choices (correctness first):

* One persistent connection per :class:`HookRPC`, opened lazily on first use
  and reused for every call. If the daemon closed it while idle (for example
  its idle timeout), the client notices *before* writing the next request and
  reconnects once, transparently. A connection that fails after a request was
  written is never retried, because the daemon may have executed the request.
* Whole exchanges (write request, read its response) are serialized under one
  lock. Responses are still matched by id, and anything that does not belong
  to the current exchange is discarded, so correctness never depends on the
  daemon answering in order. For parallel throughput use one client per thread.
* Every socket wait (connect, send, receive) is bounded by ``timeout`` seconds,
  measured as a deadline over the whole exchange. After a timeout the
  connection is dropped: its state is unknown (a late answer may still come).
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import os
import socket
import struct
import threading
import time
from datetime import datetime
from types import TracebackType
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Type,
    Union,
    cast,
)

from .errors import (
    HookRPCConnectionError,
    HookRPCError,
    HookRPCProtocolError,
    HookRPCTimeoutError,
    HookRPCUntrustedServerError,
)
from .paths import resolve_socket_path

__all__ = [
    "Call",
    "HookRPC",
    "Notification",
    "BatchItem",
    "SENTINEL_ID",
    "SENTINEL_LINE",
]

logger = logging.getLogger("hookrpc")

#: Id of the sentinel request the conformance procedure sends after each case.
SENTINEL_ID = "__sentinel__"

#: The spec's sentinel request line (without the trailing newline).
SENTINEL_LINE = (
    '{"jsonrpc":"2.0","method":"system.echo","params":{"value":"__sentinel__"},'
    '"id":"__sentinel__"}'
)

#: Refuse to buffer a single response line larger than this (a daemon bug or a
#: peer that is not hookd); protects the client's memory.
MAX_RESPONSE_LINE_BYTES = 64 * 1024 * 1024

_RECV_CHUNK = 65536
_MSG_NOSIGNAL: int = getattr(socket, "MSG_NOSIGNAL", 0)

Params = Optional[Mapping[str, Any]]


class HeaderItems(Protocol):
    """Any headers object whose ``items()`` gives ``(name, value)`` pairs (repeats included)."""

    def items(self) -> Iterable[Tuple[Any, Any]]: ...


#: Request headers for :meth:`HookRPC.inbound_verify`: a mapping, a headers object with
#: ``items()`` (``wsgiref.headers.Headers``, werkzeug's ``Headers``/``EnvironHeaders``,
#: ``email.message.Message``, Django's ``request.headers``) or ``(name, value)`` pairs.
InboundHeaders = Union[Mapping[str, Any], HeaderItems, Iterable[Tuple[Any, Any]]]

#: A request body as received: bytes (exact), or text (sent as its UTF-8 bytes).
InboundBody = Union[bytes, bytearray, memoryview, str]

#: Form parameters for :meth:`HookRPC.inbound_verify`: a mapping of name to a value or a
#: list of values, a multi-dict with ``lists()`` (werkzeug's ``MultiDict``, Django's
#: ``QueryDict``), or ``(name, value)`` pairs such as ``urllib.parse.parse_qsl`` returns.
InboundParams = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]

#: When a request was received: seconds since 1970, ISO 8601 text with a zone, or an aware datetime.
ReceivedAt = Union[int, float, str, datetime]


#: Calls whose request or answer is a secret: sent only to a trusted server (see ``_send``).
SECRET_BEARING_METHODS = frozenset({"credential.get", "webhook.upsert"})


class Call(NamedTuple):
    """A batch item that expects a response. A plain ``(method, params)`` tuple works too."""

    method: str
    params: Params = None


class Notification(NamedTuple):
    """A batch item (or :meth:`HookRPC.notify` payload) sent without an id: no response."""

    method: str
    params: Params = None


#: What :meth:`HookRPC.batch` accepts per item.
BatchItem = Union[Call, Notification, Tuple[str], Tuple[str, Params]]


class _ConnectionClosed(HookRPCConnectionError):
    """The daemon closed the connection (EOF) while a response was awaited."""


class _Deadline:
    """A point in time after which socket waits must give up (None: never)."""

    __slots__ = ("timeout", "_end")

    def __init__(self, timeout: Optional[float]) -> None:
        self.timeout = timeout
        self._end = None if timeout is None else time.monotonic() + timeout

    def remaining(self) -> Optional[float]:
        """Seconds left, or None for no limit; 0.0 once the deadline has passed."""
        if self._end is None:
            return None
        return max(0.0, self._end - time.monotonic())


def _encode(obj: Any) -> bytes:
    """Encode one message as a compact UTF-8 JSON line body (no newline).

    ``json.dumps`` escapes control characters, so the result never contains a
    raw newline. NaN/Infinity are rejected (not JSON); unencodable values raise
    ``TypeError``/``ValueError`` before anything is written to the socket.
    """
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    data = text.encode("utf-8")  # lone surrogates raise UnicodeEncodeError (a ValueError)
    if b"\n" in data:  # pragma: no cover - json.dumps guarantees this
        raise ValueError("encoded message contains a raw newline")
    return data


def _encode_raw_line(line: Union[str, bytes]) -> bytes:
    """Bytes for a caller-provided raw line (conformance testing).

    ``str`` is encoded as UTF-8; if it contains lone surrogates (the way a JSON
    test file spells invalid UTF-8), ``surrogateescape`` maps U+DC80..U+DCFF to
    the raw bytes 0x80..0xFF and any other surrogate is written as its
    (invalid) 3-byte form via ``surrogatepass``.
    """
    if isinstance(line, (bytes, bytearray)):
        return bytes(line)
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:
        pass
    try:
        return line.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return line.encode("utf-8", "surrogatepass")


def _is_our_int_id(value: Any, rid: int) -> bool:
    """True when a response id is exactly the integer we sent (not True, not 1.0)."""
    return isinstance(value, int) and not isinstance(value, bool) and value == rid


def _is_null_id_error(msg: Any) -> bool:
    """An error reply the daemon could not attribute to a request id.

    On a connection with one exchange in flight it belongs to that exchange
    (e.g. too_large for our line, or overloaded sent right after connecting).
    """
    return isinstance(msg, dict) and "id" in msg and msg["id"] is None and "error" in msg


def _error_from(error: Any) -> HookRPCError:
    """Validate a JSON-RPC error object and turn it into a HookRPCError."""
    if not isinstance(error, dict):
        raise HookRPCProtocolError(f"malformed error object from hookd: {error!r}")
    code = error.get("code")
    message = error.get("message")
    if not isinstance(code, int) or isinstance(code, bool) or not isinstance(message, str):
        raise HookRPCProtocolError(f"malformed error object from hookd: {error!r}")
    return HookRPCError(code, message, error.get("data"))


def _outcome(response: Dict[str, Any]) -> Union[Any, HookRPCError]:
    """The result of a response object, or the HookRPCError it carries (returned, not raised)."""
    if "error" in response:
        return _error_from(response["error"])
    if "result" in response:
        return response["result"]
    raise HookRPCProtocolError(f"response has neither result nor error: {response!r}")


def _object(result: Any, method: str) -> Dict[str, Any]:
    """The result of ``method`` when it is a JSON object, else HookRPCProtocolError."""
    if not isinstance(result, dict):
        raise HookRPCProtocolError(f"{method} returned {result!r}, expected an object")
    return result


def _alert_record_params(
    code: str,
    success: bool,
    duration: float,
    status_code: Optional[int],
    error: Optional[str],
    direction: Optional[str],
    timestamp: Optional[float],
) -> Dict[str, Any]:
    """``alert.record``'s params; arguments passed as ``None`` are left out."""
    params: Dict[str, Any] = {"webhook_code": code, "success": success, "duration": duration}
    for name, value in (("status_code", status_code), ("error", error),
                        ("direction", direction), ("timestamp", timestamp)):
        if value is not None:
            params[name] = value
    return params


def _members(result: Any, method: str, key: str) -> List[Dict[str, Any]]:
    """The list of objects under ``key`` in ``method``'s result, else HookRPCProtocolError."""
    members = result.get(key) if isinstance(result, dict) else None
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise HookRPCProtocolError(f"{method} returned {result!r}, expected {{'{key}': [...]}}")
    return members


def _inbound_headers(headers: InboundHeaders) -> Dict[str, Any]:
    """``headers`` as the JSON object inbound.verify takes.

    Names that differ only in case are one header: the first spelling is kept and the values
    are joined with ``", "`` (how HTTP combines a repeated field). Bytes are decoded (UTF-8,
    else Latin-1); other values go as they are, for hookd to judge. No value appears in an
    error message (a signature is one).
    """
    if isinstance(headers, (str, bytes, bytearray)):
        raise TypeError("headers must be a mapping or (name, value) pairs, not a string")
    items_method = getattr(headers, "items", None)
    pairs: Iterable[Any] = items_method() if callable(items_method) else cast(Iterable[Any], headers)
    merged: Dict[str, Any] = {}
    spelling: Dict[str, str] = {}  # lower-case name -> the name as first given
    for pair in pairs:
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise TypeError(f"headers must be (name, value) pairs, got a {type(pair).__name__}") from None
        name, value = _header_text(name), _header_text(value)
        if not isinstance(name, str):
            raise TypeError(f"a header name must be a str, got a {type(name).__name__}")
        first = spelling.setdefault(name.lower(), name)
        if first not in merged:
            merged[first] = value
        elif isinstance(merged[first], str) and isinstance(value, str):
            merged[first] = merged[first] + ", " + value
        else:  # not text: hookd refuses it, naming the header
            merged[first] = [merged[first], value]
    return merged


def _header_text(value: Any) -> Any:
    """Bytes as text (UTF-8, else Latin-1, as HTTP/1.1 header bytes); anything else unchanged."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    return value


def _inbound_params(params: InboundParams) -> Dict[str, Any]:
    """Form parameters as the JSON object inbound.verify takes: a repeated name's values as a list."""
    if isinstance(params, (str, bytes, bytearray)):
        raise TypeError("params must be a mapping or (name, value) pairs, not a string")
    lists_method = getattr(params, "lists", None)  # werkzeug MultiDict, Django QueryDict: every value
    items_method = getattr(params, "items", None)
    pairs: Iterable[Any]
    if callable(lists_method):
        pairs = lists_method()
    elif callable(items_method):
        pairs = items_method()
    else:
        pairs = cast(Iterable[Any], params)
    result: Dict[str, Any] = {}
    for pair in pairs:
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise TypeError(f"params must be (name, value) pairs, got a {type(pair).__name__}") from None
        if isinstance(value, tuple):
            value = list(value)
        if name in result:
            before = result[name]
            result[name] = (before if isinstance(before, list) else [before]) + (
                value if isinstance(value, list) else [value])
        else:
            result[name] = value
    return result


def _inbound_verify_params(code: str, headers: InboundHeaders, body: InboundBody, url: Optional[str],
                           params: Optional[InboundParams], received_at: Optional[ReceivedAt]) -> Dict[str, Any]:
    """inbound.verify's params. A body that is valid UTF-8 goes as ``body`` (text), any other as
    ``body_base64``, so hookd sees the exact bytes either way."""
    request: Dict[str, Any] = {"code": code, "headers": _inbound_headers(headers)}
    if isinstance(body, str):
        try:
            body.encode("utf-8")
            request["body"] = body
        except UnicodeEncodeError:  # lone surrogates: the bytes a surrogateescape decode stood for
            request["body_base64"] = base64.b64encode(_encode_raw_line(body)).decode("ascii")
    elif isinstance(body, (bytes, bytearray, memoryview)):
        raw = bytes(body)
        try:
            request["body"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            request["body_base64"] = base64.b64encode(raw).decode("ascii")
    else:
        raise TypeError(f"body must be bytes or str, got {type(body).__name__}")
    if url is not None:
        request["url"] = url
    if params is not None:
        request["params"] = _inbound_params(params)
    if received_at is not None:
        if isinstance(received_at, datetime):
            if received_at.utcoffset() is None:
                raise ValueError("received_at must be an aware datetime (with a time zone)")
            request["received_at"] = received_at.timestamp()
        else:
            request["received_at"] = received_at
    return request


def _preview(data: bytes, limit: int = 200) -> str:
    text = data[:limit].decode("utf-8", "replace")
    return text + ("..." if len(data) > limit else "")


class HookRPC:
    """A client for one hookd daemon.

    ``socket_path`` is resolved with :func:`hookrpc.resolve_socket_path` (so
    ``None`` means "the default for this environment"). ``timeout`` bounds every
    socket wait of one operation (seconds; ``None`` waits forever).

    Thread-safe: any number of threads may share one instance; their exchanges
    are serialized. Use as a context manager to close the connection::

        with HookRPC() as rpc:
            print(rpc.version())
    """

    socket_path: str
    timeout: Optional[float]

    def __init__(self, socket_path: Optional[str] = None, timeout: Optional[float] = 30.0) -> None:
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
        self.socket_path = resolve_socket_path(socket_path)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._sock: Optional[socket.socket] = None
        #: The listener's uid on the current connection (SO_PEERCRED), once a secret-bearing call asked.
        self._server_uid: Optional[int] = None
        self._last_used = 0.0
        self._buf = bytearray()
        self._ids: Iterator[int] = itertools.count(1)

    # ------------------------------------------------------------------ public API

    def call(self, method: str, params: Params = None) -> Any:
        """Call ``method`` and return its ``result``.

        Raises :class:`HookRPCError` for an error reply and
        :class:`HookRPCConnectionError` (or a subclass) for transport problems.
        ``params`` must be a mapping (hookd takes by-name params only); ``None``
        omits the member, which hookd treats as ``{}``.
        """
        with self._lock:
            rid = next(self._ids)
            payload = _encode(self._request(method, params, rid))
            deadline = _Deadline(self.timeout)
            self._send(payload + b"\n", deadline, secret_method=method if method in SECRET_BEARING_METHODS else None)
            response = self._wait_for(
                lambda m: isinstance(m, dict) and _is_our_int_id(m.get("id"), rid), deadline)
        outcome = _outcome(response)
        if isinstance(outcome, HookRPCError):
            raise outcome
        return outcome

    def notify(self, method: str, params: Params = None) -> None:
        """Send a notification (no id). hookd never answers one, so nothing is read.

        Errors in the notification itself (unknown method, bad params) are
        therefore invisible; only transport failures are reported.
        """
        with self._lock:
            payload = _encode(self._request(method, params, None))
            self._send(payload + b"\n", _Deadline(self.timeout))

    def batch(self, items: Sequence[BatchItem]) -> List[Any]:
        """Send several requests as one JSON-RPC batch and collect the answers.

        Each item is ``(method,)``, ``(method, params)``, :class:`Call` or
        :class:`Notification`. The returned list has one entry per
        non-notification item, in the order given: the ``result``, or a
        :class:`HookRPCError` instance (returned, not raised) for an error
        reply. Responses are matched by id, so the daemon's order does not
        matter.

        An empty ``items`` sends nothing (``[]`` is an invalid request on the
        wire) and returns ``[]``; a batch of only notifications is sent and
        returns ``[]`` without reading. If hookd rejects the batch as a whole
        (a single error object, e.g. too_large) that error is raised.
        """
        parsed: List[Tuple[str, Params, bool]] = []
        for item in items:
            if isinstance(item, Notification):
                parsed.append((item.method, item.params, True))
            elif isinstance(item, tuple) and 1 <= len(item) <= 2:
                params: Params = item[1] if len(item) == 2 else None
                parsed.append((item[0], params, False))
            else:
                raise TypeError(
                    f"batch items must be (method, params) tuples, Call or Notification, got {item!r}")
        if not parsed:
            return []
        with self._lock:
            ids: List[Optional[int]] = []
            messages: List[Dict[str, Any]] = []
            for method, params, is_notification in parsed:
                rid = None if is_notification else next(self._ids)
                ids.append(rid)
                messages.append(self._request(method, params, rid))
            payload = _encode(messages)
            deadline = _Deadline(self.timeout)
            secret = next((method for method, _, _ in parsed if method in SECRET_BEARING_METHODS), None)
            self._send(payload + b"\n", deadline, secret_method=secret)
            wanted = {rid for rid in ids if rid is not None}
            if not wanted:
                return []

            def ours(msg: Any) -> bool:
                return isinstance(msg, list) and any(
                    isinstance(el, dict) and isinstance(el.get("id"), int)
                    and not isinstance(el.get("id"), bool) and el.get("id") in wanted
                    for el in msg)

            response = self._wait_for(ours, deadline)
        if isinstance(response, dict):  # whole batch rejected with an id-null error
            outcome = _outcome(response)
            if isinstance(outcome, HookRPCError):
                raise outcome
            raise HookRPCProtocolError(f"unexpected reply to a batch: {response!r}")
        by_id: Dict[int, Dict[str, Any]] = {}
        for el in response:
            if isinstance(el, dict) and isinstance(el.get("id"), int) and not isinstance(el.get("id"), bool):
                by_id[el["id"]] = el
        results: List[Any] = []
        for rid in ids:
            if rid is None:
                continue
            el = by_id.get(rid)
            if el is None:
                raise HookRPCProtocolError(
                    f"batch response lacks an answer for request id {rid}: {response!r}")
            results.append(_outcome(el))
        return results

    def raw_exchange(self, line: Union[str, bytes]) -> List[Any]:
        """Conformance helper: send ``line`` verbatim, then the spec's sentinel.

        Sends ``line + "\\n"`` followed by :data:`SENTINEL_LINE` + ``"\\n"`` and
        returns the parsed JSON values of every line received before the
        sentinel's response (``[]`` means "no response"). Blank lines from the
        daemon are skipped. If the daemon closes the connection before
        answering the sentinel (e.g. after a too_large error) the lines received
        so far are returned and the client reconnects on next use; if it closed
        without sending anything, :class:`HookRPCConnectionError` is raised.
        """
        raw = _encode_raw_line(line)
        with self._lock:
            deadline = _Deadline(self.timeout)
            self._send(raw + b"\n" + SENTINEL_LINE.encode("ascii") + b"\n", deadline)
            received: List[Any] = []
            while True:
                try:
                    msg = self._read_message(deadline)
                except _ConnectionClosed:
                    if received:
                        return received
                    raise
                if isinstance(msg, dict) and msg.get("id") == SENTINEL_ID:
                    return received
                received.append(msg)

    def connect(self) -> None:
        """Open the connection now instead of on first use (no-op if open)."""
        with self._lock:
            if self._sock is None:
                self._connect(_Deadline(self.timeout))

    def close(self) -> None:
        """Close the connection (idempotent). A later call reconnects lazily.

        Waits for an exchange running in another thread to finish first.
        """
        with self._lock:
            self._drop()

    def fileno(self) -> int:
        """File descriptor of the current connection, or -1 when not connected."""
        sock = self._sock
        return sock.fileno() if sock is not None else -1

    def __enter__(self) -> "HookRPC":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "connected" if self._sock is not None else "not connected"
        return f"HookRPC(socket_path={self.socket_path!r}, timeout={self.timeout!r}) <{state}>"

    # ------------------------------------------------------------- conveniences

    def health(self) -> Dict[str, Any]:
        """``system.health``: status, version, uptime_s, pid, connections, components."""
        return _object(self.call("system.health"), "system.health")

    def version(self) -> Dict[str, Any]:
        """``system.version``: ``{"name": "hookd", "version": ..., "protocol_version": ...}``."""
        return _object(self.call("system.version"), "system.version")

    def echo(self, value: Any) -> Any:
        """``system.echo``: returns the echoed value (the result's ``value`` member)."""
        result = self.call("system.echo", {"value": value})
        if not isinstance(result, dict) or "value" not in result:
            raise HookRPCProtocolError(f"system.echo returned {result!r}, expected {{'value': ...}}")
        return result["value"]

    def discover(self) -> Dict[str, Any]:
        """``rpc.discover``: the daemon's OpenRPC document."""
        return _object(self.call("rpc.discover"), "rpc.discover")

    def reload(self) -> Dict[str, Any]:
        """``system.reload``: reload the daemon's config (raises invalid_config on a bad one)."""
        return _object(self.call("system.reload"), "system.reload")

    # ------------------------------------------------------- webhooks and credentials
    # Thin wrappers over the webhook.* and credential.* methods. Errors are the
    # daemon's, raised as HookRPCError: -32602 invalid_params (``e.data["parameter"]``
    # names the field), -32002 not_found, -32005 credential_unavailable, ...

    def webhook_upsert(self, **fields: Any) -> Dict[str, Any]:
        """``webhook.upsert``: create or replace a webhook; returns it (never its secret).

        ``fields`` are the method's params: ``code``, ``auth_type`` and (for an
        HTTP webhook) ``url`` are required; ``direction``, ``type``, ``method``,
        ``credential={"source": ..., "ref": ..., "value": ...}``, ``headers``,
        ``timeout_seconds``, ``enabled``, ``description``, ``alerting``,
        ``validate_method``, ``allow_insecure_http``, ``retry``, ``breaker``,
        ``max_in_flight`` and ``rate_per_second`` are optional. Fields
        passed as ``None`` are left out (the daemon's default applies).
        """
        params = {name: value for name, value in fields.items() if value is not None}
        return _object(self.call("webhook.upsert", params), "webhook.upsert")

    def webhook_get(self, code: str, direction: str = "OUT") -> Dict[str, Any]:
        """``webhook.get``: the webhook; HookRPCError -32002 (not_found) when not registered."""
        return _object(self.call("webhook.get", {"code": code, "direction": direction}), "webhook.get")

    def webhook_list(self, direction: Optional[str] = None) -> List[Dict[str, Any]]:
        """``webhook.list``: every webhook (of one direction when given), i.e. the result's ``webhooks``."""
        params: Dict[str, Any] = {} if direction is None else {"direction": direction}
        result = _object(self.call("webhook.list", params), "webhook.list")
        webhooks = result.get("webhooks")
        if not isinstance(webhooks, list) or not all(isinstance(w, dict) for w in webhooks):
            raise HookRPCProtocolError(f"webhook.list returned {result!r}, expected {{'webhooks': [...]}}")
        return webhooks

    def webhook_delete(self, code: str, direction: str = "OUT") -> bool:
        """``webhook.delete``: True when a webhook was deleted, False when there was none."""
        result = _object(self.call("webhook.delete", {"code": code, "direction": direction}), "webhook.delete")
        deleted = result.get("deleted")
        if not isinstance(deleted, bool):
            raise HookRPCProtocolError(f"webhook.delete returned {result!r}, expected {{'deleted': bool}}")
        return deleted

    def credential_get(self, code: str, direction: str = "OUT") -> Dict[str, Any]:
        """``credential.get``: the whole result, ``{code, direction, auth_type, credential,
        source, cache: {hit, tier, age_s, ttl_s, stale?}}``; the secret is ``["credential"]``."""
        return _object(self.call("credential.get", {"code": code, "direction": direction}), "credential.get")

    def credential_source(self, code: str, direction: str = "OUT") -> Dict[str, Any]:
        """``credential.source``: ``{code, direction, source, ref, exists, cached, uses_database, error?}``."""
        return _object(self.call("credential.source", {"code": code, "direction": direction}),
                       "credential.source")

    def credential_warm(self, code: str, direction: str = "OUT") -> Dict[str, Any]:
        """``credential.warm``: bring the credential into hookd's cache without returning it.

        Returns ``{cached: True, tier, ttl_s}``: ``tier`` is where hookd found it
        (``"memory"``, ``"redis"``, or ``None`` when it was fetched from its source just
        now), ``ttl_s`` how long it stays cached. The next :meth:`credential_get` is a
        cache hit. Errors as ``credential_get``'s (-32002 not_found, -32005
        credential_unavailable, ...).
        """
        return _object(self.call("credential.warm", {"code": code, "direction": direction}), "credential.warm")

    def credential_invalidate(self, code: Optional[str] = None, direction: Optional[str] = None) -> int:
        """``credential.invalidate``: drop cached credentials; returns how many were dropped.

        No arguments: every cached credential. ``code``: that webhook's (both
        directions unless ``direction`` is given). ``direction`` alone: that direction's.
        """
        params: Dict[str, Any] = {}
        if code is not None:
            params["code"] = code
        if direction is not None:
            params["direction"] = direction
        result = _object(self.call("credential.invalidate", params), "credential.invalidate")
        count = result.get("invalidated")
        if not isinstance(count, int) or isinstance(count, bool):
            raise HookRPCProtocolError(
                f"credential.invalidate returned {result!r}, expected {{'invalidated': int}}")
        return count

    # ------------------------------------------------------------------ credential validation
    # validate.one / validate.all check that a webhook's credential works: hookd requests
    # an OUT webhook's URL (HEAD, then GET on 405) with the credential applied and sorts the
    # answer into VALID (2xx/3xx, other 4xx), INVALID (401/403/404/410) or ERROR (429, 5xx,
    # timeout, connection or TLS failure); a webhook it cannot test is UNTESTED. Results
    # never carry the secret.
    #
    # Each check can take up to the webhook's timeout_seconds (at most 300 s), and
    # validate.all runs ``concurrency`` of them at a time, so a call can outlast this
    # client's ``timeout``. Pass ``timeout=`` (seconds) to give one call its own limit: it
    # then runs on a separate, short-lived connection with that timeout. To wait without
    # limit use a client made with ``HookRPC(timeout=None)``.

    def validate_one(self, code: str, direction: str = "OUT",
                     timeout: Optional[float] = None) -> Dict[str, Any]:
        """``validate.one``: check one webhook's credential against its endpoint.

        Returns ``{code, direction, status, message, details}``: ``status`` is
        ``"VALID"``, ``"INVALID"``, ``"UNTESTED"`` or ``"ERROR"``; ``details`` holds
        ``url, method, status_code?, latency_ms?, credential_source, auth_type,
        tls_expires_in_days?, checked_at``. ``timeout``: this call's limit in
        seconds (default: the client's). Raises HookRPCError -32002 (not_found)
        for an unregistered webhook.
        """
        params = {"code": code, "direction": direction}
        return _object(self._call_with_timeout("validate.one", params, timeout), "validate.one")

    def validate_all(self, direction: Optional[str] = None, codes: Optional[Sequence[str]] = None,
                     concurrency: Optional[int] = None, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``validate.all``: check many webhooks' credentials, ``concurrency`` at a time.

        ``direction`` ``"OUT"``, ``"IN"`` or ``"ALL"`` (hookd's default), ``codes``
        only these webhooks (default: every one), ``concurrency`` 1..64 (hookd's
        default 8); arguments passed as ``None`` are left out. Returns
        ``{results: [validate.one results], summary: {valid, invalid, untested,
        errors, total}, duration_ms}``. ``timeout``: this call's limit in seconds
        (default: the client's, often too short for many webhooks).
        """
        params: Dict[str, Any] = {}
        if direction is not None:
            params["direction"] = direction
        if codes is not None:
            if isinstance(codes, (str, bytes)):
                raise TypeError("codes must be a sequence of webhook codes, not a single string")
            params["codes"] = list(codes)
        if concurrency is not None:
            params["concurrency"] = concurrency
        return _object(self._call_with_timeout("validate.all", params, timeout), "validate.all")

    def check_source(self, code: str, direction: str = "OUT") -> Dict[str, Any]:
        """``credential.source`` under the name the validation tooling uses (same as :meth:`credential_source`).

        ``{code, direction, source, ref, exists, cached, uses_database, error?}``:
        where the credential lives and whether it exists there, without the value.
        """
        return self.credential_source(code, direction)

    def _call_with_timeout(self, method: str, params: Params, timeout: Optional[float]) -> Any:
        """:meth:`call`, bounded by ``timeout`` seconds instead of the client's when one is given.

        The client's timeout is set on its connection's socket, so another limit needs
        another connection: a client of its own for this one call, closed afterwards.
        """
        if timeout is None or timeout == self.timeout:
            return self.call(method, params)
        with HookRPC(self.socket_path, timeout=timeout) as once:
            return once.call(method, params)

    # ------------------------------------------------------------------ alerting
    # Thin wrappers over the alert.* methods (hookd's sliding window per webhook code,
    # rules high_failure_rate / auth_failures / high_latency, and the delivery engine's
    # delivery_failing / webhook_disabled / delivery_dead). Errors are the daemon's:
    # -32602 invalid_params with ``e.data["parameter"]`` naming the field.

    def alert_record(
        self,
        code: str,
        success: bool,
        duration: float,
        status_code: Optional[int] = None,
        error: Optional[str] = None,
        direction: Optional[str] = None,
        timestamp: Optional[float] = None,
    ) -> Dict[str, Any]:
        """``alert.record`` as a call: ``{"recorded": True, "fired": [alert types that started firing]}``.

        ``duration`` in seconds, ``status_code`` an HTTP status (401/403 count as
        auth failures), ``direction`` ``"OUT"`` (hookd's default) or ``"IN"``,
        ``timestamp`` seconds since 1970 (default: now). A call older than the
        window is answered ``{"recorded": False, ...}`` and not counted; one more
        than a week old (or over an hour ahead) is refused with -32602.
        """
        params = _alert_record_params(code, success, duration, status_code, error, direction, timestamp)
        return _object(self.call("alert.record", params), "alert.record")

    def alert_record_notify(
        self,
        code: str,
        success: bool,
        duration: float,
        status_code: Optional[int] = None,
        error: Optional[str] = None,
        direction: Optional[str] = None,
        timestamp: Optional[float] = None,
    ) -> None:
        """``alert.record`` as a notification: nothing is read back, so bad params are
        dropped silently by hookd; only transport failures raise (see :meth:`notify`)."""
        self.notify("alert.record",
                    _alert_record_params(code, success, duration, status_code, error, direction, timestamp))

    def alert_metrics(self, code: Optional[str] = None) -> Dict[str, Any]:
        """``alert.metrics``: one webhook's window numbers (``total_calls``, ``failed_calls``,
        ``failure_rate`` in percent, ``auth_failures``, latencies, ``active_alerts``, ...);
        all zero for a code without calls. Without ``code``: ``{"webhooks": [metrics, ...]}``."""
        params: Dict[str, Any] = {} if code is None else {"webhook_code": code}
        return _object(self.call("alert.metrics", params), "alert.metrics")

    def alert_list(self) -> List[Dict[str, Any]]:
        """``alert.list``: the alerts firing now, i.e. the result's ``alerts``
        (``webhook_code, alert_type, severity, value, first_fired_at, last_notified_at, silenced_until``)."""
        return _members(self.call("alert.list"), "alert.list", "alerts")

    def alert_history(self, code: Optional[str] = None, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """``alert.history``: alert events, newest first (the result's ``events``).

        ``limit`` 1..1000 (hookd's default 100). Each event is the ``webhook_alert``
        record (``alert_type``, ``notification``: firing/repeat/resolved/test, ...)
        plus ``deliveries`` (channel -> outcome).
        """
        params: Dict[str, Any] = {}
        if code is not None:
            params["webhook_code"] = code
        if limit is not None:
            params["limit"] = limit
        return _members(self.call("alert.history", params), "alert.history", "events")

    def alert_silence(self, code: str, minutes: float, reason: Optional[str] = None,
                      alert_type: Optional[str] = None) -> Dict[str, Any]:
        """``alert.silence``: mute notifications of ``code`` (one ``alert_type`` or all) for
        ``minutes`` (0 < minutes <= 10080); returns ``{webhook_code, alert_type, until, reason}``.
        Alerts are still tracked and listed while silenced."""
        params: Dict[str, Any] = {"webhook_code": code, "minutes": minutes}
        if reason is not None:
            params["reason"] = reason
        if alert_type is not None:
            params["alert_type"] = alert_type
        return _object(self.call("alert.silence", params), "alert.silence")

    def alert_unsilence(self, code: str, alert_type: Optional[str] = None) -> int:
        """``alert.unsilence``: lift silences of ``code`` (one ``alert_type`` or all); returns how many."""
        params: Dict[str, Any] = {"webhook_code": code}
        if alert_type is not None:
            params["alert_type"] = alert_type
        result = _object(self.call("alert.unsilence", params), "alert.unsilence")
        removed = result.get("removed")
        if not isinstance(removed, int) or isinstance(removed, bool):
            raise HookRPCProtocolError(f"alert.unsilence returned {result!r}, expected {{'removed': int}}")
        return removed

    def alert_config(self) -> Dict[str, Any]:
        """``alert.config``: the alerting settings (``enabled, window_minutes,
        failure_rate_threshold, min_calls, auth_failure_threshold, latency_threshold_seconds,
        repeat_interval_minutes, send_resolved, channels, active_channels, invalidate_on_auth_failure``)."""
        return _object(self.call("alert.config"), "alert.config")

    def alert_test(self, code: str, severity: Optional[str] = None,
                   channels: Optional[Sequence[str]] = None) -> Dict[str, Any]:
        """``alert.test``: send a test alert; ``{webhook_code, severity, results: {channel:
        {success, error?}}}``. ``severity`` info/warning (default)/error/critical;
        ``channels`` defaults to the configured ones."""
        params: Dict[str, Any] = {"webhook_code": code}
        if severity is not None:
            params["severity"] = severity
        if channels is not None:
            params["channels"] = list(channels)
        return _object(self.call("alert.test", params), "alert.test")

    # ------------------------------------------------------------------ delivery
    # hookd sends the webhook itself (webhook.deliver): from its durable queue, with the
    # credential applied inside the daemon, retried by its schedule. Errors are the
    # daemon's: -32602 invalid_params (``e.data["reason"]`` ``payload_too_large`` or
    # ``webhook_disabled``), -32002 not_found, -32004 overloaded (``queue_full``).

    def webhook_deliver(self, code: str, payload: Any = None, *, body: Optional[bytes] = None,
                        direction: Optional[str] = None, content_type: Optional[str] = None,
                        headers: Optional[Mapping[str, str]] = None, method: Optional[str] = None,
                        idempotency_key: Optional[str] = None, wait: Optional[str] = None,
                        timeout_ms: Optional[int] = None) -> Dict[str, Any]:
        """``webhook.deliver``: hand hookd a payload to send; ``{delivery_id, status, attempt?, timed_out?}``.

        ``payload`` is any JSON value, sent compact as ``application/json``; or give
        ``body`` (bytes, sent base64 on the wire and as ``application/octet-stream``),
        not both. ``wait``: ``"accepted"`` (hookd's default: the answer comes once the
        delivery is durably queued), ``"first_attempt"`` (also its first attempt's
        outcome, ``attempt = {number, at, status_code, duration_ms, error,
        response_preview}``) or ``"final"`` (until delivered or dead, or ``timeout_ms``,
        default 30 000, passes: then ``timed_out`` is True). Arguments passed as ``None``
        are left out. A waiting call may outlast this client's ``timeout``; it then runs
        on a connection of its own that waits ``timeout_ms`` plus 5 s.
        """
        if payload is not None and body is not None:
            raise TypeError("give payload or body, not both")
        params: Dict[str, Any] = {"code": code}
        if payload is not None:
            params["payload"] = payload
        if body is not None:
            params["body_base64"] = base64.b64encode(bytes(body)).decode("ascii")
        for name, value in (("direction", direction), ("content_type", content_type), ("method", method),
                            ("idempotency_key", idempotency_key), ("wait", wait), ("timeout_ms", timeout_ms)):
            if value is not None:
                params[name] = value
        if headers is not None:
            params["headers"] = dict(headers)
        limit: Optional[float] = None
        if wait in ("first_attempt", "final"):
            needed = (timeout_ms if isinstance(timeout_ms, int) else 30_000) / 1000.0 + 5.0
            if self.timeout is not None and self.timeout < needed:
                limit = needed
        return _object(self._call_with_timeout("webhook.deliver", params, limit), "webhook.deliver")

    def delivery_get(self, delivery_id: str) -> Dict[str, Any]:
        """``delivery.get``: the delivery (``delivery_id, code, direction, status, created_at,
        next_attempt_at, finished_at, attempt_count, last_error, dead_reason, idempotency_key,
        message_id, replay_of``) and its ``attempts``, oldest first. -32002 when unknown."""
        return _object(self.call("delivery.get", {"delivery_id": delivery_id}), "delivery.get")

    def delivery_list(self, code: Optional[str] = None, status: Optional[str] = None,
                      since: Optional[float] = None, limit: Optional[int] = None,
                      cursor: Optional[str] = None) -> Dict[str, Any]:
        """``delivery.list``: ``{deliveries: [...], next_cursor}``, newest first; pass
        ``next_cursor`` back as ``cursor`` for the next page (None on the last).
        ``status`` queued/in_flight/retrying/delivered/dead/cancelled, ``since`` unix
        seconds, ``limit`` 1..1000 (hookd's default 100)."""
        params: Dict[str, Any] = {}
        for name, value in (("code", code), ("status", status), ("since", since), ("limit", limit), ("cursor", cursor)):
            if value is not None:
                params[name] = value
        return _object(self.call("delivery.list", params), "delivery.list")

    def delivery_cancel(self, delivery_id: str) -> Dict[str, Any]:
        """``delivery.cancel``: ``{cancelled, status}``; a delivery not yet final is never
        sent again (``cancelled`` True), a final one is left as it is (False)."""
        return _object(self.call("delivery.cancel", {"delivery_id": delivery_id}), "delivery.cancel")

    def delivery_stats(self, code: Optional[str] = None) -> Dict[str, Any]:
        """``delivery.stats``: ``{queued, in_flight, retrying, delivered, dead, cancelled,
        oldest_queued_age_s}``, with ``code`` also ``breaker: {state, opened_at?}``."""
        return _object(self.call("delivery.stats", {} if code is None else {"code": code}), "delivery.stats")

    # ------------------------------------------------------------------ inbound
    # inbound.verify: hookd checks a received webhook's signature with the IN webhook's hmac
    # credential, so the signing secret never leaves hookd. An invalid signature is a result
    # (``valid`` False with a ``reason``); bad params raise HookRPCError -32602 with
    # ``e.data["parameter"]`` naming the field. :class:`hookrpc.WebHooks` wraps this for
    # request handlers.

    def inbound_verify(self, code: str, headers: InboundHeaders, body: InboundBody,
                       url: Optional[str] = None, params: Optional[InboundParams] = None,
                       received_at: Optional[ReceivedAt] = None) -> Dict[str, Any]:
        """``inbound.verify``: ``{valid, scheme, reason?, event_id?, timestamp?, signed_with?}``.

        ``headers`` as received (names match case-insensitively; a name given twice is sent
        once, its values joined with ``", "`` as HTTP combines them). ``body``: the exact
        bytes received (a body that is not UTF-8 goes as ``body_base64``), or text. ``url``:
        the full URL the sender requested (needed for ``twilio``). ``params``: a form POST's
        parameters (``twilio``; a repeated name becomes a list). ``received_at``: when the
        request arrived (default: now), to check a captured request later. Arguments passed
        as ``None`` are left out. ``reason`` is ``missing_signature``,
        ``malformed_signature``, ``bad_signature``, ``timestamp_out_of_tolerance``,
        ``replayed``, ``unknown_webhook`` or ``no_secret``.
        """
        return _object(self.call("inbound.verify", _inbound_verify_params(
            code, headers, body, url, params, received_at)), "inbound.verify")

    # ------------------------------------------------------------------ internals
    # Everything below expects self._lock to be held.

    @staticmethod
    def _request(method: str, params: Params, rid: Optional[int]) -> Dict[str, Any]:
        """Build a request object; rid None makes it a notification (no "id" member)."""
        if not isinstance(method, str):
            raise TypeError(f"method must be a str, got {type(method).__name__}")
        msg: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            if not isinstance(params, Mapping):
                raise TypeError(
                    f"params must be a mapping (hookd takes by-name params), got {type(params).__name__}")
            msg["params"] = params if isinstance(params, dict) else dict(params)
        if rid is not None:
            msg["id"] = rid
        return msg

    def _timeout_error(self, what: str) -> HookRPCTimeoutError:
        return HookRPCTimeoutError(
            f"timed out after {self.timeout} s {what} hookd at {self.socket_path}", self.socket_path)

    def _check_deadline(self, deadline: _Deadline, what: str) -> None:
        """Fail when the call's deadline has passed.

        The socket itself stays in blocking mode with kernel timeouts (SO_RCVTIMEO and
        SO_SNDTIMEO, set once per connection): Python's own timeout mode would add a poll()
        before every send and recv, which is most of the cost of a cached credential read.
        """
        remaining = deadline.remaining()
        if remaining is not None and remaining <= 0:
            self._drop()
            raise self._timeout_error(what)

    def _connect(self, deadline: _Deadline) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            remaining = deadline.remaining()
            if remaining is not None and remaining <= 0:
                raise self._timeout_error("connecting to")
            sock.settimeout(remaining)
            sock.connect(self.socket_path)
            sock.settimeout(None)
            if self.timeout is not None:
                seconds = int(self.timeout)
                interval = struct.pack("ll", seconds, int((self.timeout - seconds) * 1_000_000))
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, interval)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, interval)
        except HookRPCTimeoutError:
            sock.close()
            raise
        except socket.timeout as e:
            sock.close()
            raise self._timeout_error("connecting to") from e
        except OSError as e:
            sock.close()
            reason = e.strerror or str(e)
            raise HookRPCConnectionError(
                f"cannot connect to hookd at {self.socket_path}: {reason}",
                self.socket_path, e.errno) from e
        self._sock = sock
        self._server_uid = None
        self._buf.clear()
        self._last_used = time.monotonic()
        return sock

    def _check_server_trusted(self, sock: socket.socket, method: str) -> None:
        """Refuse a listener whose uid (SO_PEERCRED) is not root, ours or HOOKD_TRUSTED_UID's.

        The uid is asked once per connection: it cannot change while the connection lasts.
        """
        if self._server_uid is None:
            _pid, self._server_uid, _gid = struct.unpack("3i", sock.getsockopt(
                socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
        server_uid = self._server_uid
        trusted = {0, os.getuid()}
        for part in os.environ.get("HOOKD_TRUSTED_UID", "").split(","):
            if part.strip().isdigit():
                trusted.add(int(part.strip()))
        if server_uid not in trusted:
            self._drop()
            raise HookRPCUntrustedServerError(
                f"refusing to call {method} on {self.socket_path}: the server runs as uid {server_uid}, "
                f"neither root nor this user; set HOOKD_TRUSTED_UID={server_uid} if that is really hookd",
                self.socket_path, server_uid)

    def _drop(self) -> None:
        """Forget the current connection (closing it) and any buffered input."""
        sock, self._sock = self._sock, None
        self._buf.clear()
        if sock is not None:
            try:
                sock.close()
            except OSError:  # pragma: no cover - close() on a socket hardly fails
                pass

    #: hookd closes idle connections after at least a second; a connection used more recently
    #: cannot have been closed that way, so the peek (a syscall) is skipped on busy connections.
    _IDLE_CHECK_SECONDS = 1.0

    def _peer_closed(self, sock: socket.socket) -> bool:
        """Non-blocking check whether the daemon has closed this idle connection."""
        if time.monotonic() - self._last_used < self._IDLE_CHECK_SECONDS:
            return False
        try:
            data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        return data == b""

    def _pending_error_after_close(self, sock: socket.socket) -> Optional[HookRPCError]:
        """After a failed write: did the daemon leave an id-null error (e.g. overloaded)?"""
        data = bytearray(self._buf)
        try:
            while len(data) < MAX_RESPONSE_LINE_BYTES:
                chunk = sock.recv(_RECV_CHUNK, socket.MSG_DONTWAIT)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        for raw in bytes(data).split(b"\n"):
            try:
                msg = json.loads(raw.decode("utf-8"))
            except ValueError:
                continue
            if _is_null_id_error(msg):
                try:
                    return _error_from(msg["error"])
                except HookRPCProtocolError:
                    continue
        return None

    def _send(self, payload: bytes, deadline: _Deadline, secret_method: Optional[str] = None) -> None:
        """Write payload on the connection, connecting or reconnecting (once) as needed.

        With ``secret_method`` (a call whose request or answer is a secret) the server
        must run as root, as this user, or as a uid in ``HOOKD_TRUSTED_UID``; otherwise
        :class:`HookRPCUntrustedServerError` is raised and nothing is sent.

        The reconnect happens only when the old connection is known to be closed
        before anything was written to it: the daemon closed it while idle
        (detected by a peek) or the write failed with EPIPE (the peer had already
        closed, so nothing was delivered).
        """
        for attempt in (0, 1):
            sock = self._sock
            fresh = sock is None
            if sock is None:
                sock = self._connect(deadline)
            elif self._peer_closed(sock):
                logger.debug("hookd closed the idle connection; reconnecting")
                self._drop()
                sock = self._connect(deadline)
                fresh = True
            if secret_method is not None:
                self._check_server_trusted(sock, secret_method)
            try:
                self._check_deadline(deadline, "sending to")
                sock.sendall(payload, _MSG_NOSIGNAL)
                self._last_used = time.monotonic()
                return
            except HookRPCTimeoutError:
                raise
            except (socket.timeout, BlockingIOError) as e:  # SO_SNDTIMEO expired
                self._drop()
                raise self._timeout_error("sending to") from e
            except OSError as e:
                pending = self._pending_error_after_close(sock)
                self._drop()
                if pending is not None:
                    raise pending from e
                if isinstance(e, BrokenPipeError) and not fresh and attempt == 0:
                    logger.debug("hookd connection was closed (EPIPE); reconnecting")
                    continue
                raise HookRPCConnectionError(
                    f"cannot send to hookd at {self.socket_path}: {e.strerror or e}",
                    self.socket_path, e.errno) from e
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_message(self, deadline: _Deadline) -> Any:
        """Read the next non-blank line and return its parsed JSON value."""
        sock = self._sock
        if sock is None:  # pragma: no cover - callers always send first
            raise HookRPCConnectionError("not connected", self.socket_path)
        scanned = 0
        while True:
            idx = self._buf.find(b"\n", scanned)
            if idx >= 0:
                line = bytes(self._buf[:idx])
                del self._buf[:idx + 1]
                scanned = 0
                if not line.strip():
                    continue  # blank lines carry no message
                try:
                    return json.loads(line.decode("utf-8"))
                except ValueError as e:  # UnicodeDecodeError and JSONDecodeError
                    raise HookRPCProtocolError(
                        f"hookd at {self.socket_path} sent a line that is not UTF-8 JSON "
                        f"({e}): {_preview(line)}", self.socket_path) from e
            scanned = len(self._buf)
            if scanned > MAX_RESPONSE_LINE_BYTES:
                self._drop()
                raise HookRPCProtocolError(
                    f"response line from hookd at {self.socket_path} exceeds "
                    f"{MAX_RESPONSE_LINE_BYTES} bytes", self.socket_path)
            self._check_deadline(deadline, "waiting for a response from")
            try:
                chunk = sock.recv(_RECV_CHUNK)
            except (socket.timeout, BlockingIOError) as e:  # SO_RCVTIMEO expired
                self._drop()
                raise self._timeout_error("waiting for a response from") from e
            except OSError as e:
                self._drop()
                raise HookRPCConnectionError(
                    f"connection to hookd at {self.socket_path} failed: {e.strerror or e}",
                    self.socket_path, e.errno) from e
            if not chunk:
                partial = bytes(self._buf)
                self._drop()
                detail = f" (incomplete line: {_preview(partial)})" if partial.strip() else ""
                raise _ConnectionClosed(
                    f"hookd at {self.socket_path} closed the connection before answering{detail}",
                    self.socket_path)
            self._buf += chunk

    def _wait_for(self, ours: Callable[[Any], bool], deadline: _Deadline) -> Any:
        """Read messages until one satisfies ``ours`` (or is an id-null error) and return it.

        An id-null error also drops the connection. Anything else is a reply
        that belongs to no current exchange; it is logged and discarded so it cannot be mistaken for a later answer.
        """
        while True:
            msg = self._read_message(deadline)
            if _is_null_id_error(msg):
                # hookd closes the connection after the id-null errors it sends
                # unprompted (too_large, overloaded); never reuse it after one.
                self._drop()
                return msg
            if ours(msg):
                return msg
            logger.debug("discarding unexpected message from hookd: %.200r", msg)
