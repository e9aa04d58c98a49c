#!/usr/bin/env bash
# make fuzz / make fuzz-ci: builds the libFuzzer harnesses of Fuzz/ (a package of their own) and
# runs each for a fixed number of executions on a copy of its seed corpus (Fuzz/Corpus/<target>),
# one at a time; prints target, executions, crashes, leaks and seconds per target, and the total.
# Exits 1 on any crash, leak, timeout, out-of-memory, overrun or failed build.
#
#   scripts/fuzz.sh [EXECUTIONS_PER_TARGET]   default 2000000 (5 targets: 10 M executions)
#   FUZZ_TARGETS="fuzz-json fuzz-frame"       run only these
#   FUZZ_SEED=N                               libFuzzer's -seed (default: a new one per run)
#   FUZZ_CONFIGURATION=debug|release          default release (see below)
#
# Everything generated stays in .build-fuzz (git-ignored), never in .build or the repository:
#   .build-fuzz/                     SwiftPM's scratch path for Fuzz/
#   .build-fuzz/corpus/<target>      the working corpus: the seeds plus what libFuzzer adds (kept
#                                    between runs; delete it to start again from the seeds)
#   .build-fuzz/artifacts/<target>   crash-*, leak-*, timeout-*, oom-* inputs; replay one with
#                                    `.build-fuzz/<configuration>/<target> FILE`
#   .build-fuzz/logs/<target>.log    libFuzzer's output (`swift demangle` reads its stacks)
#
# How Swift builds and links libFuzzer on Linux (Swift 6.3.1), as found here:
# `swift build --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address`.
# - `--sanitize=fuzzer --sanitize=address` make SwiftPM compile the C targets (Yams's libyaml,
#   BoringSSL, the NIO shims) with -fsanitize=fuzzer,address, link clang_rt.fuzzer (whose `main`
#   calls LLVMFuzzerTestOneInput) and clang_rt.asan, and leave out the `--defsym
#   main=<module>_main` it gives debug executables on Linux; the harnesses have no main.swift, so
#   SwiftPM passes -parse-as-library itself. With `-Xswiftc` flags alone a debug build fails to
#   link: "undefined symbol 'fuzz_frame_main'".
# - But SwiftPM hands swiftc the two as separate flags, `-sanitize=fuzzer -sanitize=address`, in
#   an order that changes from one build to the next, and swiftc keeps only the last: the Swift
#   code then gets coverage without AddressSanitizer, or AddressSanitizer without coverage
#   (libFuzzer: "no interesting inputs were found"). The trailing `-Xswiftc
#   -sanitize=fuzzer,address` comes after them and wins, and the script checks an object file
#   for both before it runs anything.
# gold prints a page of "Cannot export local symbol '__asan_…'" while linking; harmless, and
# filtered out here.
#
# Configurations: release (-O) runs 3 to 7 times as many executions per second as debug, and
# make fuzz uses it; make fuzz-ci uses debug, which builds in half the time and keeps assert()
# on. Both keep preconditions and overflow checks. The upstream harness reaches two internal
# parsers through `@testable import`, so release is built with -enable-testing (debug has it).
#
# The harness processes run with SWIFT_BACKTRACE=enable=no, so that a trap reaches libFuzzer's
# and AddressSanitizer's handlers (which save the input) rather than Swift's backtracer, and with
# Fuzz/lsan-suppressions.txt, which names the one known leak outside hookd's code.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/processes.sh
source "$repo/scripts/lib/processes.sh"

executions="${1:-2000000}"
[[ $executions =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [EXECUTIONS_PER_TARGET]" >&2; exit 2; }
configuration="${FUZZ_CONFIGURATION:-release}"
scratch="$repo/.build-fuzz"
swift_build=(swift build --package-path "$repo/Fuzz" --scratch-path "$scratch" -c "$configuration"
             --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address)
case "$configuration" in
    # The hot-path modules drop the run-time exclusivity checks in release (Package.swift):
    # fuzzing turns them back on, so an overlapping access still stops a run.
    release) swift_build+=(-Xswiftc -enable-testing -Xswiftc -enforce-exclusivity=checked) ;;
    debug) ;;
    *) echo "FUZZ_CONFIGURATION must be debug or release" >&2; exit 2 ;;
esac

# Per target: the longest input in bytes, its libFuzzer dictionary, and the slowest believable
# rate in executions per second, from which the run's wall-clock limit follows (the rates
# measured on 2 shared cores are several times these).
declare -A max_len=([fuzz-frame]=8192 [fuzz-json]=4096 [fuzz-config]=4096 [fuzz-masker]=2048 [fuzz-upstream]=1024)
declare -A dictionary=([fuzz-frame]=frame [fuzz-json]=json [fuzz-config]=config [fuzz-masker]=masker [fuzz-upstream]=upstream)
declare -A min_rate=([fuzz-frame]=200 [fuzz-json]=500 [fuzz-config]=100 [fuzz-masker]=100 [fuzz-upstream]=500)
read -r -a targets <<< "${FUZZ_TARGETS:-fuzz-frame fuzz-json fuzz-config fuzz-masker fuzz-upstream}"
for target in "${targets[@]}"; do
    [[ -n ${max_len[$target]:-} ]] || { echo "unknown target $target" >&2; exit 2; }
