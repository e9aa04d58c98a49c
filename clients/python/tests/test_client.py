"""Behaviour tests for hookrpc.HookRPC.

Most tests talk to the live daemon from conftest.py. Transport edge cases that
a healthy daemon cannot be made to produce on demand (never answering, closing
an idle connection, refusing with overloaded, answering out of order) use a
tiny scripted Unix-socket server in this module instead.
"""

from __future__ import annotations

import errno
import json
import os
import select
import shutil
import socket
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional

import pytest

import hookrpc.paths
from hookrpc import (
    Call,
    HookRPC,
    HookRPCConnectionError,
    HookRPCError,
    HookRPCProtocolError,
    HookRPCTimeoutError,
    Notification,
    resolve_socket_path,
)
from hookrpc.client import _encode

if TYPE_CHECKING:
    from conftest import Daemon


# ------------------------------------------------------------------ live daemon

ECHO_VALUES: List[Any] = [
    "plain",
    "",
    0,
    42,
    -7,
    -1.5,
    True,
    False,
    None,
    {},
    [],
    {"nested": {"list": [1, {"x": "y"}, [None, True]], "empty": {}, "num": 2.25}},
    ["a", ["b", ["c", ["d"]]]],
    "unicode: héllo wörld ✓ 日本語 🎉 \U0001d11e",
    "line1\nline2\r\n\ttab \"quote\" \\ backslash /slash",
    "\u2028 and \u2029 separators",
    "control \x00 \x01 \x1f \x7f",
    {"k\ney": "v\nal", "ключ": ["значение", {"🔑": "\n"}]},
]


@pytest.mark.parametrize("value", ECHO_VALUES, ids=lambda v: json.dumps(v)[:40])
def test_echo_round_trip(client: HookRPC, value: Any) -> None:
    assert client.call("system.echo", {"value": value}) == {"value": value}
    assert client.echo(value) == value


def test_newline_and_line_separator_survive(client: HookRPC) -> None:
    text = "before\nmiddle\u2028after\n"
    assert b"\n" not in _encode({"value": text})
    assert client.echo(text) == text


def test_unknown_method_raises_method_not_found(client: HookRPC) -> None:
    with pytest.raises(HookRPCError) as info:
        client.call("no.such.method", {"x": 1})
    err = info.value
    assert err.code == -32601
    assert err.kind == "method_not_found"
    assert err.message == "method not found: no.such.method"
    assert isinstance(err.data, dict) and err.data["kind"] == "method_not_found"
    assert str(err) == "hookd error -32601 (method_not_found): method not found: no.such.method"


@pytest.mark.parametrize("params", [{}, None, {"other": 1}], ids=["empty", "omitted", "other-key"])
def test_missing_value_is_invalid_params_naming_it(client: HookRPC, params: Any) -> None:
    with pytest.raises(HookRPCError) as info:
        client.call("system.echo", params)
    assert info.value.code == -32602
    assert info.value.kind == "invalid_params"
    assert "'value'" in info.value.message


def test_error_reply_keeps_the_connection(client: HookRPC) -> None:
    client.echo(1)
    fd = client.fileno()
    with pytest.raises(HookRPCError):
        client.call("no.such.method")
    assert client.echo(2) == 2
    assert client.fileno() == fd


def _assert_nothing_pending(rpc: HookRPC, wait: float = 0.3) -> None:
    """No unread bytes buffered or arriving on the client's connection."""
    assert rpc._buf == bytearray(), f"unexpected buffered data: {bytes(rpc._buf)!r}"
    sock = rpc._sock
    assert sock is not None
    readable, _, _ = select.select([sock], [], [], wait)
    assert not readable, "hookd sent data nobody asked for"


def test_notify_gets_no_response(client: HookRPC) -> None:
    returned = [
        client.notify("system.echo", {"value": "ignored"}),  # type: ignore[func-returns-value]
        client.notify("no.such.method"),  # type: ignore[func-returns-value] # errors are not reported
        client.notify("system.echo", {}),  # type: ignore[func-returns-value] # nor bad params
    ]
    assert returned == [None, None, None]
    assert client.call("system.echo", {"value": "after"}) == {"value": "after"}
    _assert_nothing_pending(client)
    # The same through the conformance path: nothing before the sentinel's answer.
    assert client.raw_exchange('{"jsonrpc":"2.0","method":"system.echo","params":{"value":1}}') == []


