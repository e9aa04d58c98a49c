"""Drop-in (issue 11): the application's own lines work through hookd unchanged.

Each numbered line of the issue runs exactly as the application writes it, and
its effect is checked on a real hookd:

* the Python lines in a fresh virtual environment after ``pip install
  ./clients/python``, so ``ObjHook``, ``ObjWebhookAlert`` and ``hookrpc`` are the
  installed ones (each script reports where its modules came from);
* the command lines as shell lines, with that environment's ``python`` first on
  ``PATH``; each must print what ``hookrpc`` prints and exit as it does.

The environment is made offline, with the base interpreter's own tools:
``python -m venv --system-site-packages --without-pip``, then ``python -m pip
install --no-index --no-build-isolation``, which needs pip, setuptools (61 or
later) and, before setuptools 70.1, wheel (Debian: python3-pip,
python3-setuptools, python3-wheel). The base interpreter is the one running the
tests when it has them, else ``/usr/bin/python3``. The package is installed from a
copy, so the build leaves nothing in the checkout; the copy and the environment
are removed at the end.

The daemon is this module's own (``conftest.run_hookd``), so ``validate-all``
sees only the webhooks registered here and STRIPE_PAYMENT's cache, alert window
and log lines are only this module's. The OUT webhook's URL is conftest's
validation endpoint, which answers 200 only for the registered token.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

import pytest

from hookrpc import HookRPC

from conftest import REPO_ROOT, Daemon, Endpoints, run_hookd

PACKAGE_DIR = REPO_ROOT / "clients" / "python"
DEFAULT_HOOKRPC_BIN = REPO_ROOT / ".build" / "debug" / "hookrpc"

VENV_TIMEOUT_S = 120.0
PIP_TIMEOUT_S = 300.0
SCRIPT_TIMEOUT_S = 60.0
COMMAND_TIMEOUT_S = 120.0
#: How long a check waits for hookd's writer threads (structured log, audit log).
LOG_TIMEOUT_S = 5.0

#: STRIPE_PAYMENT's token (source "database") and STRIPE_WEBHOOK's signing secret.
TOKEN = "sk_test_dropin_4c21a9"
SIGNING_SECRET = "whsec_dropin_6f0e9a1b"
#: The key the application puts in its logged URL and Authorization header.
APP_KEY = "sk_fake_app_9e8d7c"
SECRETS = (TOKEN, SIGNING_SECRET, APP_KEY)

#: Variables that would let the application's processes see this checkout or another daemon.
_SCRUBBED = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "HOOKD_SOCKET", "RUNTIME_DIRECTORY", "HOOKRPC_BIN",
             "VIRTUAL_ENV")


# ------------------------------------------------------------------ the environment

@dataclass
class Venv:
    """The fresh virtual environment the application's lines run in."""

    root: Path
    work: Path  # the scripts' working directory: nothing importable in it

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"


#: Run by a candidate base interpreter: prints "ok", or what it lacks.
_TOOLS_PROBE = textwrap.dedent("""
    import importlib.util
    from importlib.metadata import PackageNotFoundError, version
    missing = [m for m in ("venv", "pip", "setuptools") if importlib.util.find_spec(m) is None]
    try:
        setuptools = tuple(int(part) for part in version("setuptools").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        setuptools = (0, 0)
    if setuptools < (61, 0):
        missing.append("setuptools>=61")
    if setuptools < (70, 1) and importlib.util.find_spec("wheel") is None:
        missing.append("wheel")
    print("ok" if not missing else "missing " + " ".join(missing))
""")


def _run(args: Union[str, Sequence[str]], timeout: float, cwd: Optional[Path] = None,
         env: Optional[Mapping[str, str]] = None) -> "subprocess.CompletedProcess[str]":
    """Run ``args`` (a shell line when a ``str``) to completion, capturing its output.

    The process gets a session of its own, so on timeout the whole group (a shell, the
    python it ran, the hookrpc that python became) is killed by the group's id, and
    the test fails.
    """
    proc = subprocess.Popen(args, shell=isinstance(args, str), cwd=cwd, env=None if env is None else dict(env),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=timeout)
        pytest.fail(f"{args!r} did not finish within {timeout:.0f} s:\n{stdout}\n{stderr}", pytrace=False)
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


