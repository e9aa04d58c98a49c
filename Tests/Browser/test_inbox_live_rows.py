"""The sandbox's inbox page in a real browser: a capture that arrives while the page is open shows
up without a reload (server-sent events and the page's inline script).

Headless Chromium (Debian's ``chromium``) is driven over its DevTools protocol with
``websocket-client``: open ``/``, POST a capture, read the captures table. ``--dump-dom`` cannot
show this: it takes the DOM at load, before any event arrives. Skipped, with a message, when
chromium is not installed. Every process is stopped by pid, every wait has a timeout.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest

websocket = pytest.importorskip("websocket", reason="websocket-client is not installed (pip install websocket-client)")

REPO_ROOT = Path(__file__).resolve().parents[2]
HOOKSANDBOX = os.environ.get("HOOKSANDBOX_BIN") or str(REPO_ROOT / ".build" / "debug" / "hooksandbox")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait(seconds: float, condition: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.1)
    raise AssertionError("timed out after %.0f s" % seconds)


def stop(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture
def sandbox() -> Iterator[str]:
    assert Path(HOOKSANDBOX).exists(), "hooksandbox not built: %s" % HOOKSANDBOX
    directory = tempfile.mkdtemp(prefix="hooksandbox-browser-")
    port = free_port()
    process = subprocess.Popen([HOOKSANDBOX, "--listen", "127.0.0.1:%d" % port, "--data", directory + "/data"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = "http://127.0.0.1:%d" % port
        wait(20, lambda: urllib.request.urlopen(base + "/api/stats", timeout=2).status == 200)
        yield base
    finally:
        stop(process)
        shutil.rmtree(directory, ignore_errors=True)


def post(url: str) -> None:
    request = urllib.request.Request(url, data=b'{"id":"evt_fake_browser"}', headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_a_capture_arriving_while_the_page_is_open_appears_without_a_reload(sandbox: str) -> None:
    post(sandbox + "/in/first")
    profile = tempfile.mkdtemp(prefix="hooksandbox-chromium-")
    debugging_port = free_port()
    browser = subprocess.Popen([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile,
                                "--remote-debugging-port=%d" % debugging_port, "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        targets = wait(30, lambda: json.load(urllib.request.urlopen("http://127.0.0.1:%d/json" % debugging_port, timeout=2)))
        page = next(target for target in targets if target["type"] == "page")
        connection = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=10)
        counter = [0]

        def command(method: str, params: Dict[str, Any]) -> Dict[str, Any]:
            counter[0] += 1
            connection.send(json.dumps({"id": counter[0], "method": method, "params": params}))
            while True:
                message = json.loads(connection.recv())
                if message.get("id") == counter[0]:
                    return message

        def rows() -> str:
            answer = command("Runtime.evaluate", {"expression": "document.querySelector('#captures tbody').innerText"})
            return str(answer["result"]["result"].get("value", ""))

        command("Page.navigate", {"url": sandbox + "/"})
        wait(20, lambda: "/in/first" in rows())
        # The page listens once loaded; give it a moment, then send a capture it has not seen.
        wait(10, lambda: command("Runtime.evaluate", {"expression": "document.readyState"})["result"]["result"]["value"] == "complete")
        time.sleep(1.0)
        post(sandbox + "/in/arrived-live")
        shown = wait(15, lambda: (lambda text: text if "/in/arrived-live" in text else None)(rows()))
        assert shown.index("/in/arrived-live") < shown.index("/in/first"), "the new capture is listed first: %r" % shown
        connection.close()
    finally:
        stop(browser)
        shutil.rmtree(profile, ignore_errors=True)
