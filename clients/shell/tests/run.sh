#!/usr/bin/env bash
# Tests for clients/shell/hookrpc.sh against a live hookd.
#
#   bash clients/shell/tests/run.sh            # HOOKD_BIN defaults to <repo>/.build/debug/hookd
#
# Starts "$HOOKD_BIN" --socket "$tmp/hookd.sock" --state-dir "$tmp/state" and always stops it
# (by pid) on exit. Prints "ok - NAME" / "not ok - NAME: DETAIL" per test, then the line
# "N passed, M failed"; exits non-zero when anything failed. Skipped tests print
# "ok - NAME # SKIP reason" and count as passed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
lib=$(cd "$here/.." && pwd)/hookrpc.sh
HOOKD_BIN=${HOOKD_BIN:-$repo/.build/debug/hookd}

# shellcheck source=../../../scripts/lib/testing.sh
source "$repo/scripts/lib/testing.sh"
# shellcheck source=../../../scripts/lib/processes.sh
source "$repo/scripts/lib/processes.sh"
passed=0
failed=0

require_tools "apt-get install socat jq" socat jq timeout
require_executable "hookd binary" "$HOOKD_BIN" "build hookd first (make test does): $HOOKD_BIN not found"

# shellcheck source=../hookrpc.sh
. "$lib"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hookrpc-sh-test.XXXXXX")

# Every process started below is tracked (track_pid) and stopped by pid on exit.
cleanup() {
    stop_tracked_pids
    if ((failed > 0)) && [[ -s $tmp/hookd.log ]]; then
        echo "# last lines of the hookd log:" >&2
        tail -n 30 "$tmp/hookd.log" | sed 's/^/#   /' >&2
    fi
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run CMD...: runs a function of the library in a subshell; sets OUT, ERR, RC.
run() {
    local ef=$tmp/stderr
    RC=0
    OUT=$("$@" 2>"$ef") || RC=$?
    ERR=$(<"$ef")
}

# ---------------------------------------------------------------- start hookd
mkdir -p "$tmp/state"
sock=$tmp/hookd.sock
# A credential for the env source (HOOKD_CRED_<CODE>_<DIRECTION>), used by the webhook tests.
sh_secret=sh_test_bearer_7c41e9
env -u HOOKD_SOCKET -u LISTEN_FDS -u LISTEN_PID -u LISTEN_FDNAMES -u NOTIFY_SOCKET \
    -u WATCHDOG_USEC -u WATCHDOG_PID -u RUNTIME_DIRECTORY \
    HOOKD_CRED_SH_BEARER_OUT="$sh_secret" \
    "$HOOKD_BIN" --socket "$sock" --state-dir "$tmp/state" >"$tmp/hookd.log" 2>&1 &
hookd_pid=$!
track_pid "$hookd_pid"
if ! wait_socket "$sock" "$hookd_pid"; then
    not_ok "hookd starts and listens on $sock" "no socket within 10 s; log: $(tail -n 5 "$tmp/hookd.log")"
    finish
fi
ok "hookd starts and listens (pid $hookd_pid)"

export HOOKRPC_SOCKET_PATH=$sock
export HOOKRPC_TIMEOUT=10

# ---------------------------------------------------------------- subset match (SPEC.md)
# submatch: objects by subset, nested arrays same length and in order, numbers numerically.
# topmatch: a top-level array (batch response) matches unordered, each expected element
# against a distinct actual element (backtracking).
MATCH_JQ='
def submatch($e; $a):
  if ($e | type) == "object" then
    ($a | type) == "object"
    and all($e | keys_unsorted[]; . as $k | ($a | has($k)) and submatch($e[$k]; $a[$k]))
  elif ($e | type) == "array" then
    ($a | type) == "array" and ($e | length) == ($a | length)
    and all(range(0; $e | length); . as $i | submatch($e[$i]; $a[$i]))
  else
    ($a | type) == ($e | type) and $e == $a
  end;
def unordered($e; $a):
  if ($e | length) == 0 then true
  else any(range(0; $a | length); . as $i
         | submatch($e[0]; $a[$i]) and unordered($e[1:]; $a[:$i] + $a[$i + 1:]))
  end;
def topmatch($e; $a):
  if ($e | type) == "array" then
    ($a | type) == "array" and ($e | length) == ($a | length) and unordered($e; $a)
  else submatch($e; $a) end;
topmatch(.[0]; .[1])
'
# matches EXPECTED_JSON ACTUAL_JSON: 0 match, 1 no match, other: not JSON.
matches() {
    local r
    r=$(printf '%s\n%s\n' "$1" "$2" | jq -s "$MATCH_JQ" 2>/dev/null) || return 2
    [[ $r == true ]]
}

selftest_matcher() {
    local e a want
    while IFS='|' read -r want e a; do
        matches "$e" "$a"
        [[ $? == "$want" ]] || { echo "matches $e $a: want $want"; return 1; }
    done <<'EOF'
0|{"a":1}|{"a":1.0,"b":2}
1|{"a":1}|{"a":2}
1|{"a":null}|{}
0|{"a":null}|{"a":null,"b":1}
0|{"e":{"code":-32600}}|{"e":{"code":-32600,"message":"x","data":{}}}
0|[{"id":1},{"id":2}]|[{"id":2,"r":0},{"id":1,"r":0}]
1|[{"id":1},{"id":1}]|[{"id":1},{"id":2}]
0|[{},{"id":1}]|[{"id":1},{"id":2}]
1|[{"id":1}]|[{"id":1},{"id":2}]
0|{"v":[1,[2,3]]}|{"v":[1.0,[2,3]]}
1|{"v":[1,2]}|{"v":[2,1]}
1|{"v":[1]}|{"v":[1,2]}
1|{"v":"1"}|{"v":1}
1|{"v":false}|{"v":null}
1|{"a":1}|[{"a":1}]
2|{"a":1}|not json
EOF
}
if msg=$(selftest_matcher); then ok "subset matcher self-check"; else not_ok "subset matcher self-check" "$msg"; fi

# ---------------------------------------------------------------- conformance cases
# run_case LABEL CASE_JSON
run_case() {
    local label=$1 case=$2 name req expect lines n
    if ! jq -e 'type == "object" and (.name | type) == "string" and (.request | type) == "string"
                and has("expect")' >/dev/null 2>&1 <<<"$case"; then
        not_ok "$label" "malformed case (needs name, request (string), expect): $case"
        return
    fi
    name=$(jq -r '.name' <<<"$case")
    label="$label: $name"
    req=$(jq -j '.request' <<<"$case"; printf x)
    req=${req%x}
    expect=$(jq -c '.expect' <<<"$case")
    run hookrpc_raw "$req"
    if ((RC != 0)); then
        not_ok "$label" "hookrpc_raw exit $RC: $ERR"
        return
    fi
    lines=()
    [[ -n $OUT ]] && mapfile -t lines <<<"$OUT"
    n=${#lines[@]}
    if [[ $expect == null ]]; then
        if ((n == 0)); then ok "$label"; else not_ok "$label" "expected no response, got $n: ${lines[*]}${ERR:+ ($ERR)}"; fi
        return
    fi
    if ((n != 1)); then
        not_ok "$label" "expected exactly 1 response line, got $n: ${lines[*]:-} ${ERR:+(stderr: $ERR)}"
        return
    fi
    matches "$expect" "${lines[0]}"
    case $? in
    0) ok "$label" ;;
    1) not_ok "$label" "response ${lines[0]} does not match expected $expect${ERR:+ ($ERR)}" ;;
    *) not_ok "$label" "response is not JSON: ${lines[0]}" ;;
    esac
}

