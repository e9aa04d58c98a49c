"""What every HTTP test fixture here shares: the threaded server, the port file, and stopping
on SIGTERM/SIGINT (by pid, from the tests) even while requests hang.

Standard library only; imported by the fixture scripts next to it (their directory is on
sys.path when they run as ``python3 Tests/Fixtures/<name>.py``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any, Callable, Optional, Sequence


class FixtureServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer for tests: one daemon thread per connection, so hanging requests
    never block the accept loop or the exit."""

    daemon_threads = True
    block_on_close = False       # server_close() must not wait for hanging requests
    allow_reuse_address = True
    request_queue_size = 1024    # 100+ simultaneous connects must not hit SYN retries


def write_atomically(path: str, data: bytes) -> None:
    """Writes ``data`` to a temporary file and renames it into place: a reader never sees half."""
    temporary = "%s.tmp.%d" % (path, os.getpid())
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def serve_until_signalled(name: str, servers: Sequence[ThreadingHTTPServer], ready: Callable[[], None],
                          on_stop: Optional[Callable[[], None]] = None) -> int:
    """Serves ``servers`` on threads of their own, calls ``ready`` (which writes the port files),
    and returns 0 once SIGTERM or SIGINT arrives and the servers are closed. ``on_stop`` runs
    first, to wake requests that would otherwise hang."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for index, server in enumerate(servers):
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                         name="%s-%d" % (name, index), daemon=True).start()
    ready()
    while not stop.wait(0.1):
        pass
    if on_stop is not None:
        on_stop()
    for server in servers:
        server.shutdown()
        server.server_close()
    sys.stderr.write("%s stopped\n" % name)
    sys.stderr.flush()
    return 0