def _base_python() -> str:
    """The first interpreter with venv, pip, setuptools and wheel: this one, else Debian's."""
    tried: List[str] = []
    for candidate in dict.fromkeys([sys.executable, "/usr/bin/python3"]):
        if not os.access(candidate, os.X_OK):
            tried.append(f"{candidate}: not found")
            continue
        probe = _run([candidate, "-I", "-c", _TOOLS_PROBE], SCRIPT_TIMEOUT_S)
        answer = probe.stdout.strip() or probe.stderr.strip()
        if answer == "ok":
            return candidate
        tried.append(f"{candidate}: {answer}")
    pytest.fail("no Python can build the package offline (install python3-pip python3-setuptools "
                "python3-wheel): " + "; ".join(tried), pytrace=False)


def _check(proc: "subprocess.CompletedProcess[str]", what: str) -> None:
    assert proc.returncode == 0, f"{what} exited with {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture(scope="module")
def venv() -> Iterator[Venv]:
    """A fresh venv with ``pip install ./clients/python`` done (from a copy); removed afterwards."""
    base = _base_python()
    top = Path(tempfile.mkdtemp(prefix="hookrpc-dropin-"))
    try:
        root, work = top / "venv", top / "app"
        work.mkdir()
        _check(_run([base, "-m", "venv", "--system-site-packages", "--without-pip", str(root)], VENV_TIMEOUT_S),
               "python -m venv")
        source = top / "src"
        shutil.copytree(PACKAGE_DIR, source / "clients" / "python",
                        ignore=shutil.ignore_patterns("tests", "build", "*.egg-info", "__pycache__"))
        # Offline and the same everywhere: no index, no pip configuration (files or PIP_* variables).
        env = {name: value for name, value in _scrubbed_env().items() if not name.startswith("PIP_")}
        env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        _check(_run([str(root / "bin" / "python"), "-m", "pip", "install", "--no-index", "--no-build-isolation",
                     "--no-cache-dir", "--ignore-installed", "./clients/python"], PIP_TIMEOUT_S, cwd=source, env=env),
               "pip install ./clients/python")
        yield Venv(root, work)
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def hookrpc_bin() -> str:
    """The hookrpc CLI: ``$HOOKRPC_BIN``, else this checkout's debug build; missing is a failure."""
    binary = Path(os.environ.get("HOOKRPC_BIN") or DEFAULT_HOOKRPC_BIN)
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"hookrpc binary not found at {binary}: build it first (make test does)", pytrace=False)
    return str(binary)


@pytest.fixture(scope="module")
def daemon(request: pytest.FixtureRequest) -> Iterator[Daemon]:
    """A hookd of this module's own."""
    yield from run_hookd(request, {})


@pytest.fixture(scope="module")
def rpc(daemon: Daemon, endpoints: Endpoints) -> Iterator[HookRPC]:
    """A client of the module's daemon, with the application's two webhooks registered."""
    with HookRPC(daemon.socket_path, timeout=10.0) as client:
        endpoints.expect("stripe", {"bearer": TOKEN})
        client.webhook_upsert(code="STRIPE_PAYMENT", url=endpoints.url("/protected/stripe"), auth_type="bearer",
                              credential={"source": "database", "value": TOKEN}, allow_insecure_http=True)
        client.webhook_upsert(code="STRIPE_WEBHOOK", direction="IN", url="https://app.example.test/webhooks/stripe",
                              auth_type="hmac", credential={"source": "database", "value": json.dumps(
                                  {"secret": SIGNING_SECRET, "scheme": "stripe"})})
        yield client


def _scrubbed_env() -> Dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in _SCRUBBED}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _app_env(venv: Venv, daemon: Daemon, hookrpc_bin: Optional[str], **overrides: Optional[str]) -> Dict[str, str]:
    """The application's environment: the venv's bin first on PATH, HOOKD_SOCKET, HOOKRPC_BIN;
    ``overrides`` set (or, given None, remove) more variables."""
    env = _scrubbed_env()
    env["PATH"] = f"{venv.bin}{os.pathsep}{env.get('PATH', os.defpath)}"
    env["VIRTUAL_ENV"] = str(venv.root)
    env["HOOKD_SOCKET"] = daemon.socket_path
    if hookrpc_bin is not None:
        env["HOOKRPC_BIN"] = hookrpc_bin
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _run_app_python(venv: Venv, daemon: Daemon, source: str) -> Dict[str, Any]:
    """Run ``source`` with the venv's python as the application would; returns its last stdout line
    (JSON). Fails unless it exits 0 and its modules are the venv's."""
    script = venv.work / "app_lines.py"
    script.write_text(textwrap.dedent(source) + textwrap.dedent("""
        import sys as _sys
        print(json.dumps({"report": report, "modules": {name: getattr(_sys.modules.get(name), "__file__", None)
                                                         for name in ("hookrpc", "ObjHook", "ObjWebhookAlert")}}))
    """), encoding="utf-8")
    proc = _run([str(venv.python), str(script)], SCRIPT_TIMEOUT_S, cwd=venv.work, env=_app_env(venv, daemon, None))
    _check(proc, "the application's lines")
    for secret in SECRETS:
        assert secret not in proc.stdout + proc.stderr
    result: Dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    for name, path in result["modules"].items():
        assert path is None or Path(path).is_relative_to(venv.root), f"{name} imported from {path}, not the venv"
    return result["report"]