shopt -s nullglob
conformance_files=("$repo"/protocol/conformance/*.jsonl)
shopt -u nullglob
if ((${#conformance_files[@]} == 0)); then
    not_ok "conformance" "no protocol/conformance/*.jsonl files in $repo"
fi
for f in "${conformance_files[@]}"; do
    base=${f##*/}
    cases=0
    lineno=0
    while IFS= read -r line || [[ -n $line ]]; do
        lineno=$((lineno + 1))
        [[ -z ${line//[[:space:]]/} ]] && continue
        cases=$((cases + 1))
        run_case "conformance $base:$lineno" "$line"
    done <"$f"
    ((cases > 0)) || not_ok "conformance $base" "file has no cases"
done

# ---------------------------------------------------------------- echo round trip
value='{"s":"line one\nline two\ttab \"quoted\" back\\slash — ünïcødé ✓ 日本語 😀","n":[0,-1,2.5,1e3,true,false,null],"o":{"k":{"deep":[[]]}}}'
params=$(jq -cn --argjson v "$value" '{value: $v}')
run hookrpc_call system.echo "$params"
if ((RC != 0)); then
    not_ok "echo round trip (newline, unicode, nesting)" "exit $RC: $ERR"
elif [[ $OUT == *$'\n'* ]]; then
    not_ok "echo round trip (newline, unicode, nesting)" "result is not one line: $OUT"
elif jq -e --argjson v "$value" '. == {value: $v}' >/dev/null 2>&1 <<<"$OUT"; then
    ok "echo round trip (newline, unicode, nesting)"
else
    not_ok "echo round trip (newline, unicode, nesting)" "sent $params, got $OUT"
fi

run hookrpc_call system.echo '{"value":"a\nb ✓"}'
check "echo of a string with a newline" "exit $RC, out $OUT, err $ERR" \
    jq -e '. == {value: "a\nb ✓"}' <<<"${OUT:-null}"

run hookrpc_call system.version
check "system.version without params" "exit $RC, out $OUT, err $ERR" \
    jq -e '.name == "hookd" and (.version | type) == "string" and .protocol_version == 1' <<<"${OUT:-null}"

run hookrpc_health
check "hookrpc_health" "exit $RC, out $OUT, err $ERR" \
    jq -e '(.status | IN("ok", "degraded", "down")) and (.pid | type) == "number"' <<<"${OUT:-null}"

# ---------------------------------------------------------------- error replies
run hookrpc_call no.such.method '{}'
want='hookd error -32601 (method_not_found): method not found: no.such.method'
if ((RC == 1)) && [[ $ERR == "$want" && -z $OUT ]]; then
    ok "error reply: exit 1 and message on stderr"
else
    not_ok "error reply: exit 1 and message on stderr" "exit $RC, stderr [$ERR], stdout [$OUT], want exit 1 and [$want]"
fi

run hookrpc_call system.echo '{}'
if ((RC == 1)) && [[ $ERR == "hookd error -32602 (invalid_params): "*value* ]]; then
    ok "invalid params reply names the parameter"
else
    not_ok "invalid params reply names the parameter" "exit $RC, stderr [$ERR]"
fi

# An over-long request line: hookd answers too_large with id null and closes; the client
# must still report that error (exit 1), not a transport failure.
big=$(printf '%*s' 1100000 '' | tr ' ' a)
run hookrpc_call system.echo "{\"value\":\"$big\"}"
unset big
if ((RC == 1)) && [[ $ERR == "hookd error -32003 (too_large): "* ]]; then
    ok "over-long request: exit 1 with the too_large error"
else
    not_ok "over-long request: exit 1 with the too_large error" "exit $RC, stderr [$ERR]"
fi

# ---------------------------------------------------------------- bad params: exit 2, nothing sent
spy=$tmp/spy.sock
socat -u "UNIX-LISTEN:$spy,fork" "OPEN:$tmp/spy.log,creat,append" 2>/dev/null &
spy_pid=$!
track_pid "$spy_pid"
if wait_socket "$spy" "$spy_pid"; then
    bad_ok=1
    detail=
    for bad in '{"value":' 'not json' '[1,2]' '"str"' '{} {}' ''; do
        HOOKRPC_SOCKET_PATH=$spy run hookrpc_call system.echo "$bad"
        if ((RC != 2)) || [[ -z $ERR || -n $OUT ]]; then
            bad_ok=0
            detail+="params [$bad]: exit $RC, stderr [$ERR]; "
        fi
        HOOKRPC_SOCKET_PATH=$spy run hookrpc_notify system.echo "$bad"
        if ((RC != 2)); then
            bad_ok=0
            detail+="notify params [$bad]: exit $RC; "
        fi
    done
    sleep 0.3
    if [[ -s $tmp/spy.log ]]; then
        bad_ok=0
        detail+="but something was sent: $(<"$tmp/spy.log")"
    fi
    if ((bad_ok)); then ok "bad JSON params: exit 2, message, nothing sent"; else not_ok "bad JSON params: exit 2, message, nothing sent" "$detail"; fi
    # Control: the spy does see what a valid notification sends.
    HOOKRPC_SOCKET_PATH=$spy run hookrpc_notify system.echo '{"value":"spy"}'
    sleep 0.3
    check "control: the spy socket records a valid notification" "exit $RC, log [$(cat "$tmp/spy.log" 2>/dev/null)]" \
        grep -q '"method":"system.echo"' "$tmp/spy.log"
    if ! grep -q '"id"' "$tmp/spy.log" 2>/dev/null; then
        ok "notification carries no id"
    else
        not_ok "notification carries no id" "$(<"$tmp/spy.log")"
    fi
else
    not_ok "bad JSON params: exit 2, message, nothing sent" "could not start the socat spy listener"
fi
stop_pid "$spy_pid"

# ---------------------------------------------------------------- transport failures
missing=$tmp/no-such-dir/hookd.sock
for fn in hookrpc_call hookrpc_notify hookrpc_raw; do
    if [[ $fn == hookrpc_raw ]]; then
        HOOKRPC_SOCKET_PATH=$missing run "$fn" '{"jsonrpc":"2.0","method":"system.version","id":1}'
    else
        HOOKRPC_SOCKET_PATH=$missing run "$fn" system.version
    fi
    if ((RC == 3)) && [[ $ERR == *"$missing"* && -z $OUT ]]; then
        ok "missing socket: $fn exits 3 naming the path"
    else
        not_ok "missing socket: $fn exits 3 naming the path" "exit $RC, stderr [$ERR]"
    fi
done
(
    unset HOOKRPC_SOCKET_PATH
    export HOOKD_SOCKET=$missing
    run hookrpc_call system.version
    ((RC == 3)) && [[ $ERR == *"$missing"* ]]
) && ok "missing socket via HOOKD_SOCKET: exit 3 naming the path" ||
    not_ok "missing socket via HOOKD_SOCKET: exit 3 naming the path" "exit code or message wrong"

# A listener that accepts and never answers (it then blocks opening a FIFO nobody
# writes, and never reads the connection): the call must give up after HOOKRPC_TIMEOUT.
hang=$tmp/hang.sock
mkfifo "$tmp/hang.fifo"
socat -U "UNIX-LISTEN:$hang" "OPEN:$tmp/hang.fifo" 2>/dev/null &
hang_pid=$!
track_pid "$hang_pid"
if wait_socket "$hang" "$hang_pid"; then
    start=$SECONDS
    HOOKRPC_SOCKET_PATH=$hang HOOKRPC_TIMEOUT=1 run hookrpc_call system.version
    took=$((SECONDS - start))
    if ((RC == 3 && took <= 4)) && [[ $ERR == *"$hang"* ]]; then
        ok "a daemon that never answers: exit 3 after HOOKRPC_TIMEOUT"
    else
        not_ok "a daemon that never answers: exit 3 after HOOKRPC_TIMEOUT" "exit $RC after ${took}s, stderr [$ERR]"
    fi
else
    not_ok "a daemon that never answers: exit 3 after HOOKRPC_TIMEOUT" "could not start the socat listener"
fi
stop_pid "$hang_pid"

# ---------------------------------------------------------------- notifications
run hookrpc_notify system.echo '{"value":"notified"}'
if ((RC == 0)) && [[ -z $OUT ]]; then ok "notify returns 0 and prints nothing"; else not_ok "notify returns 0 and prints nothing" "exit $RC, out [$OUT], err [$ERR]"; fi
run hookrpc_notify no.such.method
check "notify of an unknown method returns 0" "exit $RC, err [$ERR]" test "$RC" = 0
run hookrpc_call system.echo '{"value":"after notify"}'
check "a call after notifications works" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '. == {value: "after notify"}' <<<"${OUT:-null}"
run hookrpc_raw '{"jsonrpc":"2.0","method":"system.echo","params":{"value":1}}'
if ((RC == 0)) && [[ -z $OUT ]]; then ok "hookrpc_raw: a notification gets no response"; else not_ok "hookrpc_raw: a notification gets no response" "exit $RC, out [$OUT], err [$ERR]"; fi

# ---------------------------------------------------------------- webhooks and credentials
# hookd was started with HOOKD_CRED_SH_BEARER_OUT=$sh_secret in its environment.
run hookrpc_webhook_upsert '{"code":"SH_BEARER","url":"https://hooks.example.test/sh","auth_type":"bearer","credential":{"source":"env"},"description":"shell test"}'
check "hookrpc_webhook_upsert: stores the webhook, returns it without the secret" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e --arg s "$sh_secret" '.code == "SH_BEARER" and .direction == "OUT" and .auth_type == "bearer"
        and .credential == {source: "env", ref: "HOOKD_CRED_SH_BEARER_OUT"} and (tostring | contains($s) | not)' <<<"${OUT:-null}"
run hookrpc_webhook_get SH_BEARER
check "hookrpc_webhook_get CODE: the webhook, no secret" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e --arg s "$sh_secret" '.code == "SH_BEARER" and .url == "https://hooks.example.test/sh"
        and .description == "shell test" and (tostring | contains($s) | not)' <<<"${OUT:-null}"
run hookrpc_webhook_list OUT
check "hookrpc_webhook_list DIRECTION: lists it, no secret" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e --arg s "$sh_secret" '(.webhooks | map(.code) | index("SH_BEARER")) != null
        and all(.webhooks[]; .direction == "OUT") and (tostring | contains($s) | not)' <<<"${OUT:-null}"
run hookrpc_credential_get SH_BEARER OUT
check "hookrpc_credential_get CODE DIRECTION: the env credential, a cache miss first" "exit $RC, err [$ERR]" \
    jq -e --arg s "$sh_secret" '.credential == {token: $s} and .source == "env" and .cache.hit == false' <<<"${OUT:-null}"
run hookrpc_credential_get SH_BEARER
check "hookrpc_credential_get CODE: then a memory cache hit" "exit $RC, err [$ERR]" \
    jq -e '.cache.hit == true and .cache.tier == "memory"' <<<"${OUT:-null}"
run hookrpc_credential_source SH_BEARER
check "hookrpc_credential_source CODE: env, exists, cached" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '.source == "env" and .ref == "HOOKD_CRED_SH_BEARER_OUT" and .exists == true
        and .cached == true and .uses_database == false' <<<"${OUT:-null}"
run hookrpc_credential_invalidate SH_BEARER OUT
check "hookrpc_credential_invalidate CODE DIRECTION: one entry dropped" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '. == {invalidated: 1}' <<<"${OUT:-null}"
run hookrpc_credential_get SH_BEARER
check "after invalidating: credential.get is a miss again" "exit $RC, err [$ERR]" \
    jq -e '.cache.hit == false' <<<"${OUT:-null}"
run hookrpc_credential_invalidate
check "hookrpc_credential_invalidate (no arguments): drops everything" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '.invalidated >= 1' <<<"${OUT:-null}"
run hookrpc_credential_warm SH_BEARER
check "hookrpc_credential_warm CODE: fetched into the cache, no secret printed" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e --arg s "$sh_secret" '.cached == true and .tier == null and .ttl_s > 0 and (tostring | contains($s) | not)' <<<"${OUT:-null}"
run hookrpc_credential_get SH_BEARER
check "after warming: credential.get is a memory hit" "exit $RC, err [$ERR]" \
    jq -e '.cache.hit == true and .cache.tier == "memory"' <<<"${OUT:-null}"
# Delivery: queued and answered before any HTTP. The target is a loopback address this hookd
# does not allow (network.allow), so nothing leaves the machine: every attempt is refused.
run hookrpc_webhook_upsert '{"code":"SH_DELIVER","url":"http://127.0.0.1:9/sh","auth_type":"none"}'
run hookrpc_deliver SH_DELIVER '{"order":7}'
check "hookrpc_deliver CODE PAYLOAD: queued, a dlv_ id" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '(.delivery_id | test("^dlv_[0-9a-z]{26}$")) and .status == "queued"' <<<"${OUT:-null}"
run hookrpc_deliver SH_DELIVER '{not json'
if ((RC == 2)) && [[ -z $OUT && $ERR == *"PAYLOAD_JSON is not valid JSON"* ]]; then
    ok "hookrpc_deliver with a payload that is not JSON: exit 2, nothing sent"
else
    not_ok "hookrpc_deliver with a payload that is not JSON: exit 2, nothing sent" "exit $RC, out [$OUT], err [$ERR]"
fi
run hookrpc_deliver SH_DELIVER '{}' soon
if ((RC == 2)) && [[ $ERR == *"WAIT must be accepted, first_attempt or final"* ]]; then
    ok "hookrpc_deliver with an unknown WAIT: exit 2"
else
    not_ok "hookrpc_deliver with an unknown WAIT: exit 2" "exit $RC, out [$OUT], err [$ERR]"
fi
run hookrpc_deliver SH_NOT_REGISTERED '{}'
if ((RC == 1)) && [[ -z $OUT && $ERR == "hookd error -32002 (not_found): "* ]]; then
    ok "hookrpc_deliver to an unregistered webhook: exit 1, not_found"
else
    not_ok "hookrpc_deliver to an unregistered webhook: exit 1, not_found" "exit $RC, out [$OUT], err [$ERR]"
fi
run hookrpc_webhook_delete SH_BEARER
check "hookrpc_webhook_delete CODE: deleted" "exit $RC, out [$OUT], err [$ERR]" jq -e '. == {deleted: true}' <<<"${OUT:-null}"
run hookrpc_webhook_get SH_BEARER OUT
if ((RC == 1)) && [[ -z $OUT && $ERR == "hookd error -32002 (not_found): "*SH_BEARER* ]]; then
    ok "hookrpc_webhook_get of a deleted webhook: exit 1, not_found"
else
    not_ok "hookrpc_webhook_get of a deleted webhook: exit 1, not_found" "exit $RC, out [$OUT], err [$ERR]"
fi
run hookrpc_webhook_upsert '{"code":"SH_BAD","url":"ftp://x","auth_type":"bearer"}'
if ((RC == 1)) && [[ $ERR == "hookd error -32602 (invalid_params): "*"'url'"* ]]; then
    ok "hookrpc_webhook_upsert with a bad field: exit 1, invalid_params naming it"
else
    not_ok "hookrpc_webhook_upsert with a bad field: exit 1, invalid_params naming it" "exit $RC, err [$ERR]"
fi
# CODE travels as a JSON string (jq --arg): quotes and braces cannot change the params.
run hookrpc_credential_get 'X", "direction": "IN' OUT
if ((RC == 1)) && [[ $ERR == "hookd error -32602 (invalid_params): "*"'code'"* ]]; then
    ok "hookrpc_credential_get: a hostile CODE is sent as one string (invalid_params for code)"
else
    not_ok "hookrpc_credential_get: a hostile CODE is sent as one string (invalid_params for code)" "exit $RC, err [$ERR]"
fi
usage_ok=1
usage_detail=
for args in "hookrpc_credential_get" "hookrpc_credential_source" "hookrpc_webhook_get" "hookrpc_webhook_delete" \
    "hookrpc_webhook_upsert" "hookrpc_credential_get A OUT extra" "hookrpc_credential_invalidate A OUT extra" \
    "hookrpc_webhook_list OUT extra" "hookrpc_alert_metrics A extra"; do
    # shellcheck disable=SC2086 # word splitting of the test's argument list is intended
    run $args
    if ((RC != 2)) || [[ $ERR != usage:* ]]; then
        usage_ok=0
        usage_detail+="[$args]: exit $RC, err [$ERR]; "
    fi
done
if ((usage_ok)); then ok "webhook/credential functions: wrong arguments exit 2 with usage"; else not_ok "webhook/credential functions: wrong arguments exit 2 with usage" "$usage_detail"; fi

# ---------------------------------------------------------------- credential validation
# A SERVICE webhook is never requested (UNTESTED), so these tests need no HTTP endpoint; its
# credential is a legacy database value, which no result may contain.
export HOOKRPC_VALIDATE_TIMEOUT=60
sh_db_secret=sh_validate_db_3a7f52
run hookrpc_webhook_upsert "$(jq -cn --arg v "$sh_db_secret" '{code: "SH_VALIDATE_SVC", type: "SERVICE",
    auth_type: "bearer", credential: {source: "database", value: $v}}')"
check "credential validation: a SERVICE webhook with a database credential is registered" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '.code == "SH_VALIDATE_SVC" and .type == "SERVICE"' <<<"${OUT:-null}"
run hookrpc_validate_one SH_VALIDATE_SVC
check "hookrpc_validate_one CODE: a SERVICE webhook is UNTESTED, no secret" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e --arg s "$sh_db_secret" '.code == "SH_VALIDATE_SVC" and .direction == "OUT" and .status == "UNTESTED"
        and (.message | type) == "string" and (tostring | contains($s) | not)' <<<"${OUT:-null}"
run hookrpc_validate_one SH_VALIDATE_SVC OUT
check "hookrpc_validate_one CODE DIRECTION: the same" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '.code == "SH_VALIDATE_SVC" and .direction == "OUT" and .status == "UNTESTED"' <<<"${OUT:-null}"
run hookrpc_validate_all OUT 4 SH_VALIDATE_SVC
check "hookrpc_validate_all DIRECTION CONCURRENCY CODE: one result and the summary" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e --arg s "$sh_db_secret" '(.results | map([.code, .status])) == [["SH_VALIDATE_SVC", "UNTESTED"]]
        and .summary == {valid: 0, invalid: 0, untested: 1, errors: 0, total: 1}
        and (.duration_ms | type) == "number" and (tostring | contains($s) | not)' <<<"${OUT:-null}"
run hookrpc_validate_all OUT
check "hookrpc_validate_all DIRECTION: every OUT webhook, summary adds up" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '(.results | map(.code) | index("SH_VALIDATE_SVC")) != null and all(.results[]; .direction == "OUT")
        and .summary.total == (.results | length)
        and .summary.total == .summary.valid + .summary.invalid + .summary.untested + .summary.errors' <<<"${OUT:-null}"
run hookrpc_validate_all
check "hookrpc_validate_all (no arguments): every webhook" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '(.results | map(.code) | index("SH_VALIDATE_SVC")) != null and .summary.total == (.results | length)' \
    <<<"${OUT:-null}"
run hookrpc_check_source SH_VALIDATE_SVC
check "hookrpc_check_source CODE: database, uses_database, no secret" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e --arg s "$sh_db_secret" '.code == "SH_VALIDATE_SVC" and .direction == "OUT" and .source == "database"
        and .ref == null and .exists == true and .uses_database == true and (tostring | contains($s) | not)' \
    <<<"${OUT:-null}"
run hookrpc_check_source SH_VALIDATE_SVC OUT
check "hookrpc_check_source CODE DIRECTION: the same as hookrpc_credential_source" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '.source == "database" and .uses_database == true' <<<"${OUT:-null}"
for fn in hookrpc_validate_one hookrpc_check_source; do
    run "$fn" SH_NO_SUCH_WEBHOOK OUT
    if ((RC == 1)) && [[ -z $OUT && $ERR == "hookd error -32002 (not_found): "* ]]; then
        ok "$fn of an unknown code: exit 1, not_found"
    else
        not_ok "$fn of an unknown code: exit 1, not_found" "exit $RC, out [$OUT], err [$ERR]"
    fi
done
run hookrpc_validate_all OUT 0 SH_VALIDATE_SVC
if ((RC == 1)) && [[ -z $OUT && $ERR == "hookd error -32602 (invalid_params): "*concurrency* ]]; then
    ok "hookrpc_validate_all with CONCURRENCY 0: exit 1, invalid_params naming concurrency"
else
    not_ok "hookrpc_validate_all with CONCURRENCY 0: exit 1, invalid_params naming concurrency" "exit $RC, out [$OUT], err [$ERR]"
fi
run hookrpc_webhook_delete SH_VALIDATE_SVC

# What the functions send, seen by a spy socket that records and never answers (so each call
# ends with exit 3, "no reply"). CODE travels as one JSON string whatever it contains.
vspy=$tmp/validate-spy.sock
socat -u "UNIX-LISTEN:$vspy,fork" "OPEN:$tmp/validate-spy.log,creat,append" 2>/dev/null &
vspy_pid=$!
track_pid "$vspy_pid"
if wait_socket "$vspy" "$vspy_pid"; then
    spied() { HOOKRPC_SOCKET_PATH=$vspy HOOKRPC_TIMEOUT=5 HOOKRPC_VALIDATE_TIMEOUT=5 run "$@"; }
    spied hookrpc_validate_one SH_A
    spied hookrpc_validate_one SH_A IN
    spied hookrpc_validate_all
    spied hookrpc_validate_all ALL
    spied hookrpc_validate_all IN 16 SH_A 'X", "direction": "OUT' --arg
    spied hookrpc_check_source SH_A
    spied hookrpc_check_source SH_A IN
    sleep 0.3
    sent=$(jq -sc 'map([.method, .params])' "$tmp/validate-spy.log" 2>/dev/null)
    want='[["validate.one",{"code":"SH_A"}],["validate.one",{"code":"SH_A","direction":"IN"}],["validate.all",{}],["validate.all",{"direction":"ALL"}],["validate.all",{"direction":"IN","concurrency":16,"codes":["SH_A","X\", \"direction\": \"OUT","--arg"]}],["credential.source",{"code":"SH_A"}],["credential.source",{"code":"SH_A","direction":"IN"}]]'
    if [[ $sent == "$want" ]]; then
        ok "validation functions: methods and params as sent (omitted arguments left out, CODEs as strings)"
    else
        not_ok "validation functions: methods and params as sent (omitted arguments left out, CODEs as strings)" "sent [$sent], want [$want]"
    fi
else
    not_ok "validation functions: methods and params as sent (omitted arguments left out, CODEs as strings)" "could not start the socat spy listener"
fi
stop_pid "$vspy_pid"

# The validate functions are bounded by HOOKRPC_VALIDATE_TIMEOUT (a check may take its
# webhook's timeout_seconds), not HOOKRPC_TIMEOUT; a listener that never answers shows which.
vhang=$tmp/validate-hang.sock
mkfifo "$tmp/validate-hang.fifo"
socat -U "UNIX-LISTEN:$vhang" "OPEN:$tmp/validate-hang.fifo" 2>/dev/null &
vhang_pid=$!
track_pid "$vhang_pid"
if wait_socket "$vhang" "$vhang_pid"; then
    start=$SECONDS
    HOOKRPC_SOCKET_PATH=$vhang HOOKRPC_TIMEOUT=1 HOOKRPC_VALIDATE_TIMEOUT=2 run hookrpc_validate_all OUT
    took=$((SECONDS - start))
    if ((RC == 3 && took >= 1 && took <= 5)) && [[ $ERR == "hookrpc: timed out after 2s"* ]]; then
        ok "hookrpc_validate_all: bounded by HOOKRPC_VALIDATE_TIMEOUT, not HOOKRPC_TIMEOUT"
    else
        not_ok "hookrpc_validate_all: bounded by HOOKRPC_VALIDATE_TIMEOUT, not HOOKRPC_TIMEOUT" "exit $RC after ${took}s, stderr [$ERR]"
    fi
else
    not_ok "hookrpc_validate_all: bounded by HOOKRPC_VALIDATE_TIMEOUT, not HOOKRPC_TIMEOUT" "could not start the socat listener"
fi
stop_pid "$vhang_pid"
HOOKRPC_SOCKET_PATH=$missing HOOKRPC_VALIDATE_TIMEOUT=abc run hookrpc_validate_one SH_A
check "HOOKRPC_VALIDATE_TIMEOUT: an invalid value is named and replaced by the default, 300" "exit $RC, err [$ERR]" \
    grep -q '^hookrpc: ignoring invalid HOOKRPC_VALIDATE_TIMEOUT=abc, using 300$' <<<"$ERR"

validate_usage_ok=1
validate_usage_detail=
validate_usage() { # CMD...: with the socket missing, exit 2 (not 3) shows nothing was sent
    HOOKRPC_SOCKET_PATH=$missing run "$@"
    if ((RC != 2)) || [[ $ERR != usage:* ]]; then
        validate_usage_ok=0
        validate_usage_detail+="[$*]: exit $RC, err [$ERR]; "
    fi
}
validate_usage hookrpc_validate_one
validate_usage hookrpc_validate_one ''
validate_usage hookrpc_validate_one A OUT extra
validate_usage hookrpc_check_source
validate_usage hookrpc_check_source A OUT extra
validate_usage hookrpc_validate_all ''
validate_usage hookrpc_validate_all OUT ''
validate_usage hookrpc_validate_all OUT abc
validate_usage hookrpc_validate_all OUT -1
validate_usage hookrpc_validate_all OUT 1.5
validate_usage hookrpc_validate_all OUT 8 SH_A ''
if ((validate_usage_ok)); then ok "validation functions: wrong arguments exit 2 with usage, nothing sent"; else not_ok "validation functions: wrong arguments exit 2 with usage, nothing sent" "$validate_usage_detail"; fi

# ---------------------------------------------------------------- migration into Infisical
# This hookd has no infisical: section, so every migrate.* method refuses with -32010 (invalid_config)
# naming infisical.client_id; params hookd checks first still get -32602. What hookrpc_migrate
# sends is seen by a spy socket, its bounds by a listener that never answers.
migrate_refused_ok=1
migrate_refused_detail=
for args in "plan" "plan --direction OUT --from database SH_A" "run" "run --dry-run SH_A" "verify" "rollback --delete-secret" \
    "status" "status --from env"; do
    # shellcheck disable=SC2086 # word splitting of the test's argument list is intended
    run hookrpc_migrate $args
    if ((RC != 1)) || [[ -n $OUT || $ERR != "hookd error -32010 (invalid_config): "*infisical.client_id* ]]; then
        migrate_refused_ok=0
        migrate_refused_detail+="[$args]: exit $RC, out [$OUT], err [$ERR]; "
    fi
done
if ((migrate_refused_ok)); then
    ok "hookrpc_migrate without Infisical in hookd: every subcommand exits 1, invalid_config naming infisical.client_id"
else
    not_ok "hookrpc_migrate without Infisical in hookd: every subcommand exits 1, invalid_config naming infisical.client_id" "$migrate_refused_detail"
fi
run hookrpc_migrate run --concurrency 0 SH_A
if ((RC == 1)) && [[ -z $OUT && $ERR == "hookd error -32602 (invalid_params): "*concurrency* ]]; then
    ok "hookrpc_migrate run --concurrency 0: exit 1, invalid_params naming concurrency"
else
    not_ok "hookrpc_migrate run --concurrency 0: exit 1, invalid_params naming concurrency" "exit $RC, out [$OUT], err [$ERR]"
fi
run hookrpc_migrate verify sh_lower_case
if ((RC == 1)) && [[ -z $OUT && $ERR == "hookd error -32602 (invalid_params): "*"'codes'"* ]]; then
    ok "hookrpc_migrate with a CODE hookd refuses: exit 1, invalid_params naming codes"
else
    not_ok "hookrpc_migrate with a CODE hookd refuses: exit 1, invalid_params naming codes" "exit $RC, out [$OUT], err [$ERR]"
fi

mspy=$tmp/migrate-spy.sock
socat -u "UNIX-LISTEN:$mspy,fork" "OPEN:$tmp/migrate-spy.log,creat,append" 2>/dev/null &
mspy_pid=$!
track_pid "$mspy_pid"
if wait_socket "$mspy" "$mspy_pid"; then
    migrate_spy_rcs=
    mspied() {
        HOOKRPC_SOCKET_PATH=$mspy HOOKRPC_TIMEOUT=5 HOOKRPC_MIGRATE_TIMEOUT=5 run "$@"
        migrate_spy_rcs+=$RC
    }
    mspied hookrpc_migrate plan
    mspied hookrpc_migrate plan --direction IN --from env --naming 'HOOK_<CODE>' SH_A SH_B
    mspied hookrpc_migrate run
    mspied hookrpc_migrate run --dry-run --overwrite --concurrency 8 --direction ALL --from file -- SH_A
    mspied hookrpc_migrate verify SH_A 'X", "codes": "Y'
    mspied hookrpc_migrate rollback
    mspied hookrpc_migrate rollback --delete-secret SH_A
    mspied hookrpc_migrate status --from env SH_A
    sleep 0.3
    sent=$(jq -sc 'map([.method, .params])' "$tmp/migrate-spy.log" 2>/dev/null)
    want='[["migrate.plan",{}],["migrate.plan",{"direction":"IN","from":"env","naming":"HOOK_<CODE>","codes":["SH_A","SH_B"]}],["migrate.run",{}],["migrate.run",{"direction":"ALL","from":"file","dry_run":true,"overwrite":true,"concurrency":8,"codes":["SH_A"]}],["migrate.verify",{"codes":["SH_A","X\", \"codes\": \"Y"]}],["migrate.rollback",{}],["migrate.rollback",{"delete_secret":true,"codes":["SH_A"]}],["migrate.status",{"from":"env","codes":["SH_A"]}]]'
    if [[ $sent == "$want" && $migrate_spy_rcs == 33333333 ]]; then
        ok "hookrpc_migrate: methods and params as sent (options as typed fields, omitted ones left out, CODEs as strings)"
    else
        not_ok "hookrpc_migrate: methods and params as sent (options as typed fields, omitted ones left out, CODEs as strings)" \
            "exit codes [$migrate_spy_rcs], sent [$sent], want [$want]"
    fi
else
    not_ok "hookrpc_migrate: methods and params as sent (options as typed fields, omitted ones left out, CODEs as strings)" "could not start the socat spy listener"
fi
stop_pid "$mspy_pid"

# plan/run/verify/rollback wait as long as a migration takes (HOOKRPC_MIGRATE_TIMEOUT, default a
# day); status is a quick read, bounded by HOOKRPC_TIMEOUT.
mhang=$tmp/migrate-hang.sock
mkfifo "$tmp/migrate-hang.fifo"
socat -U "UNIX-LISTEN:$mhang,fork" "OPEN:$tmp/migrate-hang.fifo" 2>/dev/null &
mhang_pid=$!
track_pid "$mhang_pid"
if wait_socket "$mhang" "$mhang_pid"; then
    start=$SECONDS
    HOOKRPC_SOCKET_PATH=$mhang HOOKRPC_TIMEOUT=1 HOOKRPC_MIGRATE_TIMEOUT=2 run hookrpc_migrate run --dry-run
    took=$((SECONDS - start))
    if ((RC == 3 && took >= 1 && took <= 5)) && [[ $ERR == "hookrpc: timed out after 2s"* ]]; then
        ok "hookrpc_migrate run: bounded by HOOKRPC_MIGRATE_TIMEOUT, not HOOKRPC_TIMEOUT"
    else
        not_ok "hookrpc_migrate run: bounded by HOOKRPC_MIGRATE_TIMEOUT, not HOOKRPC_TIMEOUT" "exit $RC after ${took}s, stderr [$ERR]"
    fi
    HOOKRPC_SOCKET_PATH=$mhang HOOKRPC_TIMEOUT=1 HOOKRPC_MIGRATE_TIMEOUT=30 run hookrpc_migrate status
    if ((RC == 3)) && [[ $ERR == "hookrpc: timed out after 1s"* ]]; then
        ok "hookrpc_migrate status: bounded by HOOKRPC_TIMEOUT"
    else
        not_ok "hookrpc_migrate status: bounded by HOOKRPC_TIMEOUT" "exit $RC, stderr [$ERR]"
    fi
else
    not_ok "hookrpc_migrate: bounded by HOOKRPC_MIGRATE_TIMEOUT" "could not start the socat listener"
fi
stop_pid "$mhang_pid"
HOOKRPC_SOCKET_PATH=$missing HOOKRPC_MIGRATE_TIMEOUT=abc run hookrpc_migrate verify
check "HOOKRPC_MIGRATE_TIMEOUT: an invalid value is named and replaced by the default, 86400" "exit $RC, err [$ERR]" \
    grep -q '^hookrpc: ignoring invalid HOOKRPC_MIGRATE_TIMEOUT=abc, using 86400$' <<<"$ERR"
HOOKRPC_SOCKET_PATH=$missing run hookrpc_migrate plan SH_A
if ((RC == 3)) && [[ -z $OUT && $ERR == *"$missing"* ]]; then
    ok "hookrpc_migrate: a missing socket exits 3 naming the path"
else
    not_ok "hookrpc_migrate: a missing socket exits 3 naming the path" "exit $RC, out [$OUT], err [$ERR]"
fi

migrate_usage_ok=1
migrate_usage_detail=
migrate_usage() { # CMD...: with the socket missing, exit 2 (not 3) shows nothing was sent
    HOOKRPC_SOCKET_PATH=$missing run "$@"
    if ((RC != 2)) || [[ $ERR != usage:* || -n $OUT ]]; then
        migrate_usage_ok=0
        migrate_usage_detail+="[$*]: exit $RC, err [$ERR]; "
    fi
}
migrate_usage hookrpc_migrate
migrate_usage hookrpc_migrate ''
migrate_usage hookrpc_migrate migrate
migrate_usage hookrpc_migrate PLAN
migrate_usage hookrpc_migrate plan --dry-run
migrate_usage hookrpc_migrate plan --yes
migrate_usage hookrpc_migrate verify --overwrite
migrate_usage hookrpc_migrate status --direction OUT
migrate_usage hookrpc_migrate rollback --naming 'X_<CODE>'
migrate_usage hookrpc_migrate run --delete-secret
migrate_usage hookrpc_migrate run --direction
migrate_usage hookrpc_migrate run --direction out
migrate_usage hookrpc_migrate run --from infisical
migrate_usage hookrpc_migrate run --concurrency
migrate_usage hookrpc_migrate run --concurrency -1
migrate_usage hookrpc_migrate run --concurrency 1.5
migrate_usage hookrpc_migrate plan --naming ''
migrate_usage hookrpc_migrate plan SH_A ''
if ((migrate_usage_ok)); then
    ok "hookrpc_migrate: a wrong subcommand, option or value exits 2 with usage, nothing sent"
else
    not_ok "hookrpc_migrate: a wrong subcommand, option or value exits 2 with usage, nothing sent" "$migrate_usage_detail"
fi

# ---------------------------------------------------------------- inbound verification
# An IN webhook whose hmac secret (fake) hookd holds as a database credential; the GitHub
# signature is made here by openssl, independently of hookd.
sh_gh_secret=tok_fake_sh_github_inbound_51c2
run hookrpc_webhook_upsert "$(jq -cn --arg v "$(jq -cn --arg s "$sh_gh_secret" '{secret: $s, scheme: "github"}')" \
    '{code: "SH_GITHUB_IN", direction: "IN", type: "SERVICE", auth_type: "hmac", credential: {source: "database", value: $v}}')"
check "inbound: an IN webhook with a github hmac credential is registered" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '.code == "SH_GITHUB_IN" and .direction == "IN"' <<<"${OUT:-null}"
printf '{"ref":"refs/heads/main","note":"caf\xc3\xa9"}' >"$tmp/inbound-body.json"
printf '\xff\xfe\x00binary\x80' >"$tmp/inbound-body.bin"
printf '{"ref":"refs/heads/main","note":"cafe"}' >"$tmp/inbound-tampered.json"
github_signature() { # FILE: sha256=<hex HMAC-SHA256 of the file's bytes>
    printf 'sha256=%s' "$(openssl dgst -sha256 -hmac "$sh_gh_secret" <"$1" | awk '{print $NF}')"
}
if command -v openssl >/dev/null; then
    sig=$(github_signature "$tmp/inbound-body.json")
    run hookrpc_verify SH_GITHUB_IN "$tmp/inbound-body.json" "X-Hub-Signature-256: $sig" "X-GitHub-Event: push"
    check "hookrpc_verify: a valid github signature (openssl) exits 0 and prints the result" "exit $RC, out [$OUT], err [$ERR]" \
        test "$RC" = 0 -a "$(jq -c . <<<"${OUT:-null}")" = '{"valid":true,"scheme":"github","signed_with":"current"}'
    run hookrpc_verify SH_GITHUB_IN "$tmp/inbound-body.bin" "x-hub-signature-256:$(github_signature "$tmp/inbound-body.bin")"
    check "hookrpc_verify: a body that is not UTF-8 (sent as body_base64), any header case, no blank" \
        "exit $RC, out [$OUT], err [$ERR]" test "$RC" = 0
    run hookrpc_verify SH_GITHUB_IN "$tmp/inbound-tampered.json" "X-Hub-Signature-256: $sig"
    if ((RC == 1)) && [[ -z $ERR ]] && jq -e '.valid == false and .reason == "bad_signature"' >/dev/null <<<"${OUT:-null}"; then
        ok "hookrpc_verify: a tampered body exits 1 with the refusal on stdout"
    else
        not_ok "hookrpc_verify: a tampered body exits 1 with the refusal on stdout" "exit $RC, out [$OUT], err [$ERR]"
    fi
    run hookrpc_verify SH_GITHUB_IN "$tmp/inbound-body.json" "X-Hub-Signature-256: sha256=$(printf '0%.0s' {1..64})"
    check "hookrpc_verify: a tampered signature header exits 1" "exit $RC, out [$OUT]" \
        test "$RC" = 1 -a "$(jq -r .reason <<<"${OUT:-null}")" = bad_signature
    if ! grep -q "$sh_gh_secret" "$tmp/hookd.log"; then ok "inbound: the secret is not in hookd's log"; else not_ok "inbound: the secret is not in hookd's log" "found"; fi
else
    skip "hookrpc_verify with a github signature" "openssl is not installed"
fi
run hookrpc_verify SH_NO_SUCH_IN "$tmp/inbound-body.json"
check "hookrpc_verify: an unknown webhook exits 1, reason unknown_webhook" "exit $RC, out [$OUT], err [$ERR]" \
    test "$RC" = 1 -a "$(jq -r .reason <<<"${OUT:-null}")" = unknown_webhook
run hookrpc_verify sh_lower_case "$tmp/inbound-body.json"
if ((RC == 1)) && [[ -z $OUT && $ERR == "hookd error -32602 (invalid_params): "*"'code'"* ]]; then
    ok "hookrpc_verify: a hookd error exits 1 with the error on stderr"
else
    not_ok "hookrpc_verify: a hookd error exits 1 with the error on stderr" "exit $RC, out [$OUT], err [$ERR]"
fi
verify_usage_ok=1
verify_usage_detail=
for args in "" "SH_GITHUB_IN" "SH_GITHUB_IN $tmp/no-such-body" "SH_GITHUB_IN $tmp" \
    "SH_GITHUB_IN $tmp/inbound-body.json X-Hub-Signature-256=sha256=00" "SH_GITHUB_IN $tmp/inbound-body.json :value"; do
    # shellcheck disable=SC2086 # word splitting of the test's argument list is intended
    HOOKRPC_SOCKET_PATH=$missing run hookrpc_verify $args
    if ((RC != 2)) || [[ $ERR != usage:* || -n $OUT ]]; then
        verify_usage_ok=0
        verify_usage_detail+="[$args]: exit $RC, err [$ERR]; "
    fi
done
HOOKRPC_SOCKET_PATH=$missing run hookrpc_verify SH_GITHUB_IN "$tmp/inbound-body.json" "X-Hub-Signature-256 sha256=00"
if ((RC != 2)) || [[ $ERR != *"HEADER must be 'Name: value'"* ]]; then
    verify_usage_ok=0
    verify_usage_detail+="[a header without a colon]: exit $RC, err [$ERR]; "
fi
if ((verify_usage_ok)); then ok "hookrpc_verify: bad arguments or header syntax exit 2, nothing sent"; else not_ok "hookrpc_verify: bad arguments or header syntax exit 2, nothing sent" "$verify_usage_detail"; fi
HOOKRPC_SOCKET_PATH=$missing run hookrpc_verify SH_GITHUB_IN "$tmp/inbound-body.json" "X-Hub-Signature-256: sha256=00"
if ((RC == 3)) && [[ $ERR == *"$missing"* && -z $OUT ]]; then
    ok "hookrpc_verify: a missing socket exits 3 naming the path"
else
    not_ok "hookrpc_verify: a missing socket exits 3 naming the path" "exit $RC, err [$ERR]"
fi
# What it sends, seen by a spy socket that records and never answers (so the call exits 3).
ispy=$tmp/inbound-spy.sock
socat -u "UNIX-LISTEN:$ispy,fork" "OPEN:$tmp/inbound-spy.log,creat,append" 2>/dev/null &
ispy_pid=$!
track_pid "$ispy_pid"
if wait_socket "$ispy" "$ispy_pid"; then
    HOOKRPC_SOCKET_PATH=$ispy HOOKRPC_TIMEOUT=2 HOOKRPC_VERIFY_URL='https://hooks.example.test/in?x=1' \
        run hookrpc_verify SH_GITHUB_IN "$tmp/inbound-body.bin" 'X-Twice: a' 'x-twice:  b  ' 'Content-Type: application/octet-stream'
    sleep 0.3
    sent=$(jq -c '[.method, .params]' "$tmp/inbound-spy.log" 2>/dev/null)
    want=$(jq -cn --arg b "$(base64 -w0 "$tmp/inbound-body.bin")" '["inbound.verify", {code: "SH_GITHUB_IN",
        headers: {"X-Twice": "a, b", "Content-Type": "application/octet-stream"}, body_base64: $b,
        url: "https://hooks.example.test/in?x=1"}]')
    if ((RC == 3)) && [[ $sent == "$want" ]]; then
        ok "hookrpc_verify: sends the body as base64, a repeated header once, the URL from HOOKRPC_VERIFY_URL"
    else
        not_ok "hookrpc_verify: sends the body as base64, a repeated header once, the URL from HOOKRPC_VERIFY_URL" "exit $RC, sent [$sent], want [$want]"
    fi
else
    not_ok "hookrpc_verify: what it sends" "could not start the socat spy listener"
fi
stop_pid "$ispy_pid"

# ---------------------------------------------------------------- alerting
# hookd runs with the seed's alerting defaults: high_failure_rate above 10 % with at least
# 10 calls in the window, auth_failures at 5 answers of 401/403, the log channel.
run hookrpc_alert_record SH_ALERT false 0.25 503
if ((RC == 0)) && [[ -z $OUT && -z $ERR ]]; then
    ok "hookrpc_alert_record: exit 0, prints nothing (a notification)"
else
    not_ok "hookrpc_alert_record: exit 0, prints nothing (a notification)" "exit $RC, out [$OUT], err [$ERR]"
fi
record_ok=1
for _ in 2 3 4 5 6 7 8 9 10; do
    hookrpc_alert_record SH_ALERT false 0.25 || record_ok=0
done
check "hookrpc_alert_record: nine more failures, exit 0 each" "a call failed" test "$record_ok" = 1
# hookrpc_notify returns once hookd closed the connection, i.e. after it handled the line.
run hookrpc_alert_metrics SH_ALERT
check "hookrpc_alert_metrics CODE: 10 failed calls, 100 %, high_failure_rate active" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '.webhook_code == "SH_ALERT" and .total_calls == 10 and .failed_calls == 10 and .failure_rate == 100
        and .avg_latency == 0.25 and .active_alerts == ["high_failure_rate"]' <<<"${OUT:-null}"
run hookrpc_alert_record SH_ALERT_OK true 0.1
run hookrpc_alert_record SH_ALERT_OK true 1.5 200
run hookrpc_alert_metrics SH_ALERT_OK
check "hookrpc_alert_record with and without STATUS: successes counted" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '.total_calls == 2 and .successful_calls == 2 and .failure_rate == 0 and .max_latency == 1.5
        and .active_alerts == []' <<<"${OUT:-null}"
for _ in 1 2 3 4 5; do hookrpc_alert_record SH_ALERT_AUTH false 0.1 401; done
run hookrpc_alert_list
check "hookrpc_alert_list: five 401s fire auth_failures, critical" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '[.alerts[] | select(.webhook_code == "SH_ALERT_AUTH") | [.alert_type, .severity]] == [["auth_failures", "critical"]]
        and any(.alerts[]; .webhook_code == "SH_ALERT" and .alert_type == "high_failure_rate" and .severity == "warning")' \
    <<<"${OUT:-null}"
run hookrpc_alert_metrics
check "hookrpc_alert_metrics (no CODE): every webhook with calls" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '(.webhooks | map(.webhook_code)) as $c | ($c | index("SH_ALERT")) != null and ($c | index("SH_ALERT_AUTH")) != null' \
    <<<"${OUT:-null}"
run hookrpc_alert_metrics SH_ALERT_NEVER
check "hookrpc_alert_metrics of a code without calls: zeros" "exit $RC, out [$OUT], err [$ERR]" \
    jq -e '.total_calls == 0 and .failure_rate == 0 and .active_alerts == []' <<<"${OUT:-null}"
# CODE travels as a JSON string (jq --arg): quotes and braces cannot change the params.
run hookrpc_alert_metrics 'X", "y": "z'
if ((RC == 1)) && [[ -z $OUT && $ERR == "hookd error -32602 (invalid_params): "*"'webhook_code'"* ]]; then
    ok "hookrpc_alert_metrics: a hostile CODE is sent as one string (invalid_params for webhook_code)"
else
    not_ok "hookrpc_alert_metrics: a hostile CODE is sent as one string (invalid_params for webhook_code)" "exit $RC, out [$OUT], err [$ERR]"
fi
# hookd drops a notification it refuses without a word: exit 0, and nothing is counted.
run hookrpc_alert_record 'bad code' false 0.1
rec_rc=$RC
run hookrpc_alert_metrics
check "hookrpc_alert_record with a CODE hookd refuses: exit 0, nothing counted" "record exit $rec_rc, metrics exit $RC, out [$OUT], err [$ERR]" \
    jq -e --argjson rc "$rec_rc" '$rc == 0 and (.webhooks | map(.webhook_code) | index("bad code")) == null' <<<"${OUT:-null}"
alert_usage_ok=1
alert_usage_detail=
for args in "hookrpc_alert_record" "hookrpc_alert_record A true" "hookrpc_alert_record A true 0.1 200 extra" \
    "hookrpc_alert_record A yes 0.1" "hookrpc_alert_record A 1 0.1" "hookrpc_alert_record A true abc" \
    "hookrpc_alert_record A true -1" "hookrpc_alert_record A true 1e3" "hookrpc_alert_record A false 0.1 abc" \
    "hookrpc_alert_record A false 0.1 700" "hookrpc_alert_record A false 0.1 99" "hookrpc_alert_metrics A B" \
    "hookrpc_alert_list extra"; do
    # The socket does not exist: exit 2 (not 3) shows the arguments were refused before sending.
    # shellcheck disable=SC2086 # word splitting of the test's argument list is intended
    HOOKRPC_SOCKET_PATH=$missing run $args
    if ((RC != 2)) || [[ $ERR != usage:* ]]; then
        alert_usage_ok=0
        alert_usage_detail+="[$args]: exit $RC, err [$ERR]; "
    fi
done
if ((alert_usage_ok)); then ok "alert functions: wrong arguments exit 2 with usage, nothing sent"; else not_ok "alert functions: wrong arguments exit 2 with usage, nothing sent" "$alert_usage_detail"; fi
HOOKRPC_SOCKET_PATH=$missing run hookrpc_alert_record SH_ALERT true 0.1
if ((RC == 3)) && [[ $ERR == *"$missing"* && -z $OUT ]]; then
    ok "hookrpc_alert_record with hookd unreachable: exit 3 naming the path"
else
    not_ok "hookrpc_alert_record with hookd unreachable: exit 3 naming the path" "exit $RC, stderr [$ERR]"
fi

# ---------------------------------------------------------------- socket path resolution
# resolve VAR=VALUE...: hookrpc_socket_path with only the given resolution variables set.
resolve() {
    (
        unset HOOKRPC_SOCKET_PATH HOOKD_SOCKET RUNTIME_DIRECTORY XDG_RUNTIME_DIR
        local kv
        for kv in "$@"; do export "${kv?}"; done
        hookrpc_socket_path
    )
}
expect_path() { # NAME WANT VAR=VALUE...
    local name=$1 want=$2 got
    shift 2
    got=$(resolve "$@")
    if [[ $got == "$want" ]]; then ok "socket path: $name"; else not_ok "socket path: $name" "got [$got], want [$want]"; fi
}
all=(HOOKRPC_SOCKET_PATH=/x/explicit.sock HOOKD_SOCKET=/x/env.sock RUNTIME_DIRECTORY=/x/rt XDG_RUNTIME_DIR=/x/xdg)
expect_path "explicit HOOKRPC_SOCKET_PATH wins" /x/explicit.sock "${all[@]}"
expect_path "then HOOKD_SOCKET" /x/env.sock "${all[@]:1}"
expect_path "then \$RUNTIME_DIRECTORY/hookd.sock" /x/rt/hookd.sock "${all[@]:2}"
expect_path "\$RUNTIME_DIRECTORY with several entries: the first" /x/rt/hookd.sock RUNTIME_DIRECTORY=/x/rt:/x/other
expect_path "empty HOOKD_SOCKET counts as unset" /x/rt/hookd.sock HOOKD_SOCKET= RUNTIME_DIRECTORY=/x/rt
if [[ $(id -u) == 0 ]]; then
    expect_path "root: /run/hookd/hookd.sock (XDG_RUNTIME_DIR ignored)" /run/hookd/hookd.sock "${all[@]:3}"
else
    skip "socket path: root default" "not running as root"
fi

# As another user (nobody), in a private mount namespace with a tmpfs on /run, so that
# the presence of /run/hookd/hookd.sock is under the test's control and nothing leaks out.
# ---------------------------------------------------------------- who may be listening
# credential.get and webhook.upsert go only to a socket that a trusted uid bound (socket owner,
# and no directory above it that another user could write to). A fake listener records what
# reaches it; it never answers, so a call that was sent ends with "no reply" (3) instead.
fake_listener() { # fake_listener SOCKET RECORD [setpriv args...]: starts it, waits for the socket
    local socket=$1 record=$2
    shift 2
    "$@" socat -u "UNIX-LISTEN:$socket,fork" "OPEN:$record,creat,append" 2>>"$tmp/fake.err" &
    fake_pid=$!
    track_pid "$fake_pid"
    wait_socket "$socket" "$fake_pid" 5
}
stop_fake_listener() {
    stop_pid "$fake_pid" 5
    untrack_pid "$fake_pid"
}
open_dir=$tmp/open
mkdir -p "$open_dir" && chmod 0777 "$open_dir"
if fake_listener "$open_dir/fake.sock" "$open_dir/received"; then
    HOOKRPC_SOCKET_PATH=$open_dir/fake.sock run hookrpc_credential_get SH_BEARER
    check "credential.get: refused when another user could have put the socket there (dir 0777)" \
        "exit $RC, err [$ERR], received [$(cat "$open_dir/received" 2>/dev/null)]" \
        test "$RC" = 3 -a ! -s "$open_dir/received"
    [[ $ERR == *"$open_dir"*"mode 777"*"nothing was sent"* ]] && ok "the refusal names the directory and its mode" ||
        not_ok "the refusal names the directory and its mode" "err [$ERR]"
    HOOKRPC_SOCKET_PATH=$open_dir/fake.sock run hookrpc_webhook_upsert '{"code":"SH_X","url":"https://x.test","auth_type":"none"}'
    check "webhook.upsert: refused the same way" "exit $RC, err [$ERR]" test "$RC" = 3 -a ! -s "$open_dir/received"
    HOOKRPC_SOCKET_PATH=$open_dir/fake.sock run hookrpc_call system.echo '{"value":"not secret"}'
    check "a call that carries no secret is not held back" "exit $RC, received [$(cat "$open_dir/received" 2>/dev/null)]" \
        grep -q '"system.echo"' "$open_dir/received"
    stop_fake_listener
else
    not_ok "a fake listener starts in $open_dir" "$(cat "$tmp/fake.err")"
fi
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
    # A sticky, world-writable directory (like /tmp) is fine; the socket's owner is what counts.
    sticky=$(mktemp -d /tmp/hookrpc-sticky.XXXXXX) && chmod 1777 "$sticky"
    if fake_listener "$sticky/fake.sock" "$sticky/received" setpriv --reuid=65534 --regid=65534 --clear-groups --; then
        HOOKRPC_SOCKET_PATH=$sticky/fake.sock run hookrpc_credential_get SH_BEARER
        check "credential.get: refused to a socket bound by uid 65534" "exit $RC, err [$ERR]" \
            test "$RC" = 3 -a ! -s "$sticky/received"
        [[ $ERR == *"belongs to uid 65534"*"HOOKD_TRUSTED_UID=65534"* ]] && ok "the refusal names the uid and the way out" ||
            not_ok "the refusal names the uid and the way out" "err [$ERR]"
        HOOKD_TRUSTED_UID=65534 HOOKRPC_SOCKET_PATH=$sticky/fake.sock run hookrpc_credential_get SH_BEARER
        check "HOOKD_TRUSTED_UID=65534: sent" "exit $RC, received [$(cat "$sticky/received" 2>/dev/null)]" \
            grep -q '"credential.get"' "$sticky/received"
    else
        not_ok "a fake listener starts as uid 65534 in $sticky" "$(cat "$tmp/fake.err")"
    fi
    stop_fake_listener
    rm -rf -- "$sticky"
else
    skip "a socket bound by another uid is refused" "needs root to bind a socket as uid 65534 (setpriv)"
fi

as_nobody() { # SETUP_SHELL_SNIPPET VAR=VALUE... ; prints the resolved path
    local setup=$1
    shift
    unshare -m --propagation private -- bash -c '
        mount -n -t tmpfs tmpfs /run || exit 90
        '"$setup"'
        exec setpriv --reuid=65534 --regid=65534 --clear-groups -- \
            env -i PATH="$PATH" "$@" bash -c '\''eval "$(cat)"; hookrpc_socket_path'\''
    ' _ "$@" <"$lib" 2>"$tmp/ns.err"
}
if [[ $(id -u) == 0 ]] && command -v unshare >/dev/null && command -v setpriv >/dev/null &&
    [[ $(as_nobody ':' 2>/dev/null) == /tmp/hookd-65534/hookd.sock ]]; then
    ok "socket path: other user without XDG_RUNTIME_DIR: /tmp/hookd-<uid>/hookd.sock"
    got=$(as_nobody ':' XDG_RUNTIME_DIR=/run/user/65534)
    [[ $got == /run/user/65534/hookd.sock ]] && ok "socket path: other user: \$XDG_RUNTIME_DIR/hookd.sock" ||
        not_ok "socket path: other user: \$XDG_RUNTIME_DIR/hookd.sock" "got [$got]"
    got=$(as_nobody 'mkdir -p /run/hookd && : >/run/hookd/hookd.sock' XDG_RUNTIME_DIR=/run/user/65534)
    [[ $got == /run/hookd/hookd.sock ]] && ok "socket path: other user falls back to /run/hookd/hookd.sock" ||
        not_ok "socket path: other user falls back to /run/hookd/hookd.sock" "got [$got]"
    got=$(as_nobody 'mkdir -p /run/hookd /run/user/65534 && : >/run/hookd/hookd.sock && : >/run/user/65534/hookd.sock && chmod 755 /run/user/65534' XDG_RUNTIME_DIR=/run/user/65534)
    [[ $got == /run/user/65534/hookd.sock ]] && ok "socket path: other user's own socket beats the system one" ||
        not_ok "socket path: other user's own socket beats the system one" "got [$got]"
    got=$(as_nobody 'mkdir -p /run/hookd && : >/run/hookd/hookd.sock' XDG_RUNTIME_DIR=/run/user/65534 HOOKD_SOCKET=/x/env.sock)
    [[ $got == /x/env.sock ]] && ok "socket path: other user: HOOKD_SOCKET beats the fallback" ||
        not_ok "socket path: other user: HOOKD_SOCKET beats the fallback" "got [$got]"
else
    skip "socket path: other users" "needs root, unshare (mount namespace) and setpriv: $(cat "$tmp/ns.err" 2>/dev/null)"
fi

finish
