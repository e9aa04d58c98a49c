"""Starting and stopping a fixture server from its tests: the port file, the log, stop by pid.

Shared by the test_*.py files next to it (pytest puts their directory on sys.path).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any, Callable


def start_fixture(script: str, directory: str, wrap: Callable[[subprocess.Popen, str, str], Any],
                  timeout: float = 20.0) -> Any:
    """Starts ``script --port 0 --port-file DIR/port`` with its stderr in DIR/server.log and
    returns ``wrap(process, directory, log_path)`` once the port file exists. Raises (after
    stopping the process) when it exits early or writes no port file within ``timeout``."""
    port_file = os.path.join(directory, "port")
    log_path = os.path.join(directory, "server.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, script, "--port", "0", "--port-file", port_file],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(port_file):
            return wrap(proc, directory, log_path)
        if proc.poll() is not None:
            with open(log_path) as fh:
                raise RuntimeError("server exited early: " + fh.read())
        time.sleep(0.02)
    stop_fixture(proc)
    raise RuntimeError("server did not write its port file within %.0f s" % timeout)


def stop_fixture(proc: subprocess.Popen, timeout: float = 5.0) -> int:
    """Stop by pid (SIGTERM), wait with a timeout, and return the exit status."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
            raise
    return proc.returncode
