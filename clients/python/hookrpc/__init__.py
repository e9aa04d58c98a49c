"""hookrpc -- Python client for hookd.

hookd is a local daemon that speaks newline-delimited JSON-RPC 2.0 over a Unix
domain socket. This package has no third-party dependencies::

    from hookrpc import HookRPC, HookRPCError

    with HookRPC() as rpc:              # socket path from resolve_socket_path()
        print(rpc.version())
        try:
            rpc.call("no.such.method")
        except HookRPCError as e:
            print(e.code, e.kind, e.message)

Webhooks and credentials: ``rpc.webhook_get(code)``, ``rpc.credential_get(code)``,
``rpc.credential_warm(code)`` and friends; :class:`ObjHook` is the drop-in shim for
the legacy ``ObjHook``.
Credential validation: ``rpc.validate_one(code)``, ``rpc.validate_all(codes=[...])``
and ``rpc.check_source(code)``; ``ObjHook.validate_credentials()`` for the webhook read.

Delivery: ``rpc.webhook_deliver(code, payload, wait=...)``, ``rpc.delivery_get(id)``,
``rpc.delivery_list(...)``, ``rpc.delivery_cancel(id)``, ``rpc.delivery_stats(code)``;
``ObjHook.deliver(payload)`` queues, ``ObjHook.call(payload)`` waits for the first
attempt and returns a :class:`DeliveryResponse` (``status_code``, ``ok``, ``json()``, ...).

Inbound: ``rpc.inbound_verify(code, headers, body, ...)`` has hookd check a received
webhook's signature (the secret stays in hookd); :class:`WebHooks` is the shim for the
application's inbound side (``verify(...)`` returns a :class:`VerificationResult`, truthy when
valid) and :func:`verify_wsgi_request` does the same from a WSGI ``environ``.

Alerting: ``rpc.alert_record(...)``, ``rpc.alert_metrics(code)`` and friends;
:class:`ObjWebhookAlert` is the drop-in shim for the legacy ``ObjWebhookAlert``
(its ``record_webhook_call`` is a fire-and-forget notification that never raises).

Drop-in: the top-level modules ``ObjHook``, ``ObjWebhookAlert`` and
``validate_webhook_credentials`` keep the legacy import lines working, and
``python -m ObjWebhookAlert ...`` / ``python -m validate_webhook_credentials ...``
run the legacy command lines on the ``hookrpc`` CLI (:mod:`hookrpc.commands`).

Errors: :class:`HookRPCError` is an error *reply* from the daemon;
:class:`HookRPCConnectionError` (an ``OSError``) is a transport failure, with
:class:`HookRPCTimeoutError` and :class:`HookRPCProtocolError` as refinements.
"""

from .alerts import ObjWebhookAlert
from .client import (
    SENTINEL_ID,
    SENTINEL_LINE,
    BatchItem,
    Call,
    HookRPC,
    Notification,
)
from .delivery import DeliveryResponse
from .errors import (
    ERROR_KINDS,
    HookRPCConnectionError,
    HookRPCError,
    HookRPCProtocolError,
    HookRPCTimeoutError,
    HookRPCUntrustedServerError,
)
from .objhook import ObjHook
from .paths import SYSTEM_SOCKET_PATH, resolve_socket_path
from .webhooks import VerificationResult, WebHooks, verify_wsgi_request

__version__ = "0.1.0"

__all__ = [
    "ERROR_KINDS",
    "SENTINEL_ID",
    "SENTINEL_LINE",
    "SYSTEM_SOCKET_PATH",
    "BatchItem",
    "Call",
    "DeliveryResponse",
    "HookRPC",
    "HookRPCConnectionError",
    "HookRPCError",
    "HookRPCProtocolError",
    "HookRPCTimeoutError",
    "HookRPCUntrustedServerError",
    "Notification",
    "ObjHook",
    "ObjWebhookAlert",
    "VerificationResult",
    "WebHooks",
    "__version__",
    "resolve_socket_path",
    "verify_wsgi_request",
]