def test_batch_mixes_calls_notifications_and_errors(client: HookRPC) -> None:
    results = client.batch([
        ("system.echo", {"value": "first"}),
        Notification("system.echo", {"value": "not answered"}),
        ("no.such.method", None),
        Call("system.echo", {"value": {"second": [2]}}),
        Notification("no.such.method"),
        ("system.version",),
    ])
    assert len(results) == 4
    assert results[0] == {"value": "first"}
    assert isinstance(results[1], HookRPCError)
    assert results[1].code == -32601 and results[1].kind == "method_not_found"
    assert results[2] == {"value": {"second": [2]}}
    assert results[3]["name"] == "hookd"
    assert client.echo("after batch") == "after batch"
    _assert_nothing_pending(client)


def test_batch_of_only_notifications_reads_nothing(client: HookRPC) -> None:
    assert client.batch([Notification("system.echo", {"value": 1}), Notification("nope")]) == []
    assert client.echo("next") == "next"
    _assert_nothing_pending(client)


def test_empty_batch_sends_nothing(sockdir: str) -> None:
    with HookRPC(os.path.join(sockdir, "none.sock")) as rpc:
        assert rpc.batch([]) == []
        assert rpc.fileno() == -1  # not even connected


def test_connection_is_reused(client: HookRPC) -> None:
    assert client.fileno() == -1  # lazy
    client.echo(1)
    sock, fd = client._sock, client.fileno()
    assert fd >= 0
    for i in range(10):
        assert client.echo(i) == i
    client.version()
    client.batch([("system.echo", {"value": 1})])
    assert client._sock is sock and client.fileno() == fd


def test_close_then_reconnect(client: HookRPC) -> None:
    client.echo(1)
    client.close()
    assert client.fileno() == -1
    assert client.echo(2) == 2  # lazily reconnected


def test_concurrent_calls_get_their_own_answers(client: HookRPC) -> None:
    errors: List[BaseException] = []
    mismatches: List[Any] = []

    def worker(t: int) -> None:
        try:
            for i in range(50):
                value = {"thread": t, "i": i, "s": f"t{t}-{i}\n"}
                got = client.echo(value)
                if got != value:
                    mismatches.append((value, got))
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not any(th.is_alive() for th in threads), "worker threads hung"
    assert not errors, errors
    assert not mismatches, mismatches[:5]


def test_version_and_health(client: HookRPC, hookd: "Daemon") -> None:
    version = client.version()
    assert version["name"] == "hookd"
    assert version["protocol_version"] == 1
    assert isinstance(version["version"], str)
    health = client.health()
    assert health["status"] in ("ok", "degraded", "down")
    assert health["pid"] == hookd.proc.pid
    assert health["version"] == version["version"]
    assert isinstance(health["uptime_s"], (int, float)) and health["uptime_s"] >= 0
    assert isinstance(health["connections"], int) and health["connections"] >= 1
    assert isinstance(health["components"], dict)


def test_raw_exchange_returns_lines_before_sentinel(client: HookRPC) -> None:
    lines = client.raw_exchange('{"jsonrpc":"2.0","method":"system.echo","params":{"value":"x"},"id":7}')
    assert lines == [{"jsonrpc": "2.0", "id": 7, "result": {"value": "x"}}]
    assert client.raw_exchange("   ") == []
    # The connection stays usable for ordinary calls afterwards.
    assert client.echo("ok") == "ok"


def test_too_large_request_raises_and_client_recovers(client: HookRPC) -> None:
    big = "x" * (1024 * 1024 + 16)  # over the default max_line_bytes (1 MiB)
    for _ in range(2):
        with pytest.raises(HookRPCError) as info:
            client.echo(big)
        assert info.value.code == -32003 and info.value.kind == "too_large"
        assert info.value.data["limit"] == 1048576
        # hookd closes the connection after too_large; the client reconnects.
        assert client.echo("after") == "after"


def test_params_must_be_a_mapping(client: HookRPC) -> None:
    with pytest.raises(TypeError):
        client.call("system.echo", [1])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client.echo(float("nan"))  # not representable in JSON
    assert client.echo("still fine") == "still fine"


# ------------------------------------------------------------ scripted servers

Handler = Callable[[socket.socket, threading.Event], None]


