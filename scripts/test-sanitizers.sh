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
  summary+=("$sanitizer: tests exit $tests, $count sanitizer reports ($reports), $((SECONDS - started)) s")
  if [ "$tests" -ne 0 ] || [ "$count" -ne 0 ]; then status=1; fi
  if [ "$count" -ne 0 ]; then
    grep -hE '^(WARNING: ThreadSanitizer|SUMMARY)' "$reports"/* | sort | uniq -c | sort -rn | head -20
  fi
done
echo "== sanitizer summary"
printf '%s\n' "${summary[@]}"
exit $status
