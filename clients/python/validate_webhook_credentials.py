"""Compatibility module for the legacy ``resource.bin/validate_webhook_credentials.py``.

After ``pip install ./clients/python`` the legacy command lines run with ``python -m``::

    python -m validate_webhook_credentials validate STRIPE_PAYMENT
    python -m validate_webhook_credentials validate STRIPE_WEBHOOK --direction IN
    python -m validate_webhook_credentials validate-all
    python -m validate_webhook_credentials check-source STRIPE_PAYMENT

Each runs ``hookrpc <command>`` (see :mod:`hookrpc.commands`), so it prints what
hookrpc prints and exits as hookrpc does (``validate``: 0 VALID or UNTESTED,
1 INVALID, 2 ERROR, 3 hookd unreachable). From Python, use
:meth:`hookrpc.HookRPC.validate_one`, ``validate_all`` and ``check_source``.
"""

import sys
from typing import Optional, Sequence

from hookrpc.commands import VALIDATE_COMMANDS, run_legacy_command

__all__ = ["main"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m validate_webhook_credentials validate CODE [--direction IN] | validate-all | check-source CODE``."""
    return run_legacy_command("python -m validate_webhook_credentials", VALIDATE_COMMANDS, argv)


if __name__ == "__main__":
    sys.exit(main())
