"""The application's inbound side (``factory.web/WebHooks.py``): hookd checks each received
webhook's signature, so handlers no longer hold the signing secrets or re-implement each
provider's algorithm::

    from hookrpc import WebHooks, verify_wsgi_request

    hooks = WebHooks()                                   # one per process (or per thread)
    result = hooks.verify("STRIPE_IN", request_headers, request_body)
    if not result:                                       # falsy unless valid
        return 401, result.reason                        # e.g. "bad_signature", "replayed"

    result = verify_wsgi_request("GITHUB_IN", environ)   # straight from a WSGI environ

The scheme (``stripe``, ``github``, ``slack``, ``shopify``, ``twilio``,
``standard_webhooks``, ``generic``), the tolerance and the replay window come from the IN
webhook's definition in hookd. A refused request is a result, not an exception; exceptions
mean hookd could not judge: :class:`~hookrpc.HookRPCError` (-32602 for bad params, -32005
when the secret's source fails) or :class:`~hookrpc.HookRPCConnectionError` (hookd
unreachable). Answer those with a 5xx so the sender retries.

The one surprising thing: a request that hookd judged valid is remembered (replay
protection), so the *same* request verified twice is ``replayed`` the second time. Verify each
received request once.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Union
from urllib.parse import parse_qsl
from wsgiref.util import request_uri

from .client import HookRPC, InboundBody, InboundHeaders, InboundParams, ReceivedAt
from .errors import (
    HookRPCConnectionError,
    HookRPCProtocolError,
    HookRPCTimeoutError,
    HookRPCUntrustedServerError,
)

__all__ = ["DEFAULT_TIMEOUT", "VerificationResult", "WebHooks", "verify_wsgi_request"]

#: Seconds one verification may take (connect, send, answer). Short: a request handler is waiting.
DEFAULT_TIMEOUT = 5.0

_FORM_TYPE = "application/x-www-form-urlencoded"
_READ_CHUNK = 65536


@dataclass(frozen=True)
class VerificationResult:
    """inbound.verify's answer. Truthy exactly when ``valid``.

    ``scheme`` is the webhook's signature scheme (``None`` for ``unknown_webhook`` and
    ``no_secret``); ``reason`` why a request was refused (``missing_signature``,
    ``malformed_signature``, ``bad_signature``, ``timestamp_out_of_tolerance``, ``replayed``,
    ``unknown_webhook``, ``no_secret``); ``event_id`` the id replay protection remembers;
    ``timestamp`` the signed time (seconds since 1970); ``signed_with`` ``"current"`` or
    ``"previous"`` (a rotated secret still accepted).
    """

    valid: bool
    scheme: Optional[str]
    reason: Optional[str] = None
    event_id: Optional[str] = None
    timestamp: Optional[int] = None
    signed_with: Optional[str] = None

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> "VerificationResult":
        """Build one from inbound.verify's result object; HookRPCProtocolError when it is malformed."""
        valid = result.get("valid")
        if not isinstance(valid, bool):
            raise HookRPCProtocolError(f"inbound.verify returned {result!r}, expected {{'valid': bool, ...}}")
        timestamp = result.get("timestamp")
        if isinstance(timestamp, float) and timestamp.is_integer():
            timestamp = int(timestamp)
        return cls(
            valid=valid,
            scheme=_text_or_none(result.get("scheme")),
            reason=_text_or_none(result.get("reason")),
            event_id=_text_or_none(result.get("event_id")),
            timestamp=timestamp if isinstance(timestamp, int) and not isinstance(timestamp, bool) else None,
            signed_with=_text_or_none(result.get("signed_with")),
        )

    def __bool__(self) -> bool:
        return self.valid


