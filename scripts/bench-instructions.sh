#!/usr/bin/env bash
# make bench-instructions: CPU instructions per request of hookd (release), counted by valgrind's
# callgrind over a fixed number of requests. Unlike ops/s on two shared cores, the count repeats
# to a fraction of a percent from run to run, so it shows what a code change costs or saves.
#
# hookd (and, for reference, redis-server) runs under callgrind with instrumentation off; after a
# warm-up, `callgrind_control -i on`, N sequential requests on one connection (loadgen), `-i off`
# and `--dump`: the dump holds exactly what the server executed for those requests, every thread
# included. Each shape is measured at N and at 2N; Ir(2N)/Ir(N) ≈ 2.00 shows the count is per
# request and not a fixed cost. BENCH_INSTRUCTIONS_REQUESTS sets N (default 20000).
set -uo pipefail
bin="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/hookd-instructions.XXXXXX)"
# shellcheck source=lib/processes.sh
source "$repo/scripts/lib/processes.sh"
cleanup_on_exit "$work" 20
requests=${BENCH_INSTRUCTIONS_REQUESTS:-20000}
warmup=2000

"${CC:-$(command -v cc || command -v clang)}" -O2 -Wall -Wextra -Werror -o "$work/loadgen" "$repo/scripts/loadgen.c" || exit 1
# valgrind 3.19 cannot read the DWARF 5 debug info Swift emits ("unhandled dwarf2 abbrev form"):
# measure a copy without it (the code is the same; symbols stay for callgrind_annotate).
objcopy --strip-debug "$bin/hookd" "$work/hookd" || exit 1

# under_callgrind NAME COMMAND...: starts COMMAND under callgrind, instrumentation off; sets $pid.
under_callgrind() {
  local name="$1"
  shift
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/$name.callgrind" "$@" \
    > "$work/$name.log" 2> "$work/$name.valgrind.log" &
  pid=$!
  track_pid "$pid"
}

# control ARGS...: callgrind_control, quiet unless it fails.
control() {
  callgrind_control "$@" > "$work/control.log" 2>&1 || { cat "$work/control.log" >&2; return 1; }
}

# measure PID NAME LABEL COUNT LOADGEN_ARGS...: instruments exactly COUNT requests; prints the Ir.
measure() {
  local target="$1" name="$2" label="$3" count="$4" dump
  shift 4
  control --instr=on "$target" || exit 1
  "$work/loadgen" --requests "$count" --timeout 600 "$@" >/dev/null || exit 1
  control --instr=off "$target" || exit 1
  control --dump="$label" "$target" || exit 1
  wait_for 30 "the callgrind dump $label" grep -lx "desc: Trigger: dump $label" "$work/$name.callgrind".* || exit 1
  dump=$(grep -lx "desc: Trigger: dump $label" "$work/$name.callgrind".*)
  awk '/^totals:/ { print $2 }' "$dump"
}

# shape NAME PID SERVER LOADGEN_ARGS...: warm-up, then N and 2N requests; one table row.
shapes=0
shape() {
  local name="$1" target="$2" server="$3" once twice
  shift 3
  shapes=$((shapes + 1))
  "$work/loadgen" --requests "$warmup" --timeout 600 "$@" >/dev/null || exit 1
  once=$(measure "$target" "$server" "shape$shapes-n" "$requests" "$@") || exit 1
  twice=$(measure "$target" "$server" "shape$shapes-2n" $((2 * requests)) "$@") || exit 1
  python3 - "$name" "$requests" "$once" "$twice" <<'PY'
import sys
name, requests, once, twice = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"{name:<34} {requests:>9,} {once:>15,} {once / requests:>12,.0f} {twice / once:>12.3f}")
PY
}

HOOKD_CRED_BENCH_OUT=sk_fake_bench under_callgrind hookd "$work/hookd" --socket "$work/hookd.sock" --state-dir "$work/state"
hookd_pid=$pid
under_callgrind redis redis-server --port 0 --unixsocket "$work/redis.sock" --save '' --appendonly no --dir "$work"
redis_pid=$pid
wait_for 120 "hookd under callgrind" "$bin/hookrpc" health --socket "$work/hookd.sock" || exit 1
wait_for 120 "redis-server under callgrind" redis-cli -s "$work/redis.sock" ping || exit 1
redis-cli -s "$work/redis.sock" set hookbench:credential '{"token":"sk_fake_bench"}' >/dev/null || exit 1
"$bin/hookrpc" webhook upsert --socket "$work/hookd.sock" --json \
  '{"code":"BENCH","url":"https://api.example.test","auth_type":"bearer","credential":{"source":"env"}}' >/dev/null || exit 1
"$bin/hookrpc" credential get BENCH --socket "$work/hookd.sock" --json | grep -q '"sk_fake_bench"' || exit 1

echo "== Instructions per request (callgrind Ir, 1 connection, sequential, after $warmup warm-up requests)"
printf '%-34s %9s %15s %12s %12s\n' shape requests "Ir total" Ir/request "Ir(2N)/Ir(N)"
shape "hookd system.echo" "$hookd_pid" hookd --socket "$work/hookd.sock" \
  --request '{"jsonrpc":"2.0","method":"system.echo","params":{"value":"hello"},"id":1}'
shape "hookd credential.get (L1 hit)" "$hookd_pid" hookd --socket "$work/hookd.sock" \
  --request '{"jsonrpc":"2.0","method":"credential.get","params":{"code":"BENCH"},"id":1}'
shape "redis-server GET (reference)" "$redis_pid" redis --socket "$work/redis.sock" --protocol resp \
  --request "GET hookbench:credential"
echo "valgrind $(valgrind --version | sed 's/valgrind-//'); hookd $("$bin/hookd" --version 2>/dev/null || echo '?'); the client (loadgen) is not counted"