def _shell(line: str, env: Mapping[str, str], cwd: Path) -> "subprocess.CompletedProcess[str]":
    return _run(line, COMMAND_TIMEOUT_S, cwd=cwd, env=env)


def _comparable(text: str) -> str:
    """Output without what differs between two runs: numbers (times, latencies) and table padding."""
    return re.sub(r"[ ─]+", " ", re.sub(r"\d+(\.\d+)?", "#", text))


def _run_command(venv: Venv, daemon: Daemon, hookrpc_bin: str, line: str, hookrpc_args: str,
                 **overrides: Optional[str]) -> "subprocess.CompletedProcess[str]":
    """Run the legacy command ``line`` and ``hookrpc <hookrpc_args>`` in the same environment;
    both must print the same and exit with the same status. Returns the legacy line's run."""
    env = _app_env(venv, daemon, hookrpc_bin, **overrides)
    legacy = _shell(line, env, venv.work)
    direct = _shell(f"'{hookrpc_bin}' {hookrpc_args}", env, venv.work)
    assert legacy.returncode == direct.returncode, (legacy, direct)
    assert _comparable(legacy.stdout) == _comparable(direct.stdout), (legacy.stdout, direct.stdout)
    assert _comparable(legacy.stderr) == _comparable(direct.stderr), (legacy.stderr, direct.stderr)
    for secret in SECRETS:
        assert secret not in legacy.stdout + legacy.stderr
    return legacy


def _log_lines(daemon: Daemon, name: str, match: str, count: int) -> List[Dict[str, Any]]:
    """The lines of hookd's log ``name`` containing ``match``, once ``count`` are written."""
    path = Path(daemon.state_dir) / "log" / name
    deadline = time.monotonic() + LOG_TIMEOUT_S
    while True:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        lines = [json.loads(line) for line in text.splitlines() if match in line]
        if len(lines) >= count or time.monotonic() > deadline:
            assert len(lines) == count, f"expected {count} lines of {name} with {match!r}, found {lines}"
            for secret in SECRETS:
                assert secret not in text, f"{name} holds a secret"
            return lines
        time.sleep(0.02)


# ------------------------------------------------------------------ the Python lines

