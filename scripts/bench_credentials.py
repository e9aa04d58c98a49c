#!/usr/bin/env python3
"""Credential benchmarks that need a client library: a cache miss against the Infisical test
server (75 ms a read), and the Python ObjHook shim's credential read against redis-py's GET +
json.loads of the same value. Prints table rows; part of `make bench` (scripts/bench.sh)."""
import argparse
import json
import statistics
import time

import redis  # redis-py, installed by scripts/bench.sh

from hookrpc import HookRPC, ObjHook


def percentiles(samples):
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hookd-socket", required=True)
    parser.add_argument("--redis-socket", required=True)
    parser.add_argument("--code", default="STRIPE")
    parser.add_argument("--misses", type=int, default=40)
    parser.add_argument("--reads", type=int, default=20000)
    args = parser.parse_args()

    rpc = HookRPC(socket_path=args.hookd_socket, timeout=10)
    misses = []
    for _ in range(args.misses):
        rpc.credential_invalidate(args.code)
        started = time.perf_counter()
        result = rpc.credential_get(args.code)
        misses.append((time.perf_counter() - started) * 1e3)
        assert result["cache"]["hit"] is False
    p50, p99 = percentiles(misses)
    print(f"{'credential.get miss (Infisical 75 ms)':<44} {p50:>9.1f} ms {p99:>9.1f} ms   ({args.misses} misses)")

    hook = ObjHook(client=rpc)
    assert hook.read(args.code)
    credential = hook._get_webhook_credential_cached()
    shim = []
    for _ in range(args.reads):
        started = time.perf_counter_ns()
        hook._get_webhook_credential_cached()
        shim.append((time.perf_counter_ns() - started) / 1e3)

    client = redis.Redis(unix_socket_path=args.redis_socket)
    client.set("bench:credential", json.dumps(credential))
    direct = []
    for _ in range(args.reads):
        started = time.perf_counter_ns()
        json.loads(client.get("bench:credential"))
        direct.append((time.perf_counter_ns() - started) / 1e3)

    shim_p50, shim_p99 = percentiles(shim)
    direct_p50, direct_p99 = percentiles(direct)
    print(f"{'Python ObjHook credential (L1 hit)':<44} {shim_p50:>9.1f} µs {shim_p99:>9.1f} µs")
    print(f"{'redis-py GET + json.loads':<44} {direct_p50:>9.1f} µs {direct_p99:>9.1f} µs")
    print(f"{'shim / redis-py (p50; below 1 is faster)':<44} {shim_p50 / direct_p50:>9.2f}x   mean {statistics.mean(shim) / statistics.mean(direct):.2f}x")


if __name__ == "__main__":
    main()