done

mkdir -p "$scratch/logs" "$scratch/tmp"
trap 'stop_tracked_pids 5' EXIT
trap 'exit 130' INT TERM

echo "== building the harnesses ($configuration): ${swift_build[*]}"
build_start=$SECONDS
"${swift_build[@]}" > "$scratch/logs/build.log" 2>&1
build_status=$?
grep -E "error:|warning: |Build complete" "$scratch/logs/build.log" | grep -v -E "Cannot export local symbol|_FILE_OFFSET_BITS" >&2
((build_status == 0)) || { echo "fuzz: the build failed (see $scratch/logs/build.log)" >&2; exit 1; }
echo "== built in $((SECONDS - build_start)) s"
bin="$("${swift_build[@]}" --show-bin-path)"
# Both instrumentations in hookd's own Swift code: coverage counters and AddressSanitizer checks.
probe="$bin/HookJSON.build/JSONScanner.swift.o"
if ! readelf -S -W "$probe" | grep __sancov_cntrs > /dev/null || ! readelf -s -W "$probe" | grep __asan_ > /dev/null; then
    echo "fuzz: $probe lacks coverage or AddressSanitizer instrumentation; the harnesses would be blind" >&2
    exit 1
fi

export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS="suppressions=$repo/Fuzz/lsan-suppressions.txt:print_suppressions=0"
export TMPDIR="$scratch/tmp"  # where the config harness makes its credentials directory

failed=0
total=0
rows=()
for target in "${targets[@]}"; do
    corpus="$scratch/corpus/$target"
    artifacts="$scratch/artifacts/$target"
    log="$scratch/logs/$target.log"
    mkdir -p "$corpus" "$artifacts"
    cp -p "$repo/Fuzz/Corpus/$target/"* "$corpus/"
    rm -f "$artifacts"/*
    deadline=$((60 + executions / min_rate[$target]))
    arguments=(-runs="$executions" -max_len="${max_len[$target]}" -timeout=10 -rss_limit_mb=2048
               -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$artifacts/"
               -dict="$repo/Fuzz/Dictionaries/${dictionary[$target]}.dict")
    [[ -n ${FUZZ_SEED:-} ]] && arguments+=(-seed="$FUZZ_SEED")
    echo "== $target: $executions executions, at most $deadline s"
    start=$SECONDS
    # timeout stops the harness by its pid (TERM, then KILL 10 s later) when it overruns.
    timeout --kill-after=10 "$deadline" "$bin/$target" "${arguments[@]}" "$corpus" > "$log" 2>&1 &
    pid=$!
    track_pid "$pid"
    wait "$pid"
    status=$?
    untrack_pid "$pid"
    seconds=$((SECONDS - start))

    done_runs="$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$log" | tail -1)"
    ran="${done_runs:-$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')}"
    ran="${ran:-0}"
    crashes=$(find "$artifacts" -name 'crash-*' | wc -l)
    leaks=$(find "$artifacts" -name 'leak-*' | wc -l)
    timeouts=$(find "$artifacts" -name 'timeout-*' | wc -l)
    ooms=$(find "$artifacts" -name 'oom-*' | wc -l)
    if ((crashes > 0)); then result=crash
    elif ((leaks > 0)); then result=leak
    elif ((timeouts > 0)); then result=timeout
    elif ((ooms > 0)); then result=out-of-memory
    elif ((status == 124 || status == 137)); then result="overran ${deadline} s"
    elif ((status != 0)) || [[ -z $done_runs ]]; then result="exit $status"
    else result=ok
    fi
    if [[ $result != ok ]]; then
        failed=1
        echo "fuzz: $target: $result (log $log)" >&2
        grep -E "ERROR: |SUMMARY: |Fatal error|fuzz property failed" "$log" | head -5 >&2
        find "$artifacts" -type f -exec echo "  input: {}" \; >&2
    fi
    total=$((total + ran))
    rows+=("$(printf '%-14s %12s %8s %6s %8s  %s' "$target" "$ran" "$crashes" "$leaks" "$seconds" "$result")")
done

echo
printf '%-14s %12s %8s %6s %8s  %s\n' target executions crashes leaks seconds result
printf '%s\n' "${rows[@]}"
printf '%-14s %12s\n' total "$total"
exit "$failed"
