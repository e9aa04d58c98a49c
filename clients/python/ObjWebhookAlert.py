"""Compatibility module for the legacy ``factory.core/ObjWebhookAlert.py``.

After ``pip install ./clients/python`` the legacy import works unchanged::

    from ObjWebhookAlert import ObjWebhookAlert

and the legacy command lines run with ``python -m``::

    python -m ObjWebhookAlert metrics STRIPE_PAYMENT
    python -m ObjWebhookAlert test-alert STRIPE_PAYMENT --severity critical
    python -m ObjWebhookAlert config

The class is :class:`hookrpc.ObjWebhookAlert`; each command runs ``hookrpc
<command>`` (see :mod:`hookrpc.commands`), so it prints what hookrpc prints and
exits as hookrpc does.
"""

import sys
from typing import Optional, Sequence

from hookrpc.alerts import ALERT_TYPES, ObjWebhookAlert
from hookrpc.commands import OBJWEBHOOKALERT_COMMANDS, run_legacy_command

__all__ = ["ALERT_TYPES", "ObjWebhookAlert", "main"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m ObjWebhookAlert metrics CODE | test-alert CODE [--severity S] | config``."""
    return run_legacy_command("python -m ObjWebhookAlert", OBJWEBHOOKALERT_COMMANDS, argv)


if __name__ == "__main__":
    sys.exit(main())
