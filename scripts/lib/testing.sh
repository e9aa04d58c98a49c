# shellcheck shell=bash
# scripts/lib/testing.sh: TAP-like reporting for the repository's shell test scripts.
#
# Sourced, not run:   source "$repo/scripts/lib/testing.sh"
# Sourcing only defines functions. The caller owns the counters: set passed=0 failed=0
# before the first test (an unset counter counts as 0, so this is safe under `set -u`).
#
#   ok NAME                          "ok - NAME", counts a pass
#   skip NAME REASON                 "ok - NAME # SKIP REASON", counts a pass
#   not_ok NAME DETAIL               "not ok - NAME: DETAIL" (DETAIL on one bounded line), counts a failure
#   check NAME DETAIL CONDITION...   ok NAME when CONDITION... succeeds (stdout discarded), else not_ok NAME DETAIL
#   finish                           prints "N passed, M failed" and exits: 0 when nothing failed, 1 otherwise
#   oneline TEXT                     prints TEXT with newlines as \n, cut to 800 characters plus "..."
#   require_tools HINT TOOL...       unless every TOOL is on PATH: not_ok "prerequisites"
#                                    "TOOL is not installed (HINT)", then finish
#   require_executable NAME PATH MESSAGE
#                                    unless PATH is executable: MESSAGE on stderr, not_ok NAME
#                                    MESSAGE, then finish

oneline() {
    local s=${1//$'\n'/\\n}
    ((${#s} > 800)) && s="${s:0:800}..."
    printf '%s' "$s"
}
ok() {
    printf 'ok - %s\n' "$1"
    passed=$((${passed:-0} + 1))
}
skip() {
    printf 'ok - %s # SKIP %s\n' "$1" "$2"
    passed=$((${passed:-0} + 1))
}
not_ok() {
    printf 'not ok - %s: %s\n' "$1" "$(oneline "$2")"
    failed=$((${failed:-0} + 1))
}
check() { # check NAME DETAIL-IF-FAILED CONDITION...
    local name=$1 detail=$2
    shift 2
    if "$@" >/dev/null; then ok "$name"; else not_ok "$name" "$detail"; fi
}
finish() {
    printf '%d passed, %d failed\n' "${passed:-0}" "${failed:-0}"
    ((${failed:-0} == 0))
    exit
}
require_tools() { # require_tools INSTALL-HINT TOOL...
    local hint=$1 tool
    shift
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null; then
            not_ok "prerequisites" "$tool is not installed ($hint)"
            finish
        fi
    done
}
require_executable() { # require_executable NAME PATH MESSAGE
    if [[ ! -x $2 ]]; then
        echo "$3" >&2
        not_ok "$1" "$3"
        finish
    fi
}
