"""Compatibility module for the legacy ``factory.core/ObjHook.py``.

After ``pip install ./clients/python`` the legacy import works unchanged::

    from ObjHook import ObjHook

    hook = ObjHook()
    hook.read("STRIPE_PAYMENT")          # the webhook, and its credential warmed in hookd's cache

The class is :class:`hookrpc.ObjHook` (see :mod:`hookrpc.objhook` for what it does
and where it differs from the legacy one); this module only re-exports it.
"""

from hookrpc.objhook import CredentialSourceName, ObjHook, WebhookNotReadError

__all__ = ["CredentialSourceName", "ObjHook", "WebhookNotReadError"]