def _text_or_none(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


class WebHooks:
    """Verifies received webhooks through hookd on one connection.

    ``socket_path`` is resolved like :class:`~hookrpc.HookRPC`'s (``None``: the default for this
    environment); ``timeout`` bounds each verification in seconds.

    The connection is opened on first use and kept. When it turns out broken (hookd restarted,
    the connection was reset or closed), the verification is sent once more on a new
    connection; a second failure is raised. A timeout, a protocol violation or an untrusted
    listener is raised at once. The retry may reach a hookd that already judged the first
    attempt; for a valid request it then answers ``replayed``.

    Thread-safe (verifications share the connection one at a time; for parallel throughput
    use one instance per thread). A child process after ``fork`` opens its own connection.
    """

    def __init__(self, socket_path: Optional[str] = None, timeout: Optional[float] = DEFAULT_TIMEOUT) -> None:
        self._client = HookRPC(socket_path, timeout=timeout)
        self._pid = os.getpid()
        self._lock = threading.Lock()

    @property
    def socket_path(self) -> str:
        """The socket verifications go to."""
        return self._client.socket_path

    @property
    def timeout(self) -> Optional[float]:
        """Seconds one verification may take (``None``: no limit)."""
        return self._client.timeout

    def verify(self, code: str, headers: InboundHeaders, body: InboundBody, url: Optional[str] = None,
               params: Optional[InboundParams] = None,
               received_at: Optional[ReceivedAt] = None) -> VerificationResult:
        """Ask hookd whether this request is genuinely from ``code``'s sender.

        ``headers``: the request's headers (a mapping, a headers object or pairs).
        ``body``: the exact bytes received (or text). ``url``: the full URL the sender
        requested (``twilio``). ``params``: the form parameters of a form POST (``twilio``).
        ``received_at``: when the request arrived (default now; seconds, ISO 8601 or an
        aware datetime), to check a captured request later.

        Returns a :class:`VerificationResult`, truthy when valid. Raises
        :class:`~hookrpc.HookRPCError` (-32602 naming a bad parameter) or
        :class:`~hookrpc.HookRPCConnectionError`.
        """
        client = self._current_client()
        try:
            result = client.inbound_verify(code, headers, body, url, params, received_at)
        except (HookRPCTimeoutError, HookRPCProtocolError, HookRPCUntrustedServerError):
            raise
        except HookRPCConnectionError:
            client.close()
            result = client.inbound_verify(code, headers, body, url, params, received_at)
        return VerificationResult.from_result(result)

    def close(self) -> None:
        """Close the connection (a later :meth:`verify` opens a new one)."""
        self._client.close()

    def __enter__(self) -> "WebHooks":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"WebHooks(socket_path={self.socket_path!r}, timeout={self.timeout!r})"

    def _current_client(self) -> HookRPC:
        """This process's client: after a fork the parent's connection is left to the parent."""
        pid = os.getpid()
        if pid != self._pid:
            with self._lock:
                if pid != self._pid:
                    self._client = HookRPC(self._client.socket_path, timeout=self._client.timeout)
                    self._pid = pid
        return self._client


_default: Optional[WebHooks] = None
_default_lock = threading.Lock()


def _default_webhooks() -> WebHooks:
    """The module's shared :class:`WebHooks` (default socket and timeout), made on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = WebHooks()
        return _default


def verify_wsgi_request(code: str, environ: Dict[str, Any], *,
                        client: Union[WebHooks, HookRPC, None] = None,
                        url: Optional[str] = None) -> VerificationResult:
    """Verify the request described by a WSGI ``environ`` (PEP 3333), whatever the framework.

    Reads the body from ``wsgi.input`` (``CONTENT_LENGTH`` bytes; to the end when the server
    sets ``wsgi.input_terminated`` and no length) and puts it back as a ``BytesIO`` so the
    application can still read it. Headers come from ``HTTP_*``, ``CONTENT_TYPE`` and
    ``CONTENT_LENGTH`` (names restored as ``X-Hub-Signature-256``); the URL is PEP 3333's
    reconstruction (``wsgiref.util.request_uri``) unless ``url`` is given (behind a proxy that
    changes scheme, host or path, pass the URL the sender used); an
    ``application/x-www-form-urlencoded`` body also goes as ``params`` (Twilio).

    ``client``: a :class:`WebHooks` or :class:`~hookrpc.HookRPC`; default a shared
    :class:`WebHooks` on the default socket. Raises as :meth:`WebHooks.verify`, and
    ``ValueError`` for a ``CONTENT_LENGTH`` that is not a number.
    """
    body = _read_body(environ)
    headers = _wsgi_headers(environ)
    params = _form_params(environ, body)
    full_url = url if url is not None else request_uri(environ, include_query=True)
    if isinstance(client, HookRPC):
        return VerificationResult.from_result(client.inbound_verify(code, headers, body, full_url, params))
    hooks = client if client is not None else _default_webhooks()
    return hooks.verify(code, headers, body, full_url, params)


def _read_body(environ: Dict[str, Any]) -> bytes:
    """The request body, read once; ``wsgi.input`` is replaced by a BytesIO of the same bytes."""
    stream = environ.get("wsgi.input")
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not declared.isdigit():
            raise ValueError(f"CONTENT_LENGTH is not a number of bytes: {declared[:40]!r}")
        remaining: Optional[int] = int(declared)
    elif environ.get("wsgi.input_terminated"):
        remaining = None  # read to the end
    else:
        remaining = 0  # PEP 3333: no length, no body
    chunks: List[bytes] = []
    if stream is not None:
        while remaining is None or remaining > 0:
            chunk = stream.read(_READ_CHUNK if remaining is None else min(remaining, _READ_CHUNK))
            if not chunk:
                break  # the sender sent less than it declared: verify what arrived
            chunks.append(chunk)
            if remaining is not None:
                remaining -= len(chunk)
    body = b"".join(chunks)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _wsgi_headers(environ: Mapping[str, Any]) -> Dict[str, str]:
    """The request headers from a WSGI environ, names as ``Content-Type`` / ``X-Hub-Signature-256``.

    Values are PEP 3333 "bytes as Latin-1" strings; they are turned back into the text the
    sender wrote (UTF-8 when the bytes are, else kept as they are).
    """
    headers: Dict[str, str] = {}
    for key, value in environ.items():
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if not value:
                continue
            name = key
        else:
            continue
        headers["-".join(part.capitalize() for part in name.split("_"))] = _native_to_text(value)
    return headers


def _native_to_text(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _form_params(environ: Mapping[str, Any], body: bytes) -> Optional[Dict[str, Any]]:
    """A form POST's parameters (a repeated name as a list, blank values kept); None for other bodies."""
    content_type = str(environ.get("CONTENT_TYPE") or "")
    if content_type.split(";", 1)[0].strip().lower() != _FORM_TYPE:
        return None
    params: Dict[str, Any] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if name in params:
            before = params[name]
            params[name] = (before if isinstance(before, list) else [before]) + [value]
        else:
            params[name] = value
    return params
