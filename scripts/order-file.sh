#!/usr/bin/env bash
# make order-file: regenerates scripts/linker/hookd.order, the functions hookd runs when it starts
# and serves its hot methods, so that the release link (lld --symbol-ordering-file) places them
# together at the front of .text.
#
# Why: the kernel maps a binary's code in 64 KiB windows around each page touched. Scattered
# through 20 MB of text, the functions start-up and the hot paths touch kept 12 MB of hookd's code
# resident; packed together, 6.6 MB (idle RSS 32.2 -> 26.3 MiB). The list comes from
# valgrind's callgrind (every function executed, by its symbol) over a fixed workload: start-up,
# webhook.upsert, credential.get, system.echo, alert.record, log.request/log.response,
# system.health, SIGTERM. A stale list costs nothing but memory: symbols that no longer exist are
# skipped by the linker, new functions land after the listed ones.
set -uo pipefail
bin="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/hookd-order.XXXXXX)"
# shellcheck source=lib/processes.sh
source "$repo/scripts/lib/processes.sh"
cleanup_on_exit "$work" 30

"${CC:-$(command -v cc || command -v clang)}" -O2 -Wall -Wextra -Werror -o "$work/loadgen" "$repo/scripts/loadgen.c" || exit 1
# valgrind 3.19 cannot read the DWARF 5 debug info Swift emits: run a copy without it.
objcopy --strip-debug "$bin/hookd" "$work/hookd" || exit 1

HOOKD_CRED_BENCH_OUT=sk_fake_bench valgrind --tool=callgrind --demangle=no --dump-instr=no \
  --callgrind-out-file="$work/profile" "$work/hookd" --socket "$work/hookd.sock" --state-dir "$work/state" \
  > "$work/hookd.log" 2> "$work/valgrind.log" &
hookd_pid=$!
track_pid "$hookd_pid"
wait_for 120 "hookd under callgrind" "$bin/hookrpc" health --socket "$work/hookd.sock" || exit 1
"$bin/hookrpc" webhook upsert --socket "$work/hookd.sock" --json \
  '{"code":"BENCH","url":"https://api.example.test","auth_type":"bearer","credential":{"source":"env"}}' >/dev/null || exit 1
for request in \
  '{"jsonrpc":"2.0","method":"credential.get","params":{"code":"BENCH"},"id":1}' \
  '{"jsonrpc":"2.0","method":"system.echo","params":{"value":"hello"},"id":1}' \
  '{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"BENCH","success":true,"duration":0.12,"status_code":200},"id":1}' \
  '{"jsonrpc":"2.0","method":"log.request","params":{"webhook_code":"BENCH","method":"POST","url":"https://api.example.test/v1?api_key=k","headers":{"Authorization":"Bearer t0123456789"},"payload":{"amount":1},"guid":"order"},"id":1}' \
  '{"jsonrpc":"2.0","method":"log.response","params":{"webhook_code":"BENCH","guid":"order","status_code":200,"response_body":"{\"id\":1}","duration":0.12,"success":true},"id":1}'; do
  "$work/loadgen" --socket "$work/hookd.sock" --connections 4 --depth 4 --requests 2000 --request "$request" --timeout 300 \
    > "$work/loadgen.log" || { cat "$work/loadgen.log" >&2; exit 1; }
done
"$bin/hookrpc" health --socket "$work/hookd.sock" >/dev/null || exit 1
kill -TERM "$hookd_pid"
wait_for 120 "hookd to stop" bash -c "! kill -0 $hookd_pid 2>/dev/null" || exit 1

# callgrind names each function once in full as "fn=(id) name" (later just "fn=(id)"), under the
# object ("ob=") it belongs to; keep hookd's own, hottest first (the order inside the block matters
# little, being together is what counts).
python3 - "$work/profile" "$repo/scripts/linker/hookd.order" <<'PY' || exit 1
import re, sys
profile, output = sys.argv[1], sys.argv[2]
# Names are given once, in full, wherever an id first appears (ob=/cob= for objects, fn=/cfn= for
# functions); self cost lines follow a "fn=" line, except the one after "calls=" (a call's cost).
object_names, function_names, self_cost = {}, {}, {}
current_object = current_function = None
after_call = False
definition = re.compile(r"(c?ob|c?fn)=\((\d+)\)(?: (.*))?$")
for line in open(profile, encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    match = definition.match(line)
    if match:
        kind, number, name = match.groups()
        names = object_names if kind.endswith("ob") else function_names
        if name:
            names[number] = name
        if kind == "ob":
            current_object = number
        elif kind == "fn":
            current_function = (current_object, number)
            self_cost.setdefault(current_function, 0)
        continue
    if line.startswith("calls="):
        after_call = True
        continue
    parts = line.split()
    if current_function and len(parts) >= 2 and re.match(r"^[+*-]?\d*$", parts[0]) and parts[1].isdigit():
        if not after_call:
            self_cost[current_function] += int(parts[1])
        after_call = False
hookd = {number for number, path in object_names.items() if path.endswith("/hookd")}
ranked = sorted(((cost, function_names.get(function, "")) for (obj, function), cost in self_cost.items() if obj in hookd),
                key=lambda item: -item[0])
symbols = list(dict.fromkeys(name for _, name in ranked if name and not name.startswith("0x")))
if len(symbols) < 1000:
    sys.exit(f"only {len(symbols)} functions found in the profile: did the workload run?")
with open(output, "w") as file:
    file.write("\n".join(symbols) + "\n")
print(f"{output}: {len(symbols)} functions")
PY
