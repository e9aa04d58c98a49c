#!/usr/bin/env python3
"""Inbound verification benchmark (issue 13): one GitHub-signed request checked by hookd through
the Python WebHooks shim on one connection, against the same check done in-process the way a
handler does it today (hmac.new(secret, body, sha256).hexdigest() + hmac.compare_digest).

    python3 scripts/bench_inbound.py --socket PATH [--iterations 20000]

Registers the IN webhook BENCH_INBOUND (github scheme, a fake secret held by hookd as a database
credential) on the given hookd and prints one JSON line:
{"shim_p50_us", "shim_p99_us", "in_process_p50_us", "ratio" (shim p50 / in-process p50), "iterations"}.
The requests carry no X-GitHub-Delivery, so replay protection has no id to remember and the
same request stays valid every time.
"""
import argparse
import hashlib
import hmac
import json
import sys
import time
from pathlib import Path
from typing import List

try:
    from hookrpc import HookRPC, WebHooks
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "clients" / "python"))
    from hookrpc import HookRPC, WebHooks

CODE = "BENCH_INBOUND"
SECRET = "tok_fake_bench_inbound_github_7d1e"
# A GitHub push payload of a typical size (about 1 KB).
BODY = json.dumps({
    "ref": "refs/heads/main", "before": "0" * 40, "after": "1" * 40,
    "repository": {"id": 1296269, "name": "hello-world", "full_name": "octo/hello-world", "private": False,
                   "html_url": "https://github.example.test/octo/hello-world", "default_branch": "main"},
    "pusher": {"name": "octo", "email": "octo@example.test"},
    "commits": [{"id": "1" * 40, "message": "Update README (%d)" % n, "timestamp": "2024-05-01T12:00:00Z",
                 "author": {"name": "octo", "email": "octo@example.test"}, "added": [], "removed": [],
                 "modified": ["README.md"]} for n in range(3)],
}, separators=(",", ":")).encode()


def percentile(ordered: List[int], fraction: float) -> int:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", required=True, help="hookd's socket")
    parser.add_argument("--iterations", type=int, default=20000, help="timed calls of each kind (default 20000)")
    parser.add_argument("--warmup", type=int, default=2000, help="untimed calls of each kind first (default 2000)")
    args = parser.parse_args()
    if args.iterations < 1 or args.warmup < 0:
        parser.error("--iterations must be at least 1 and --warmup at least 0")

    with HookRPC(args.socket, timeout=10) as rpc:
        rpc.webhook_upsert(code=CODE, direction="IN", type="SERVICE", auth_type="hmac",
                           description="bench_inbound.py: github signature checks",
                           credential={"source": "database", "value": json.dumps({"secret": SECRET, "scheme": "github"})})

    signature = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/bench", "X-GitHub-Event": "push",
               "X-Hub-Signature-256": signature}

    hooks = WebHooks(args.socket, timeout=10)
    for _ in range(args.warmup):
        if not hooks.verify(CODE, headers, BODY):
            raise SystemExit("hookd refused the benchmark's request: %r" % (hooks.verify(CODE, headers, BODY),))
    shim: List[int] = []
    for _ in range(args.iterations):
        started = time.perf_counter_ns()
        result = hooks.verify(CODE, headers, BODY)
        shim.append(time.perf_counter_ns() - started)
        if not result:
            raise SystemExit("hookd refused the benchmark's request: %r" % (result,))
    hooks.close()

    # What a handler does today, with the secret it fetched from hookd (credential.get) already at hand.
    key = SECRET.encode()
    received = headers["X-Hub-Signature-256"]

    def in_process() -> bool:
        expected = "sha256=" + hmac.new(key, BODY, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, received)

    for _ in range(args.warmup):
        in_process()
    direct: List[int] = []
    for _ in range(args.iterations):
        started = time.perf_counter_ns()
        ok = in_process()
        direct.append(time.perf_counter_ns() - started)
        if not ok:
            raise SystemExit("the in-process check refused the benchmark's request")

    shim.sort()
    direct.sort()
    shim_p50, shim_p99, direct_p50 = percentile(shim, 0.5) / 1e3, percentile(shim, 0.99) / 1e3, percentile(direct, 0.5) / 1e3
    print(json.dumps({
        "shim_p50_us": round(shim_p50, 2),
        "shim_p99_us": round(shim_p99, 2),
        "in_process_p50_us": round(direct_p50, 2),
        "ratio": round(shim_p50 / direct_p50, 2),
        "iterations": args.iterations,
    }))


if __name__ == "__main__":
    main()