class FakeServer:
    """A Unix-socket server running ``handler(conn, stop)`` for each connection."""

    def __init__(self, path: str, handler: Handler) -> None:
        self.path = path
        self.handler = handler
        self.connections = 0
        self.stop = threading.Event()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(16)
        self.listener.settimeout(0.05)
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def _accept_loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        try:
            self.handler(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.listener.close()


def read_line(conn: socket.socket, stop: threading.Event, buf: bytearray) -> Optional[bytes]:
    """Next line from conn (None on EOF or stop); ``buf`` carries leftovers between calls."""
    while b"\n" not in buf:
        if stop.is_set():
            return None
        try:
            chunk = conn.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            return None
        buf += chunk
    idx = buf.index(b"\n")
    line = bytes(buf[:idx])
    del buf[:idx + 1]
    return line


def send_json(conn: socket.socket, obj: Any) -> None:
    conn.settimeout(5)
    conn.sendall(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
    conn.settimeout(0.05)


def echo_response(req: Any) -> Any:
    return {"jsonrpc": "2.0", "id": req.get("id"), "result": {"value": req["params"]["value"]}}


@pytest.fixture
def sockdir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="hookrpc-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def serve(sockdir: str) -> Iterator[Callable[[Handler], FakeServer]]:
    servers: List[FakeServer] = []

    def start(handler: Handler) -> FakeServer:
        server = FakeServer(os.path.join(sockdir, f"fake{len(servers)}.sock"), handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def test_timeout_when_server_never_answers(serve: Callable[[Handler], FakeServer]) -> None:
    def silent(conn: socket.socket, stop: threading.Event) -> None:
        buf = bytearray()
        while read_line(conn, stop, buf) is not None:
            pass  # read everything, answer nothing

    server = serve(silent)
    rpc = HookRPC(server.path, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(HookRPCConnectionError) as info:
        rpc.echo("hello?")
    elapsed = time.monotonic() - start
    assert isinstance(info.value, HookRPCTimeoutError)
    assert isinstance(info.value, TimeoutError)
    assert 0.4 <= elapsed < 2.0, elapsed
    assert server.path in str(info.value)
    assert rpc.fileno() == -1  # a timed-out connection is not reused
    rpc.close()


def test_missing_socket_raises_connection_error_naming_path(sockdir: str) -> None:
    path = os.path.join(sockdir, "does-not-exist.sock")
    rpc = HookRPC(path, timeout=1.0)
    with pytest.raises(HookRPCConnectionError) as info:
        rpc.version()
    assert path in str(info.value)
    assert info.value.errno == errno.ENOENT
    assert info.value.socket_path == path
    assert isinstance(info.value, OSError)
    assert not isinstance(info.value, HookRPCError)


def test_reconnects_once_when_idle_connection_was_closed(
        serve: Callable[[Handler], FakeServer]) -> None:
    def one_answer_then_close(conn: socket.socket, stop: threading.Event) -> None:
        line = read_line(conn, stop, bytearray())
        if line is not None:
            send_json(conn, echo_response(json.loads(line)))

    server = serve(one_answer_then_close)
    with HookRPC(server.path, timeout=2.0) as rpc:
        for i in range(3):
            assert rpc.echo(i) == i
            # Let the server's close arrive before the next call (a close racing
            # with a request already written is a real failure, never retried).
            time.sleep(0.2)
    assert server.connections == 3


def test_no_retry_when_closed_after_request_was_written(
        serve: Callable[[Handler], FakeServer]) -> None:
    def read_then_close(conn: socket.socket, stop: threading.Event) -> None:
        read_line(conn, stop, bytearray())

    server = serve(read_then_close)
    with HookRPC(server.path, timeout=2.0) as rpc:
        with pytest.raises(HookRPCConnectionError, match="closed the connection"):
            rpc.echo(1)
    assert server.connections == 1  # the request may have run: never resent


def test_null_id_error_on_connect_is_raised(serve: Callable[[Handler], FakeServer]) -> None:
    def overloaded(conn: socket.socket, stop: threading.Event) -> None:
        send_json(conn, {"jsonrpc": "2.0", "id": None, "error": {
            "code": -32004, "message": "too many connections",
            "data": {"kind": "overloaded", "limit": 1}}})

    server = serve(overloaded)
    with HookRPC(server.path, timeout=2.0) as rpc:
        with pytest.raises(HookRPCError) as info:
            rpc.echo(1)
    assert info.value.code == -32004 and info.value.kind == "overloaded"
    assert info.value.data == {"kind": "overloaded", "limit": 1}


def test_responses_matched_by_id_not_order(serve: Callable[[Handler], FakeServer]) -> None:
    def reversed_and_noisy(conn: socket.socket, stop: threading.Event) -> None:
        buf = bytearray()
        while True:
            line = read_line(conn, stop, buf)
            if line is None:
                return
            req = json.loads(line)
            # A stray answer for an id nobody is waiting for comes first.
            send_json(conn, {"jsonrpc": "2.0", "id": 999999, "result": {"value": "stray"}})
            if isinstance(req, list):
                answers = [echo_response(r) if r["method"] == "system.echo" else
                           {"jsonrpc": "2.0", "id": r["id"], "error": {
                               "code": -32601, "message": f"method not found: {r['method']}",
                               "data": {"kind": "method_not_found"}}}
                           for r in req if "id" in r]
                send_json(conn, list(reversed(answers)))
            else:
                send_json(conn, echo_response(req))

    server = serve(reversed_and_noisy)
    with HookRPC(server.path, timeout=2.0) as rpc:
        assert rpc.echo("a") == "a"
        results = rpc.batch([("system.echo", {"value": 1}), ("x.y", None),
                             ("system.echo", {"value": 3})])
        assert results[0] == {"value": 1}
        assert isinstance(results[1], HookRPCError) and results[1].code == -32601
        assert results[2] == {"value": 3}


def test_garbage_from_server_is_a_protocol_error(serve: Callable[[Handler], FakeServer]) -> None:
    def garbage(conn: socket.socket, stop: threading.Event) -> None:
        read_line(conn, stop, bytearray())
        conn.sendall(b"this is not json\n")
        time.sleep(0.2)

    server = serve(garbage)
    with HookRPC(server.path, timeout=2.0) as rpc:
        with pytest.raises(HookRPCProtocolError, match="not UTF-8 JSON"):
            rpc.echo(1)


# ----------------------------------------------------------------- error types

def test_error_str_without_kind() -> None:
    assert str(HookRPCError(-32000, "custom", None)) == "hookd error -32000: custom"
    assert HookRPCError(-32000, "custom", {"x": 1}).kind is None


# --------------------------------------------------------- socket path order

@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    for var in ("HOOKD_SOCKET", "RUNTIME_DIRECTORY", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(var, raising=False)
    # Never let the real /run/hookd/hookd.sock influence the outcome.
    monkeypatch.setattr(hookrpc.paths, "SYSTEM_SOCKET_PATH", str(tmp_path / "system" / "hookd.sock"))
    monkeypatch.setattr(os, "geteuid", lambda: 1234)
    return tmp_path


def _make_file(path: str) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").close()
    return path


def test_explicit_path_wins(clean_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOKD_SOCKET", "/env/hookd.sock")
    monkeypatch.setenv("RUNTIME_DIRECTORY", "/rt")
    assert resolve_socket_path("/explicit.sock") == "/explicit.sock"
    assert HookRPC("/explicit.sock").socket_path == "/explicit.sock"


def test_hookd_socket_env_beats_runtime_directory(clean_env: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOKD_SOCKET", "/env/hookd.sock")
    monkeypatch.setenv("RUNTIME_DIRECTORY", "/rt")
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/xdg")
    assert resolve_socket_path() == "/env/hookd.sock"
    assert resolve_socket_path(None) == "/env/hookd.sock"


def test_runtime_directory_beats_uid_defaults(clean_env: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNTIME_DIRECTORY", "/rt/hookd")
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/xdg")
    assert resolve_socket_path() == "/rt/hookd/hookd.sock"
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert resolve_socket_path() == "/rt/hookd/hookd.sock"
    # systemd joins several RuntimeDirectory= entries with ':'; the first one is hookd's.
    monkeypatch.setenv("RUNTIME_DIRECTORY", "/rt/hookd:/rt/other")
    assert resolve_socket_path() == "/rt/hookd/hookd.sock"


def test_root_uses_system_path(clean_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/xdg")
    assert resolve_socket_path() == hookrpc.paths.SYSTEM_SOCKET_PATH
    monkeypatch.undo()
    # And the real constant is the spec's path.
    assert hookrpc.paths.SYSTEM_SOCKET_PATH == "/run/hookd/hookd.sock"


def test_user_with_xdg_runtime_dir(clean_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/1234")
    assert resolve_socket_path() == "/run/user/1234/hookd.sock"


def test_user_without_xdg_runtime_dir(clean_env: Any) -> None:
    assert resolve_socket_path() == "/tmp/hookd-1234/hookd.sock"


def test_empty_values_count_as_unset(clean_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOKD_SOCKET", "")
    monkeypatch.setenv("RUNTIME_DIRECTORY", "")
    monkeypatch.setenv("XDG_RUNTIME_DIR", "")
    assert resolve_socket_path("") == "/tmp/hookd-1234/hookd.sock"


def test_client_falls_back_to_system_socket(clean_env: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    xdg = clean_env / "xdg"
    xdg.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(xdg))
    system = hookrpc.paths.SYSTEM_SOCKET_PATH
    # Neither exists: the per-user path.
    assert resolve_socket_path() == str(xdg / "hookd.sock")
    # Only the system socket exists: use it.
    _make_file(system)
    assert resolve_socket_path() == system
    # Both exist: the per-user path wins.
    _make_file(str(xdg / "hookd.sock"))
    assert resolve_socket_path() == str(xdg / "hookd.sock")


def test_fallback_also_applies_to_tmp_default(clean_env: Any) -> None:
    system = _make_file(hookrpc.paths.SYSTEM_SOCKET_PATH)
    assert resolve_socket_path() == system  # /tmp/hookd-1234/hookd.sock does not exist


def test_fallback_does_not_override_explicit_or_env(clean_env: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _make_file(hookrpc.paths.SYSTEM_SOCKET_PATH)
    assert resolve_socket_path("/nope/explicit.sock") == "/nope/explicit.sock"
    monkeypatch.setenv("HOOKD_SOCKET", "/nope/env.sock")
    assert resolve_socket_path() == "/nope/env.sock"
    monkeypatch.delenv("HOOKD_SOCKET")
    monkeypatch.setenv("RUNTIME_DIRECTORY", "/nope/rt")
    assert resolve_socket_path() == "/nope/rt/hookd.sock"


# ---------------------------------------------------------------------------------------------
# A server run by another user: secret-bearing calls are refused before anything is sent.

_ANSWERING_SERVER = r"""
import json, os, socket, sys
path = sys.argv[1]
server = socket.socket(socket.AF_UNIX)
server.bind(path)
os.chmod(path, 0o666)
server.listen(4)
open(path + ".ready", "w").close()
while True:
    connection, _ = server.accept()
    stream = connection.makefile("rb")
    for line in stream:
        request = json.loads(line)
        requests = request if isinstance(request, list) else [request]
        with open(path + ".log", "a") as log:
            log.write(line.decode())
        answers = [{"jsonrpc": "2.0", "id": r["id"], "result": {"value": "from-impostor"}} for r in requests if "id" in r]
        connection.sendall(json.dumps(answers if isinstance(request, list) else answers[0]).encode() + b"\n")
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the server as another uid (setpriv)")
def test_a_server_of_another_user_gets_no_secret_bearing_call(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    # Under /tmp itself: pytest's tmp_path has 0700 parents another user cannot pass.
    directory = tempfile.mkdtemp(prefix="hookd-impostor-")
    os.chmod(directory, 0o755)
    os.chown(directory, 65534, 65534)
    path = os.path.join(directory, "hookd.sock")
    server = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "python3", "-c",
                               _ANSWERING_SERVER, path])
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(path + ".ready") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert os.path.exists(path + ".ready"), "the impostor server did not start"
        monkeypatch.delenv("HOOKD_TRUSTED_UID", raising=False)
        client = HookRPC(path, timeout=5)
        assert client.call("system.echo", {"value": 1}) == {"value": "from-impostor"}, "not secret-bearing: sent"
        for method, params in (("credential.get", {"code": "STRIPE"}),
                               ("webhook.upsert", {"code": "X", "credential": {"source": "database", "value": "sk_fake_1"}})):
            with pytest.raises(hookrpc.HookRPCUntrustedServerError) as info:
                client.call(method, params)
            assert info.value.server_uid == 65534
            assert "HOOKD_TRUSTED_UID=65534" in str(info.value)
        with pytest.raises(hookrpc.HookRPCUntrustedServerError):
            client.batch([("system.echo", {"value": 2}), ("credential.get", {"code": "STRIPE"})])
        with open(path + ".log") as log:
            sent = log.read()
        assert "credential.get" not in sent and "sk_fake_1" not in sent, sent
        monkeypatch.setenv("HOOKD_TRUSTED_UID", "65534")
        assert client.call("credential.get", {"code": "STRIPE"}) == {"value": "from-impostor"}, "trusted when named"
        client.close()
    finally:
        server.kill()
        server.wait(timeout=5)
        shutil.rmtree(directory, ignore_errors=True)
