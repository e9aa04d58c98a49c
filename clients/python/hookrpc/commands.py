"""The legacy command lines, run by the ``hookrpc`` CLI.

The legacy scripts had command lines of their own::

    python factory.core/ObjWebhookAlert.py metrics STRIPE_PAYMENT
    python factory.core/ObjWebhookAlert.py test-alert STRIPE_PAYMENT --severity critical
    python resource.bin/validate_webhook_credentials.py validate STRIPE_WEBHOOK --direction IN

The ``hookrpc`` CLI has subcommands of the same names taking the same arguments, so
the compatibility modules (``python -m ObjWebhookAlert ...``, ``python -m
validate_webhook_credentials ...``) replace themselves with ``hookrpc <command> ...``
(``exec``): what is printed and the exit status are exactly hookrpc's, with nothing
in between to drift.

The one surprising thing is the socket: hookrpc and this package resolve it the same
way, but the Python resolution (:func:`hookrpc.resolve_socket_path`) is passed on
explicitly as ``--socket`` right after the command, so both halves of an application
reach the same daemon whatever the environment holds. A ``--socket`` on the command
line comes later and wins (hookrpc keeps an option's last value).
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import List, Mapping, Optional, Sequence

from .paths import resolve_socket_path

__all__ = [
    "EXIT_CANNOT_RUN",
    "EXIT_NOT_FOUND",
    "EXIT_USAGE",
    "HOOKRPC_BIN_ENV",
    "OBJWEBHOOKALERT_COMMANDS",
    "VALIDATE_COMMANDS",
    "HookRPCNotFoundError",
    "find_hookrpc",
    "hookrpc_argv",
    "run_legacy_command",
]

#: Environment variable naming the ``hookrpc`` executable; wins over every other place.
HOOKRPC_BIN_ENV = "HOOKRPC_BIN"

#: Exit status for a command line that is not one of the legacy commands: hookrpc's own
#: (swift-argument-parser's) status for a usage error, so callers see one convention.
EXIT_USAGE = 64

#: Exit status when no ``hookrpc`` executable is found: the shell's "command not found".
EXIT_NOT_FOUND = 127

#: Exit status when the ``hookrpc`` found cannot be run: the shell's "cannot execute".
EXIT_CANNOT_RUN = 126

#: ``python -m ObjWebhookAlert``'s commands (the legacy script's), each with its usage.
OBJWEBHOOKALERT_COMMANDS: Mapping[str, str] = {
    "metrics": "metrics CODE                   a webhook's calls, failures and latency in the window",
    "test-alert": "test-alert CODE [--severity S] send a test alert through the alert channels",
    "config": "config                         the alerting configuration (secrets masked)",
}

#: ``python -m validate_webhook_credentials``'s commands (the legacy script's), each with its usage.
VALIDATE_COMMANDS: Mapping[str, str] = {
    "validate": "validate CODE [--direction IN]  check one webhook's credential against its endpoint",
    "validate-all": "validate-all                    check every webhook's credential; table and summary",
    "check-source": "check-source CODE               where a webhook's credential lives",
}

_HELP = ("-h", "--help", "help")


class HookRPCNotFoundError(FileNotFoundError):
    """No usable ``hookrpc`` executable: ``$HOOKRPC_BIN`` is wrong, or none was found."""


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _checkout_builds() -> List[Path]:
    """``hookrpc`` builds of the source checkout this package is imported from, if it is one."""
    root = Path(__file__).resolve().parents[3]  # <root>/clients/python/hookrpc/commands.py
    if not (root / "Package.swift").is_file():
        return []
    return [root / ".build" / configuration / "hookrpc" for configuration in ("release", "debug")]


def find_hookrpc() -> str:
    """The path of the ``hookrpc`` executable to run.

    Looked for, in order: ``$HOOKRPC_BIN`` (when set it must name an executable
    file; nothing else is tried); the scripts directory of this Python environment
    (next to the installed package: a venv's ``bin``); ``PATH``; the Swift build
    directories (``.build/release``, ``.build/debug``) of the source checkout when
    the package is imported from one.

    Raises :class:`HookRPCNotFoundError` with a sentence saying what to do.
    """
    configured = os.environ.get(HOOKRPC_BIN_ENV)
    if configured:
        if _executable(Path(configured)):
            return configured
        raise HookRPCNotFoundError(f"{HOOKRPC_BIN_ENV}={configured} is not an executable file")
    scripts = sysconfig.get_path("scripts")
    candidates = [Path(scripts) / "hookrpc"] if scripts else []
    on_path = shutil.which("hookrpc")
    if on_path:
        candidates.append(Path(on_path))
    candidates.extend(_checkout_builds())
    for candidate in candidates:
        if _executable(candidate):
            return str(candidate)
    raise HookRPCNotFoundError(
        f"cannot find the hookrpc command-line tool: put it on PATH or set {HOOKRPC_BIN_ENV} to its path")


def hookrpc_argv(binary: str, args: Sequence[str], socket_path: str) -> List[str]:
    """``hookrpc``'s argument vector for a legacy command line ``args`` (command first).

    ``--socket socket_path`` goes right after the command, so a ``--socket`` in
    ``args`` (later on the line) overrides it.
    """
    return [binary, args[0], "--socket", socket_path, *args[1:]]


def _usage(prog: str, commands: Mapping[str, str]) -> str:
    lines = [f"usage: {prog} <command> [arguments]", "", "commands (each runs `hookrpc <command>` against hookd):"]
    lines.extend("  " + usage for usage in commands.values())
    lines += ["", "`hookrpc <command> --help` lists each command's options (--socket, --json, --timeout, ...)."]
    return "\n".join(lines)


def run_legacy_command(prog: str, commands: Mapping[str, str], argv: Optional[Sequence[str]] = None) -> int:
    """Run a legacy command line (``argv``, default ``sys.argv[1:]``) as ``hookrpc``.

    A command of ``commands`` replaces this process with ``hookrpc`` (see the module
    docs) and so never returns. Otherwise prints to the standard streams and returns
    the exit status: 0 after ``--help``, :data:`EXIT_USAGE` for a missing or unknown
    command, :data:`EXIT_NOT_FOUND` when no ``hookrpc`` executable is found,
    :data:`EXIT_CANNOT_RUN` when the one found cannot be executed.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in _HELP:
        print(_usage(prog, commands))
        return 0
    if not args or args[0] not in commands:
        problem = "missing command" if not args else f"unknown command {args[0]!r}"
        print(f"{prog}: {problem}\n{_usage(prog, commands)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        binary = find_hookrpc()
    except HookRPCNotFoundError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return EXIT_NOT_FOUND
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(binary, hookrpc_argv(binary, args, resolve_socket_path()))
    except OSError as e:  # execv returns only by failing
        print(f"{prog}: cannot run {binary}: {e.strerror or e}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    raise AssertionError("unreachable")  # pragma: no cover