def test_line_1_and_2_request_and_response_are_logged_under_one_remembered_guid(
        venv: Venv, daemon: Daemon, rpc: HookRPC) -> None:
    report = _run_app_python(venv, daemon, f"""
        import json
        from ObjHook import ObjHook

        hook = ObjHook()
        hook.read('STRIPE_PAYMENT')
        guid = hook.log_webhook_request(method="POST", url="https://api.stripe.com/v1/charges?api_key={APP_KEY}", payload={{"amount": 1000, "currency": "usd"}}, headers={{"Authorization": "Bearer {APP_KEY}", "Content-Type": "application/json", "X-Echo": "{TOKEN}"}}, credential_source="infisical")
        response_guid = hook.log_webhook_response(status_code=200, response_body={{"id": "ch_123"}}, duration=0.543, success=True)
        report = {{"guid": guid, "response_guid": response_guid}}
    """)
    guid = report["guid"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", guid)
    assert report["response_guid"] == guid  # the response used the guid the request got
    request, response = _log_lines(daemon, "webhooks.jsonl", guid, 2)
    assert request == {**request, "event": "webhook_request", "webhook_code": "STRIPE_PAYMENT", "direction": "OUT",
                       "method": "POST", "url": "https://api.stripe.com/v1/charges?api_key=***MASKED***",
                       "payload_size": len('{"amount":1000,"currency":"usd"}'), "credential_source": "infisical"}
    # The webhook's own token is masked too: read() put it in hookd's memory cache.
    assert request["headers"] == {"Authorization": "***MASKED***", "Content-Type": "application/json",
                                  "X-Echo": "***MASKED***"}
    assert response == {**response, "event": "webhook_response", "webhook_code": "STRIPE_PAYMENT",
                        "status_code": 200, "response_size": len('{"id":"ch_123"}'),
                        "response_preview": '{"id":"ch_123"}', "duration_seconds": 0.543, "success": True, "error": None}


def test_line_3_objwebhookalert_imports_and_reports_failure_rate_in_percent(
        venv: Venv, daemon: Daemon, rpc: HookRPC) -> None:
    before = rpc.alert_metrics("STRIPE_PAYMENT")
    report = _run_app_python(venv, daemon, """
        import json
        import time
        from ObjWebhookAlert import ObjWebhookAlert

        alert = ObjWebhookAlert()
        alert.record_webhook_call("STRIPE_PAYMENT", True, 0.2, status_code=200)
        alert.record_webhook_call("STRIPE_PAYMENT", True, 0.3, 200)
        alert.record_webhook_call("STRIPE_PAYMENT", True, 0.4, status_code=201, error=None)
        alert.record_webhook_call("STRIPE_PAYMENT", False, 1.2, status_code=500, error="upstream 500")
        deadline = time.monotonic() + 5
        metrics = alert.get_metrics("STRIPE_PAYMENT")
        while metrics["total_calls"] < %d and time.monotonic() < deadline:
            time.sleep(0.02)
            metrics = alert.get_metrics("STRIPE_PAYMENT")
        report = metrics
    """ % (before["total_calls"] + 4))
    assert report["total_calls"] == before["total_calls"] + 4
    assert report["failed_calls"] == before["failed_calls"] + 1
    assert report["failure_rate"] == pytest.approx(100.0 * report["failed_calls"] / report["total_calls"])
    assert report["max_latency"] >= 1.2


def test_line_5_read_warms_the_credential_without_it_crossing_the_socket(
        venv: Venv, daemon: Daemon, rpc: HookRPC) -> None:
    rpc.credential_invalidate("STRIPE_PAYMENT")
    assert rpc.credential_source("STRIPE_PAYMENT")["cached"] is False
    report = _run_app_python(venv, daemon, """
        import json
        import os
        from ObjHook import ObjHook

        hook = ObjHook()
        hook.read('STRIPE_PAYMENT')
        report = {"pid": os.getpid(), "warmed": hook.credential_cache,
                  "second_call": hook.get_credential_info()["cache"]}
    """)
    # First call: the source, into the cache for the default 5 minutes.
    assert report["warmed"]["cached"] is True and report["warmed"]["tier"] is None
    assert 290 < report["warmed"]["ttl_s"] <= 300
    # Second call: a memory-cache hit.
    assert report["second_call"]["hit"] is True and report["second_call"]["tier"] == "memory"
    assert rpc.credential_source("STRIPE_PAYMENT")["cached"] is True
    # read() asked for no secret: the only credential.get of that process is the second call.
    (audited,) = _log_lines(daemon, "audit.log", f'"pid":{report["pid"]},', 1)
    assert audited["event"] == "credential.get" and audited["code"] == "STRIPE_PAYMENT"
    assert audited["hit"] is True and audited["tier"] == "memory"


# ------------------------------------------------------------------ the command lines

def test_line_6_metrics(venv: Venv, daemon: Daemon, rpc: HookRPC, hookrpc_bin: str) -> None:
    rpc.alert_record("STRIPE_PAYMENT", True, 0.1, status_code=200)
    rpc.alert_record("STRIPE_PAYMENT", False, 0.9, status_code=502)
    metrics = rpc.alert_metrics("STRIPE_PAYMENT")
    run = _run_command(venv, daemon, hookrpc_bin, "python -m ObjWebhookAlert metrics STRIPE_PAYMENT",
                       "metrics STRIPE_PAYMENT")
    assert run.returncode == 0
    shown = re.search(r"(\d+) total, (\d+) ok, (\d+) failed \((\d+\.\d+)%\)", run.stdout)
    assert shown, run.stdout
    assert [int(n) for n in shown.groups()[:3]] == [metrics["total_calls"], metrics["successful_calls"],
                                                   metrics["failed_calls"]]
    assert float(shown.group(4)) == pytest.approx(metrics["failure_rate"], abs=0.05)


def test_line_6_test_alert_sends_a_critical_test_alert(venv: Venv, daemon: Daemon, rpc: HookRPC,
                                                       hookrpc_bin: str) -> None:
    run = _run_command(venv, daemon, hookrpc_bin,
                       "python -m ObjWebhookAlert test-alert STRIPE_PAYMENT --severity critical",
                       "test-alert STRIPE_PAYMENT --severity critical")
    assert run.returncode == 0 and "log" in run.stdout
    # Both runs (the legacy line's and hookrpc's) sent one through the configured channel.
    events = rpc.alert_history("STRIPE_PAYMENT", limit=2)
    assert [(e["notification"], e["severity"], e["deliveries"]) for e in events] == \
        [("test", "critical", {"log": "delivered"})] * 2


def test_line_6_config(venv: Venv, daemon: Daemon, rpc: HookRPC, hookrpc_bin: str) -> None:
    run = _run_command(venv, daemon, hookrpc_bin, "python -m ObjWebhookAlert config", "config")
    assert run.returncode == 0
    shown = json.loads(run.stdout)
    expected = rpc.alert_config()
    for key in ("window_minutes", "failure_rate_threshold", "min_calls", "auth_failure_threshold", "channels"):
        assert shown[key] == expected[key]


def test_line_6_validate(venv: Venv, daemon: Daemon, rpc: HookRPC, hookrpc_bin: str, ep: Endpoints) -> None:
    run = _run_command(venv, daemon, hookrpc_bin, "python -m validate_webhook_credentials validate STRIPE_PAYMENT",
                       "validate STRIPE_PAYMENT")
    assert run.returncode == 0
    assert run.stdout.startswith("Validating OUT webhook: STRIPE_PAYMENT\n✓ Endpoint accessible - 200\nDetails:\n  url: "), run.stdout
    # Twice (both runs), each time with the registered token: the endpoint answered 200 only for it.
    assert [r["path"] for r in ep.requests()] == ["/protected/stripe"] * 2


def test_line_6_validate_inbound(venv: Venv, daemon: Daemon, rpc: HookRPC, hookrpc_bin: str) -> None:
    run = _run_command(venv, daemon, hookrpc_bin,
                       "python -m validate_webhook_credentials validate STRIPE_WEBHOOK --direction IN",
                       "validate STRIPE_WEBHOOK --direction IN")
    assert run.returncode == 0
    assert run.stdout.startswith("Validating IN webhook: STRIPE_WEBHOOK\n✓ Signing secret well-formed; a stripe signature verifies\n"), run.stdout


def test_line_6_validate_all(venv: Venv, daemon: Daemon, rpc: HookRPC, hookrpc_bin: str, ep: Endpoints) -> None:
    run = _run_command(venv, daemon, hookrpc_bin, "python -m validate_webhook_credentials validate-all",
                       "validate-all")
    assert run.returncode == 0
    assert re.search(r"│ STRIPE_PAYMENT\s*│ VALID\s*│ Endpoint accessible - 200", run.stdout), run.stdout
    assert re.search(r"│ STRIPE_WEBHOOK \(IN\)\s*│ VALID\s*│", run.stdout), run.stdout
    assert re.search(r"Valid:\s+2\b", run.stdout) and re.search(r"Total:\s+2\b", run.stdout)


def test_line_6_check_source(venv: Venv, daemon: Daemon, rpc: HookRPC, hookrpc_bin: str) -> None:
    run = _run_command(venv, daemon, hookrpc_bin,
                       "python -m validate_webhook_credentials check-source STRIPE_PAYMENT",
                       "check-source STRIPE_PAYMENT")
    assert run.returncode == 0
    assert re.search(r"Source:\s+database", run.stdout) and re.search(r"Exists:\s+yes", run.stdout)


# ------------------------------------------------------------------ exit statuses and the socket

def test_commands_exit_with_hookrpcs_status(venv: Venv, daemon: Daemon, rpc: HookRPC, hookrpc_bin: str,
                                           ep: Endpoints) -> None:
    rpc.webhook_upsert(code="STRIPE_DENIED", url=ep.url("/status/401"), auth_type="bearer",
                       credential={"source": "database", "value": TOKEN}, allow_insecure_http=True)
    try:
        invalid = _run_command(venv, daemon, hookrpc_bin,
                               "python -m validate_webhook_credentials validate STRIPE_DENIED",
                               "validate STRIPE_DENIED")
        assert invalid.returncode == 1 and "✗ Authentication failed - 401" in invalid.stdout, invalid.stdout
    finally:
        rpc.webhook_delete("STRIPE_DENIED")
    unknown = _run_command(venv, daemon, hookrpc_bin, "python -m ObjWebhookAlert test-alert NO_SUCH_HOOK --severity loud",
                           "test-alert NO_SUCH_HOOK --severity loud")
    assert unknown.returncode != 0 and unknown.stderr
    unreachable = _run_command(venv, daemon, hookrpc_bin, "python -m ObjWebhookAlert config", "config",
                               HOOKD_SOCKET=str(venv.work / "no-daemon.sock"))
    assert unreachable.returncode == 3 and "no-daemon.sock" in unreachable.stderr


def test_commands_use_the_python_clients_socket_and_a_socket_option_wins(
        venv: Venv, daemon: Daemon, rpc: HookRPC, hookrpc_bin: str) -> None:
    # No HOOKD_SOCKET: $RUNTIME_DIRECTORY/hookd.sock, as resolve_socket_path() says.
    runtime = _run_command(venv, daemon, hookrpc_bin,
                           "python -m validate_webhook_credentials check-source STRIPE_PAYMENT",
                           f"check-source STRIPE_PAYMENT --socket '{daemon.socket_path}'",
                           HOOKD_SOCKET=None, RUNTIME_DIRECTORY=str(Path(daemon.socket_path).parent))
    assert runtime.returncode == 0 and "STRIPE_PAYMENT/OUT" in runtime.stdout
    # A --socket on the legacy line overrides the resolved one.
    explicit = _run_command(venv, daemon, hookrpc_bin,
                            f"python -m validate_webhook_credentials check-source STRIPE_PAYMENT --socket '{daemon.socket_path}'",
                            f"check-source STRIPE_PAYMENT --socket '{daemon.socket_path}'",
                            HOOKD_SOCKET=str(venv.work / "no-daemon.sock"))
    assert explicit.returncode == 0 and "STRIPE_PAYMENT/OUT" in explicit.stdout


def test_commands_pass_the_resolved_socket_right_after_the_command(venv: Venv, daemon: Daemon) -> None:
    fake = venv.work / "print-argv"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\nexit 7\n', encoding="utf-8")
    fake.chmod(0o755)
    run = _shell("python -m validate_webhook_credentials validate STRIPE_WEBHOOK --direction IN",
                 _app_env(venv, daemon, str(fake)), venv.work)
    assert run.returncode == 7  # hookrpc's status, whatever it is
    assert run.stdout.splitlines() == ["validate", "--socket", daemon.socket_path, "STRIPE_WEBHOOK", "--direction", "IN"]


def test_commands_find_hookrpc_on_path(venv: Venv, daemon: Daemon, rpc: HookRPC, hookrpc_bin: str) -> None:
    on_path = venv.work / "path-bin"
    on_path.mkdir(exist_ok=True)
    link = on_path / "hookrpc"
    if not link.exists():
        link.symlink_to(hookrpc_bin)
    env = _app_env(venv, daemon, None, PATH=f"{venv.bin}{os.pathsep}{on_path}")
    run = _shell("python -m validate_webhook_credentials check-source STRIPE_PAYMENT", env, venv.work)
    assert run.returncode == 0 and "STRIPE_PAYMENT/OUT" in run.stdout


def test_commands_without_hookrpc_or_with_a_wrong_command_say_so(venv: Venv, daemon: Daemon) -> None:
    nowhere = _app_env(venv, daemon, None, PATH=str(venv.bin))
    missing = _shell("python -m ObjWebhookAlert metrics STRIPE_PAYMENT", nowhere, venv.work)
    assert missing.returncode == 127 and "HOOKRPC_BIN" in missing.stderr and missing.stdout == ""
    wrong = _shell("python -m ObjWebhookAlert metrics STRIPE_PAYMENT",
                   _app_env(venv, daemon, str(venv.work / "no-hookrpc")), venv.work)
    assert wrong.returncode == 127 and "not an executable file" in wrong.stderr
    unknown = _shell("python -m validate_webhook_credentials metrics STRIPE_PAYMENT", nowhere, venv.work)
    assert unknown.returncode == 64 and "unknown command 'metrics'" in unknown.stderr
    assert "validate-all" in unknown.stderr  # the usage lists the module's commands
    usage = _shell("python -m ObjWebhookAlert --help", nowhere, venv.work)
    assert usage.returncode == 0 and "test-alert CODE [--severity S]" in usage.stdout
