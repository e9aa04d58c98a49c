"""Exception types raised by the hookd client.

There are two unrelated families, because callers handle them differently:

* :class:`HookRPCError` -- hookd received the request and answered it with a
  JSON-RPC error object (method not found, bad params, permission denied, ...).
  The connection is still fine; retrying the same request will usually fail
  the same way.
* :class:`HookRPCConnectionError` -- a transport problem: the socket cannot be
  reached, the connection was closed, a wait timed out, or the daemon sent
  something that is not valid protocol. It subclasses :class:`OSError` so code
  that already handles socket errors keeps working. Whether a request that
  failed this way was executed by the daemon is unknown.

Two transport refinements exist so callers can be specific when they want to:
:class:`HookRPCTimeoutError` (also a :class:`TimeoutError`) and
:class:`HookRPCProtocolError` (the daemon broke the wire protocol).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

__all__ = [
    "ERROR_KINDS",
    "HookRPCConnectionError",
    "HookRPCError",
    "HookRPCProtocolError",
    "HookRPCTimeoutError",
]

#: The error codes defined by the hookd wire spec and their ``data.kind``
#: names (each kind maps to exactly one code). Informational: the client does
#: not reject codes missing from this table.
ERROR_KINDS: Dict[int, str] = {
    -32700: "parse_error",
    -32600: "invalid_request",
    -32601: "method_not_found",
    -32602: "invalid_params",
    -32603: "internal_error",
    -32001: "permission_denied",
    -32002: "not_found",
    -32003: "too_large",
    -32004: "overloaded",
    -32005: "credential_unavailable",
    -32006: "upstream_timeout",
    -32007: "upstream_error",
    -32008: "rate_limited",
    -32009: "shutting_down",
    -32010: "invalid_config",
}


class HookRPCError(Exception):
    """An error reply from hookd (the JSON-RPC ``error`` member).

    Attributes mirror the wire object so nothing is lost: ``code`` (int),
    ``message`` (str) and ``data`` (any JSON value, usually an object with a
    ``kind`` key). Use :attr:`kind` to branch on the error type by name rather
    than by number.
    """

    code: int
    message: str
    data: Any

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(code, message, data)
        self.code = code
        self.message = message
        self.data = data

    @property
    def kind(self) -> Optional[str]:
        """``data["kind"]`` when the daemon sent one (it always should), else None."""
        if isinstance(self.data, dict):
            kind = self.data.get("kind")
            if isinstance(kind, str):
                return kind
        return None

    @classmethod
    def from_error_object(cls, error: Dict[str, Any]) -> "HookRPCError":
        """Build an instance from an already validated JSON-RPC error object."""
        return cls(error["code"], error["message"], error.get("data"))

    def __str__(self) -> str:
        kind = self.kind
        if kind is not None:
            return f"hookd error {self.code} ({kind}): {self.message}"
        return f"hookd error {self.code}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"data={self.data!r})"
        )

    def __eq__(self, other: object) -> bool:
        # Value semantics make batch results easy to compare in tests and logs.
        if not isinstance(other, HookRPCError):
            return NotImplemented
        return (self.code, self.message, self.data) == (other.code, other.message, other.data)

    def __hash__(self) -> int:
        return hash((self.code, self.message))


class HookRPCConnectionError(OSError):
    """A transport failure talking to hookd (connect, send, receive, timeout).

    ``socket_path`` names the socket involved (when known) so the message is
    actionable. ``errno`` is copied from the underlying OS error when there was
    one. After this error the client drops its connection; the next call
    reconnects.
    """

    socket_path: Optional[str]

    def __init__(self, message: str, socket_path: Optional[str] = None,
                 errno: Optional[int] = None) -> None:
        # A single argument keeps str(exc) == message (OSError only reformats
        # itself when constructed with (errno, strerror, ...)).
        super().__init__(message)
        self.socket_path = socket_path
        if errno is not None:
            self.errno = errno


class HookRPCTimeoutError(HookRPCConnectionError, TimeoutError):
    """A socket wait (connect, send or receive) exceeded the client's timeout."""


class HookRPCUntrustedServerError(HookRPCConnectionError):
    """The process listening on hookd's socket runs as a user this client does not trust
    with a secret-bearing call: neither root, nor the caller, nor listed in
    ``HOOKD_TRUSTED_UID`` (comma-separated uids). Nothing was sent.

    ``server_uid`` is the uid the kernel reported for the listener (``SO_PEERCRED``).
    """

    server_uid: int

    def __init__(self, message: str, socket_path: Optional[str], server_uid: int) -> None:
        super().__init__(message, socket_path)
        self.server_uid = server_uid


class HookRPCProtocolError(HookRPCConnectionError):
    """hookd sent something that violates the wire protocol (bad JSON, bad response shape)."""
