"""Where is the hookd socket? -- the spec's "Socket path resolution" for clients.

Every hookd client and the daemon resolve the socket path in the same order so
that a client started in the same environment as the daemon finds it without
configuration. Clients skip the daemon-only step (systemd socket activation)
and add one fallback so an unprivileged program can reach the system-wide
daemon.
"""

from __future__ import annotations

import os
from typing import Mapping, Optional

__all__ = ["SOCKET_NAME", "SYSTEM_SOCKET_PATH", "resolve_socket_path"]

#: File name of the socket inside a runtime directory.
SOCKET_NAME = "hookd.sock"

#: Socket of the system-wide daemon (root's default path and the clients'
#: fallback). A module attribute so tests can point it elsewhere.
SYSTEM_SOCKET_PATH = "/run/hookd/hookd.sock"


def _env(environ: Mapping[str, str], name: str) -> Optional[str]:
    """Return the variable's value, treating an empty value as unset."""
    value = environ.get(name)
    return value if value else None


def resolve_socket_path(explicit: Optional[str] = None) -> str:
    """Return the socket path a client should connect to.

    Order (first match wins):

    1. ``explicit`` (the ``socket_path`` argument / a ``--socket`` flag);
    2. ``$HOOKD_SOCKET``;
    3. ``$RUNTIME_DIRECTORY/hookd.sock`` when ``RUNTIME_DIRECTORY`` is set
       (the first entry when systemd set several, colon-separated);
    4. effective uid 0: ``/run/hookd/hookd.sock``; other users:
       ``$XDG_RUNTIME_DIR/hookd.sock``, or ``/tmp/hookd-<uid>/hookd.sock`` when
       ``XDG_RUNTIME_DIR`` is unset. Client-only fallback: when that per-user
       path does not exist but ``/run/hookd/hookd.sock`` does, the latter is
       used (a non-root program talking to the system daemon).

    Empty strings (argument or environment) count as unset. The daemon-only
    step (systemd socket activation) does not apply to clients. The path is
    returned as given; it is not checked to exist, except for the fallback
    decision in step 4.
    """
    if explicit:
        return explicit
    environ = os.environ
    from_env = _env(environ, "HOOKD_SOCKET")
    if from_env is not None:
        return from_env
    runtime_dir = _env(environ, "RUNTIME_DIRECTORY")
    if runtime_dir is not None:
        # systemd joins several RuntimeDirectory= entries with ":"; the first is
        # hookd's (the daemon's resolver does the same).
        return os.path.join(runtime_dir.split(":", 1)[0], SOCKET_NAME)
    uid = os.geteuid()
    if uid == 0:
        return SYSTEM_SOCKET_PATH
    xdg = _env(environ, "XDG_RUNTIME_DIR")
    if xdg is not None:
        per_user = os.path.join(xdg, SOCKET_NAME)
    else:
        per_user = f"/tmp/hookd-{uid}/{SOCKET_NAME}"
    if not os.path.exists(per_user) and os.path.exists(SYSTEM_SOCKET_PATH):
        return SYSTEM_SOCKET_PATH
    return per_user
