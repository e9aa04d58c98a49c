#!/usr/bin/env bash
# make test-sanitizers: builds everything with AddressSanitizer, then separately with
# ThreadSanitizer (scratch paths .build-address, .build-thread), and runs the Swift unit and
# integration suites on each build; the hookd the integration tests start is the sanitized one.
# Every sanitizer report, from the test runner or from any hookd it started, goes to one
# directory and is counted; any report fails the run.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sanitizers=("${@:-address thread}")
read -r -a sanitizers <<< "${sanitizers[*]}"
status=0
summary=()
# ThreadSanitizer and Synchronization.Mutex: on Linux the Mutex is a futex TSan does not see, so
# correctly locked state is reported as racing. Show whether this toolchain has that problem with
# a program that only touches its state under the lock; if it does, say so next to the count.
mutex_invisible=
if [[ " ${sanitizers[*]} " == *" thread "* ]]; then
  probe="$(mktemp -d /tmp/hookd-tsan-probe.XXXXXX)"
  cat > "$probe/main.swift" <<'SWIFT'
import Foundation
import Synchronization
final class Box: Sendable { let state = Mutex<[Int: Int]>([:]) }
let box = Box()
let threads = (0..<4).map { offset in Thread { for index in 0..<20_000 { box.state.withLock { $0[index % 64, default: 0] += offset } } } }
threads.forEach { $0.start() }
sleep(2)
print(box.state.withLock { $0.count })
SWIFT
  if swiftc -sanitize=thread -O "$probe/main.swift" -o "$probe/probe" 2>/dev/null; then
    probe_reports=$(TSAN_OPTIONS=halt_on_error=0 "$probe/probe" 2>&1 | grep -c 'WARNING: ThreadSanitizer')
    if [ "$probe_reports" -gt 0 ]; then
      mutex_invisible=" (this toolchain's TSan reports $probe_reports races in a program whose state is only touched under Synchronization.Mutex: reports inside withLock closures are not evidence of a race)"
    fi
  fi
  rm -rf "$probe"
fi
for sanitizer in "${sanitizers[@]}"; do
  scratch="$root/.build-$sanitizer"
  reports="$(mktemp -d /tmp/hookd-$sanitizer-reports.XXXXXX)"
  echo "== $sanitizer: build (scratch path $scratch)"
  started=$SECONDS
  if ! (cd "$root" && swift build --build-tests --scratch-path "$scratch" --sanitize="$sanitizer"); then
    summary+=("$sanitizer: build failed"); status=1; continue
  fi
  echo "== $sanitizer: tests (reports in $reports)"
  # log_path: one file per process, so reports from hookd children are not lost in their logs.
  export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=0"
  export LSAN_OPTIONS="suppressions=$root/scripts/lsan-suppressions.txt:print_suppressions=0"
  export TSAN_OPTIONS="log_path=$reports/tsan:halt_on_error=0"
  SWIFT_TEST_FLAGS="--scratch-path $scratch --sanitize=$sanitizer" HOOKD_TEST_SUITES=swift \
    "$root/scripts/run-tests.sh" "$(cd "$root" && swift build --scratch-path "$scratch" --show-bin-path)"
  tests=$?
  unset ASAN_OPTIONS TSAN_OPTIONS LSAN_OPTIONS
  count=$(cat "$reports"/* 2>/dev/null | grep -cE '^(WARNING: ThreadSanitizer|==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer))')
  note=
  [ "$sanitizer" = thread ] && note=$mutex_invisible
  summary+=("$sanitizer: tests exit $tests, $count sanitizer reports ($reports), $((SECONDS - started)) s$note")
  if [ "$tests" -ne 0 ] || [ "$count" -ne 0 ]; then status=1; fi
  if [ "$count" -ne 0 ]; then
    grep -hE '^(WARNING: ThreadSanitizer|SUMMARY)' "$reports"/* | sort | uniq -c | sort -rn | head -20
  fi
done
echo "== sanitizer summary"
printf '%s\n' "${summary[@]}"
exit $status
