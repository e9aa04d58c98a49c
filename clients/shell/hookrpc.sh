# hookrpc.sh — shell client for hookd (newline-delimited JSON-RPC 2.0 on a Unix socket).
#
# Source it; it only defines functions (no options changed, no variables set, safe
# under `set -u`, `set -e` and `set -o pipefail`). Needs bash >= 4, socat, jq and timeout.
#
#   . clients/shell/hookrpc.sh
#   hookrpc_call system.echo '{"value":"hi"}'     # prints {"value":"hi"}
#
# Webhooks and credentials (wrappers over hookrpc_call, params built with jq --arg):
#   hookrpc_webhook_upsert JSON            hookrpc_webhook_get CODE [DIRECTION]
#   hookrpc_webhook_list [DIRECTION]       hookrpc_webhook_delete CODE [DIRECTION]
#   hookrpc_credential_get CODE [DIRECTION]   hookrpc_credential_warm CODE [DIRECTION]
#   hookrpc_credential_source CODE [DIRECTION]
#   hookrpc_credential_invalidate [CODE [DIRECTION]]
#
# Credential validation (does the credential work at the webhook's URL?):
#   hookrpc_validate_one CODE [DIRECTION]   hookrpc_validate_all [DIRECTION [CONCURRENCY [CODE...]]]
#   hookrpc_check_source CODE [DIRECTION]
#
# Migration of legacy credentials into Infisical (replies name secrets, never a value):
#   hookrpc_migrate plan|run|verify|rollback|status [OPTION...] [CODE...]
#     plan:     --direction OUT|IN|ALL  --from database|env|file  --naming TEMPLATE
#     run:      --direction  --from  --dry-run  --overwrite  --concurrency N
#     rollback: --delete-secret          status: --from          verify: no options
#
# Delivery:
#   hookrpc_deliver CODE PAYLOAD_JSON [WAIT]
#
# Inbound (hookd checks a received webhook's signature; the secret stays in hookd):
#   hookrpc_verify CODE BODY_FILE [HEADER...]   HEADER is 'Name: value'; URL from $HOOKRPC_VERIFY_URL
#                                               returns 0 valid, 1 invalid (the result JSON on stdout)
#
# Alerting:
#   hookrpc_alert_record CODE SUCCESS DURATION [STATUS]   (a notification: fire and forget)
#   hookrpc_alert_metrics [CODE]           hookrpc_alert_list
#
# Return codes of hookrpc_call / hookrpc_notify / hookrpc_raw / hookrpc_health (and of the
# wrappers, which return 2 for a wrong number of arguments):
#   0  success (hookrpc_call prints the result as compact JSON on stdout)
#   1  hookd answered with an error: "hookd error CODE (KIND): MESSAGE" on stderr;
#      for hookrpc_verify also an invalid signature (the result, valid false, on stdout)
#   2  usage error or PARAMS_JSON is not a single JSON object (nothing was sent)
#   3  transport failure: no socket, connection refused, timeout, no reply
#
# Variables read (never written):
#   HOOKRPC_SOCKET_PATH  explicit socket path (wins over everything, like --socket)
#   HOOKD_SOCKET, RUNTIME_DIRECTORY, XDG_RUNTIME_DIR   socket path resolution (see below)
#   HOOKRPC_TIMEOUT      seconds one call may take in total (default 10, fractions allowed)
#   HOOKRPC_VALIDATE_TIMEOUT  the same for hookrpc_validate_one / hookrpc_validate_all
#                        (default 300: one check may take its webhook's timeout_seconds)
#   HOOKRPC_MIGRATE_TIMEOUT  the same for hookrpc_migrate plan/run/verify/rollback (default
#                        86400: a run takes as long as there are webhooks; status: HOOKRPC_TIMEOUT)
#   HOOKRPC_VERIFY_URL   hookrpc_verify: the full URL the sender requested (twilio needs it)
#   HOOKD_TRUSTED_UID    uids (comma-separated) besides root and this user that may own the
#                        socket (and the directories above it) for credential.get and
#                        webhook.upsert; otherwise those return 3 and send nothing

# Print the socket path, resolved in the order every hookd client uses:
#   1. $HOOKRPC_SOCKET_PATH (explicit)   2. $HOOKD_SOCKET   (empty values count as unset)
#   3. $RUNTIME_DIRECTORY/hookd.sock (its first entry when colon-separated)
#   4. uid 0: /run/hookd/hookd.sock; others: $XDG_RUNTIME_DIR/hookd.sock, or
#      /tmp/hookd-<uid>/hookd.sock without XDG_RUNTIME_DIR; when that per-user path
#      does not exist but /run/hookd/hookd.sock does, the latter (the system daemon).
hookrpc_socket_path() {
    local system=/run/hookd/hookd.sock uid user_path
    if [[ -n ${HOOKRPC_SOCKET_PATH:-} ]]; then
        printf '%s\n' "$HOOKRPC_SOCKET_PATH"
    elif [[ -n ${HOOKD_SOCKET:-} ]]; then
        printf '%s\n' "$HOOKD_SOCKET"
    elif [[ -n ${RUNTIME_DIRECTORY:-} ]]; then
        # systemd joins several RuntimeDirectory= entries with ":"; the first is hookd's.
        user_path=${RUNTIME_DIRECTORY%%:*}
        printf '%s\n' "${user_path%/}/hookd.sock"
    else
        uid=${EUID:-$(id -u)}
        if [[ $uid == 0 ]]; then
            printf '%s\n' "$system"
            return 0
        fi
        if [[ -n ${XDG_RUNTIME_DIR:-} ]]; then
            user_path="${XDG_RUNTIME_DIR%/}/hookd.sock"
        else
            user_path="/tmp/hookd-$uid/hookd.sock"
        fi
        if [[ ! -e $user_path && -e $system ]]; then
            printf '%s\n' "$system"
        else
            printf '%s\n' "$user_path"
        fi
    fi
}

# Internal: print the timeout in seconds (validated): $HOOKRPC_TIMEOUT, default 10. A caller
# that needs another limit sets the locals _hookrpc_timeout_name (the variable to read) and
# _hookrpc_timeout_default, which this function sees through bash's dynamic scoping (see
# _hookrpc_validate_call).
_hookrpc_timeout() {
    local name=${_hookrpc_timeout_name:-HOOKRPC_TIMEOUT} default=${_hookrpc_timeout_default:-10}
    local t=${!name:-$default}
    if [[ $t =~ ^[0-9]+([.][0-9]+)?$ ]] && [[ ! $t =~ ^0+([.]0+)?$ ]]; then
        printf '%s\n' "$t"
    else
        printf 'hookrpc: ignoring invalid %s=%q, using %s\n' "$name" "$t" "$default" >&2
        printf '%s\n' "$default"
    fi
}

# Internal: _hookrpc_send PATH PAYLOAD
# Connects to PATH, writes PAYLOAD plus a final "\n", half-closes, and prints everything
# hookd sends until it closes the connection. The whole exchange is bounded by the
# timeout. Returns 0, or 3 with a message naming PATH on stderr.
_hookrpc_send() {
    local path=$1 payload=$2 t t_socat errf out rc=0 err
    t=$(_hookrpc_timeout)
    if [[ ! -e $path ]]; then
        printf 'hookrpc: cannot reach hookd: socket %s does not exist (is hookd running? set HOOKD_SOCKET)\n' "$path" >&2
        return 3
    fi
    if [[ ! -S $path ]]; then
        printf 'hookrpc: cannot reach hookd: %s is not a socket\n' "$path" >&2
        return 3
    fi
    # socat's own -t (wait after our EOF) is a little longer than the outer timeout so
    # that a hung daemon is always reported as a timeout (exit 124), never as "no reply".
    t_socat=$(awk -v t="$t" 'BEGIN { print t + 1 }')
    errf=$(mktemp "${TMPDIR:-/tmp}/hookrpc.XXXXXX") || {
        printf 'hookrpc: cannot create a temporary file\n' >&2
        return 3
    }
    # A here-string (not a pipe) keeps the status independent of the caller's pipefail.
    out=$(timeout -k 1 "$t" socat -t "$t_socat" - "UNIX-CONNECT:$path" 2>"$errf" <<<"$payload") || rc=$?
    err=$(<"$errf")
    rm -f -- "$errf"
    if ((rc == 124 || rc == 137)); then
        printf 'hookrpc: timed out after %ss talking to hookd at %s\n' "$t" "$path" >&2
        return 3
    fi
    if ((rc != 0)); then
        err=${err%%$'\n'*}
        err=${err##*): }   # socat: "2024/01/01 00:00:00 socat[42] E connect(...): Connection refused"
        printf 'hookrpc: cannot reach hookd at %s: %s\n' "$path" "${err:-socat exited with $rc}" >&2
        return 3
    fi
    if [[ -n $out ]]; then
        printf '%s\n' "$out"
    fi
    return 0
}

# Internal: _hookrpc_request METHOD ID PARAMS_JSON — print the compact request line
# (without "id" when ID is empty: a notification). Returns 2 when PARAMS_JSON is bad.
_hookrpc_request() {
    local method=$1 id=$2 params=$3 count
    if ! count=$(printf '%s' "$params" | jq -s 'length' 2>/dev/null); then
        printf 'hookrpc: params are not valid JSON: %s\n' "$params" >&2
        return 2
    fi
    if [[ $count != 1 ]]; then
        printf 'hookrpc: params must be exactly one JSON object, got %s values: %s\n' "$count" "$params" >&2
        return 2
    fi
    printf '%s' "$params" | jq -c --arg m "$method" --arg id "$id" '
        if type != "object" then error("params must be a JSON object (by-name), got \(type)")
        elif $id == "" then {jsonrpc: "2.0", method: $m, params: .}
        else {jsonrpc: "2.0", method: $m, params: ., id: $id} end' 2>/dev/null || {
        printf 'hookrpc: params must be a JSON object: %s\n' "$params" >&2
        return 2
    }
}

# Internal: shared argument checks of hookrpc_call / hookrpc_notify.
_hookrpc_args() {
    local fn=$1
    shift
    if (($# < 1 || $# > 2)) || [[ -z ${1:-} ]]; then
        printf 'usage: %s METHOD [PARAMS_JSON]\n' "$fn" >&2
        return 2
    fi
    _hookrpc_require_tools
}

# Internal: returns 2 with a message when socat or jq is missing from PATH.
_hookrpc_require_tools() {
    if ! command -v socat >/dev/null || ! command -v jq >/dev/null; then
        printf 'hookrpc: needs socat and jq on PATH\n' >&2
        return 2
    fi
}

# Internal: _hookrpc_check_listener PATH METHOD — before a secret-bearing call: prints PATH
# with symbolic links resolved (connect to that, so a link swapped after the check cannot
# redirect the call), or returns 3 with a message (nothing sent) unless only a trusted uid (root, this user, or one listed in
# $HOOKD_TRUSTED_UID, comma-separated) can have bound PATH. socat cannot read the server's
# SO_PEERCRED as the Swift and Python clients do, so this checks what decides it: the socket
# file belongs to the uid that bound it, and no one else may replace it while its directory
# and every directory above are owned by trusted uids and not writable by group or others
# (sticky ones such as /tmp excepted: there only an entry's owner may rename or remove it).
_hookrpc_check_listener() {
    local path=$1 method=$2 trusted owner mode directory
    trusted=",0,${EUID:-$(id -u)},${HOOKD_TRUSTED_UID:-},"
    trusted=${trusted// /}
    if [[ ! -S $path ]]; then
        printf '%s\n' "$path" # _hookrpc_send reports a missing socket
        return 0
    fi
    path=$(readlink -f -- "$path") && owner=$(stat -c %u -- "$path" 2>/dev/null) || {
        printf 'hookrpc: refusing to send %s: cannot inspect the socket %s (nothing was sent)\n' "$method" "$1" >&2
        return 3
    }
    if [[ $trusted != *",$owner,"* ]]; then
        printf 'hookrpc: refusing to send %s: the socket %s belongs to uid %s, neither root nor this user; set HOOKD_TRUSTED_UID=%s if that is really hookd (nothing was sent)\n' \
            "$method" "$path" "$owner" "$owner" >&2
        return 3
    fi
    directory=$path
    while [[ $directory != / ]]; do
        directory=${directory%/*}
        directory=${directory:-/}
        read -r owner mode < <(stat -c '%u %a' -- "$directory" 2>/dev/null) || owner=unknown
        if [[ $trusted != *",$owner,"* ]] || { ((8#${mode:-0} & 8#022)) && ! ((8#${mode:-0} & 8#1000)); }; then
            printf 'hookrpc: refusing to send %s: %s (above the socket %s) belongs to uid %s with mode %s, so another user could have put a socket there; set HOOKD_TRUSTED_UID=%s if that uid is trusted (nothing was sent)\n' \
                "$method" "$directory" "$path" "$owner" "${mode:-unknown}" "$owner" >&2
            return 3
        fi
    done
    printf '%s\n' "$path"
}

# hookrpc_call METHOD [PARAMS_JSON]
# Call METHOD with PARAMS_JSON (a JSON object; omitted means {}). Prints the result as
# compact JSON on stdout. See the return codes at the top of this file. A secret-bearing
# METHOD (credential.get, webhook.upsert) is sent only to a socket that a trusted uid bound
# (see _hookrpc_check_listener); otherwise it returns 3 and sends nothing.
hookrpc_call() {
    _hookrpc_args hookrpc_call "$@" || return
    local method=$1 params=${2-"{}"} path id req out resp
    id="sh-$$-${BASHPID:-0}-$RANDOM$RANDOM"
    req=$(_hookrpc_request "$method" "$id" "$params") || return
    path=$(hookrpc_socket_path)
    if [[ $method == credential.get || $method == webhook.upsert ]]; then
        path=$(_hookrpc_check_listener "$path" "$method") || return
    fi
    out=$(_hookrpc_send "$path" "$req") || return
    # The response with our id; failing that an error with id null (e.g. overloaded,
    # too_large, parse error), which the daemon sends when it could not read our id.
    resp=$(jq -cnR --arg id "$id" '
        [inputs | fromjson? | select(type == "object" and has("jsonrpc"))]
        | (map(select(.id == $id)) + map(select(.id == null and has("error"))))[0] // empty
        ' 2>/dev/null <<<"$out")
    if [[ -z $resp ]]; then
        printf 'hookrpc: no reply from hookd at %s to %s (connection closed)\n' "$path" "$method" >&2
        return 3
    fi
    if jq -e 'has("error")' >/dev/null <<<"$resp"; then
        jq -r '.error |
            "hookd error \(.code) (\(.data.kind? // "unknown")): \(.message // "")"' >&2 <<<"$resp"
        return 1
    fi
    jq -c '.result' <<<"$resp"
}

# hookrpc_notify METHOD [PARAMS_JSON]
# Send METHOD as a notification (no id; hookd never answers). Returns once hookd has
# closed the connection (it does so after handling what it read), so a following call
# sees the notification's effect. Returns 0, 2 or 3.
hookrpc_notify() {
    _hookrpc_args hookrpc_notify "$@" || return
    local method=$1 params=${2-"{}"} req
    req=$(_hookrpc_request "$method" "" "$params") || return
    _hookrpc_send "$(hookrpc_socket_path)" "$req" >/dev/null
}

# hookrpc_raw LINE
# Send LINE verbatim, then the conformance sentinel request; print every response line
# received before the sentinel's response, one per line. Returns 0, or 3 on a transport
# failure (including no response at all: not even the sentinel's). When hookd closes
# the connection without answering the sentinel (e.g. after too_large) the lines
# received are printed, a note goes to stderr, and the return code is 0.
hookrpc_raw() {
    if (($# != 1)); then
        printf 'usage: hookrpc_raw LINE\n' >&2
        return 2
    fi
    local sentinel='{"jsonrpc":"2.0","method":"system.echo","params":{"value":"__sentinel__"},"id":"__sentinel__"}'
    local path out line seen=0 late=0
    path=$(hookrpc_socket_path)
    out=$(_hookrpc_send "$path" "$1"$'\n'"$sentinel") || return
    if [[ -z $out ]]; then
        printf 'hookrpc: no reply from hookd at %s (not even to the sentinel)\n' "$path" >&2
        return 3
    fi
    while IFS= read -r line; do
        if ((seen)); then
            late=$((late + 1))
        elif [[ $line == *__sentinel__* ]] &&
            jq -e 'type == "object" and .id == "__sentinel__"' >/dev/null 2>&1 <<<"$line"; then
            seen=1
        else
            printf '%s\n' "$line"
        fi
    done <<<"$out"
    if ((!seen)); then
        printf 'hookrpc: hookd at %s closed the connection without answering the sentinel\n' "$path" >&2
    elif ((late)); then
        # Responses may come in any order; the spec's procedure counts only what precedes
        # the sentinel's response. Say so, as it explains a failing conformance case.
        printf 'hookrpc: note: %d response line(s) arrived after the sentinel'\''s (not printed)\n' "$late" >&2
    fi
    return 0
}

# hookrpc_health — print system.health's result (status, version, uptime_s, ...).
hookrpc_health() {
    hookrpc_call system.health '{}'
}

# ---------------------------------------------------------------- webhooks and credentials
# Thin wrappers over hookrpc_call (same output and return codes). Params are built with
# jq --arg, so CODE and DIRECTION reach hookd as JSON strings whatever they contain; an
# omitted DIRECTION is left out (hookd's default: OUT; for list/invalidate: any).

# Internal: _hookrpc_key_params FN MIN_ARGS ARGS... — print {code?, direction?} for
# [CODE [DIRECTION]]; returns 2 with a usage line when the arguments do not fit.
_hookrpc_key_params() {
    local fn=$1 min=$2
    shift 2
    if (($# < min || $# > 2)) || { (($# >= 1)) && [[ -z $1 ]]; }; then
        if ((min == 0)); then
            printf 'usage: %s [CODE [DIRECTION]]\n' "$fn" >&2
        else
            printf 'usage: %s CODE [DIRECTION]\n' "$fn" >&2
        fi
        return 2
    fi
    _hookrpc_require_tools || return
    jq -cn --arg code "${1-}" --arg direction "${2-}" --argjson n "$#" '
        (if $n >= 1 then {code: $code} else {} end)
        + (if $n >= 2 then {direction: $direction} else {} end)'
}

# Internal: _hookrpc_optional_call FN ARG_NAME METHOD PARAM [VALUE] — call METHOD with
# {PARAM: VALUE}, or {} without VALUE; returns 2 with a usage line for more, or an empty VALUE.
_hookrpc_optional_call() {
    local fn=$1 argument=$2 method=$3 param=$4
    shift 4
    if (($# > 1)) || { (($# == 1)) && [[ -z $1 ]]; }; then
        printf 'usage: %s [%s]\n' "$fn" "$argument" >&2
        return 2
    fi
    _hookrpc_require_tools || return
    local params
    params=$(jq -cn --arg param "$param" --arg value "${1-}" --argjson n "$#" 'if $n == 1 then {($param): $value} else {} end')
    hookrpc_call "$method" "$params"
}

# hookrpc_credential_get CODE [DIRECTION]
# Prints credential.get's result: {code, direction, auth_type, credential, source,
# cache: {hit, tier, age_s, ttl_s}}. The secret is .credential; keep it out of logs.
hookrpc_credential_get() {
    local params
    params=$(_hookrpc_key_params hookrpc_credential_get 1 "$@") || return
    hookrpc_call credential.get "$params"
}

# hookrpc_credential_warm CODE [DIRECTION]
# Brings the credential into hookd's cache without returning it; prints {cached, tier, ttl_s}.
hookrpc_credential_warm() {
    local params
    params=$(_hookrpc_key_params hookrpc_credential_warm 1 "$@") || return
    hookrpc_call credential.warm "$params"
}

# hookrpc_credential_source CODE [DIRECTION]
# Prints {code, direction, source, ref, exists, cached, uses_database, error?}.
hookrpc_credential_source() {
    local params
    params=$(_hookrpc_key_params hookrpc_credential_source 1 "$@") || return
    hookrpc_call credential.source "$params"
}

# hookrpc_credential_invalidate [CODE [DIRECTION]]
# Drops cached credentials (all of them without CODE); prints {"invalidated": N}.
hookrpc_credential_invalidate() {
    local params
    params=$(_hookrpc_key_params hookrpc_credential_invalidate 0 "$@") || return
    hookrpc_call credential.invalidate "$params"
}

# hookrpc_webhook_get CODE [DIRECTION]
# Prints the webhook (never its secret); exit 1 with -32002 (not_found) when unregistered.
hookrpc_webhook_get() {
    local params
    params=$(_hookrpc_key_params hookrpc_webhook_get 1 "$@") || return
    hookrpc_call webhook.get "$params"
}

# hookrpc_webhook_list [DIRECTION]
# Prints {"webhooks": [...]}, all directions unless DIRECTION (OUT or IN) is given.
hookrpc_webhook_list() {
    _hookrpc_optional_call hookrpc_webhook_list DIRECTION webhook.list direction "$@"
}

# hookrpc_webhook_upsert JSON
# Creates or replaces a webhook; JSON is webhook.upsert's params object, e.g.
#   '{"code":"W1","url":"https://x/y","auth_type":"bearer","credential":{"source":"env"}}'
# Prints the stored webhook. A bad field: exit 1, -32602 naming the field.
hookrpc_webhook_upsert() {
    if (($# != 1)); then
        printf 'usage: hookrpc_webhook_upsert JSON\n' >&2
        return 2
    fi
    hookrpc_call webhook.upsert "$1"
}

# hookrpc_webhook_delete CODE [DIRECTION]
# Prints {"deleted": true|false}.
hookrpc_webhook_delete() {
    local params
    params=$(_hookrpc_key_params hookrpc_webhook_delete 1 "$@") || return
    hookrpc_call webhook.delete "$params"
}

# ---------------------------------------------------------------- credential validation
# hookd requests an OUT webhook's URL (HEAD, then GET on 405) with the credential applied and
# reports VALID (2xx/3xx, other 4xx), INVALID (401/403/404/410), ERROR (429, 5xx, timeout,
# connection or TLS failure) or UNTESTED (a webhook it cannot test, e.g. type SERVICE). The
# results never hold the secret. Same output and return codes as hookrpc_call.

# Internal: _hookrpc_validate_call METHOD PARAMS_JSON — hookrpc_call bounded by
# $HOOKRPC_VALIDATE_TIMEOUT (default 300 s) instead of $HOOKRPC_TIMEOUT: one check may take
# up to its webhook's timeout_seconds (at most 300), and validate.all runs many of them.
_hookrpc_validate_call() {
    local _hookrpc_timeout_name=HOOKRPC_VALIDATE_TIMEOUT _hookrpc_timeout_default=300
    hookrpc_call "$1" "$2"
}

# hookrpc_validate_one CODE [DIRECTION]
# Prints {code, direction, status: VALID|INVALID|UNTESTED|ERROR, message, details: {url, method,
# status_code?, latency_ms?, credential_source, auth_type, tls_expires_in_days?, checked_at}}.
# Exit 1 with -32002 (not_found) when CODE is not registered.
hookrpc_validate_one() {
    local params
    params=$(_hookrpc_key_params hookrpc_validate_one 1 "$@") || return
    _hookrpc_validate_call validate.one "$params"
}

# hookrpc_validate_all [DIRECTION [CONCURRENCY [CODE...]]]
# Validates every webhook (of DIRECTION: OUT, IN or ALL, hookd's default ALL), CONCURRENCY at a
# time (1..64, hookd's default 8), or only the CODEs given. Prints {results: [...as
# hookrpc_validate_one...], summary: {valid, invalid, untested, errors, total}, duration_ms}.
# The whole run is bounded by HOOKRPC_VALIDATE_TIMEOUT; raise it for many slow webhooks.
hookrpc_validate_all() {
    local usage='usage: hookrpc_validate_all [DIRECTION [CONCURRENCY [CODE...]]]' code
    if { (($# >= 1)) && [[ -z $1 ]]; } || { (($# >= 2)) && [[ -z $2 ]]; }; then
        printf '%s\n' "$usage" >&2
        return 2
    fi
    if (($# >= 2)) && [[ ! $2 =~ ^[0-9]{1,9}$ ]]; then
        printf '%s\nhookrpc: CONCURRENCY must be a whole number (1 to 64), got %q\n' "$usage" "$2" >&2
        return 2
    fi
    for code in "${@:3}"; do
        if [[ -z $code ]]; then
            printf '%s\nhookrpc: a CODE must not be empty\n' "$usage" >&2
            return 2
        fi
    done
    _hookrpc_require_tools || return
    local params
    params=$(jq -cn --arg direction "${1-}" --arg concurrency "${2-}" --argjson n "$#" '
        (if $n >= 1 then {direction: $direction} else {} end)
        + (if $n >= 2 then {concurrency: ($concurrency | tonumber)} else {} end)
        + (if $n >= 3 then {codes: $ARGS.positional} else {} end)' --args -- "${@:3}") || return 2
    _hookrpc_validate_call validate.all "$params"
}

# hookrpc_check_source CODE [DIRECTION]
# credential.source under the validation tooling's name (same as hookrpc_credential_source):
# prints {code, direction, source, ref, exists, cached, uses_database, error?}, never the value.
hookrpc_check_source() {
    local params
    params=$(_hookrpc_key_params hookrpc_check_source 1 "$@") || return
    hookrpc_call credential.source "$params"
}

# ---------------------------------------------------------------- migration into Infisical
# hookd moves webhooks' credentials from the legacy database (or env, or file) into Infisical:
# plan (reads only), run (write, read back, switch, invalidate, audit; journaled, resumable),
# verify, rollback, status. Infisical must be configured in hookd (infisical.client_id, ...),
# or every call exits 1 with -32010 (invalid_config). Same output and return codes as
# hookrpc_call: a reply listing failed or conflicting webhooks still returns 0, so read
# .summary (the hookrpc CLI's `migrate` turns it into exit 1 or 2).

# hookrpc_migrate SUBCOMMAND [OPTION...] [CODE...]
# Calls migrate.SUBCOMMAND (plan, run, verify, rollback or status) for the CODEs given (none:
# every webhook) and prints the result JSON:
#   plan     {webhooks: [{code, direction, source, secret_name, secret_path, environment,
#            action: create|skip_same|conflict|unreadable, reason?}], summary: {total, create, ...}}
#   run      {dry_run, results: [{code, direction, secret_name, outcome: migrated|skipped|conflict|
#            failed, written, reason?}], summary: {total, migrated, skipped, conflict, failed}}
#   verify   {results: [{code, direction, secret_name, ok, present, equal, registry,
#            validation_before, validation_after, reason?}], summary: {ok, failed, total}}
#   rollback {results: [{code, direction, secret_name, outcome: rolled_back|failed,
#            secret_deleted, reason?}], summary: {rolled_back, failed, total}}
#   status   {webhooks: [{code, direction, state, step?, secret_name, reason?, updated_at?, ...}],
#            summary: {total, planned, in_progress, migrated, rolled_back, failed}}
# OPTIONs come before the CODEs (`--` ends them), each only where it applies:
#   --direction OUT|IN|ALL (plan, run)        --from database|env|file (plan, run, status)
#   --naming TEMPLATE (plan)                  --concurrency N (run; hookd takes 1 to 32)
#   --dry-run, --overwrite (run)              --delete-secret (rollback)
# A run asks nothing: this function is for scripts (use --dry-run to see what it would do).
# plan, run, verify and rollback are bounded by HOOKRPC_MIGRATE_TIMEOUT (default 86400 s),
# status by HOOKRPC_TIMEOUT. Returns 2 for an unknown SUBCOMMAND, an OPTION the SUBCOMMAND
# does not take or a bad value, an empty CODE (nothing sent); else as hookrpc_call.
hookrpc_migrate() {
    local usage='usage: hookrpc_migrate plan|run|verify|rollback|status [OPTION...] [CODE...]'
    if (($# < 1)); then
        printf '%s\n' "$usage" >&2
        return 2
    fi
    local subcommand=$1 allowed
    shift
    # Each list has a blank before and after every option, so a match is a whole option.
    case $subcommand in
        plan) allowed=' --direction --from --naming ' ;;
        run) allowed=' --direction --from --dry-run --overwrite --concurrency ' ;;
        verify) allowed=' ' ;;
        rollback) allowed=' --delete-secret ' ;;
        status) allowed=' --from ' ;;
        *)
            printf '%s\nhookrpc: SUBCOMMAND must be plan, run, verify, rollback or status, got %q\n' "$usage" "$subcommand" >&2
            return 2
            ;;
    esac
    local option value expected direction='' from='' naming='' concurrency='' dry_run=0 overwrite=0 delete_secret=0 code
    while (($# > 0)) && [[ $1 == -* ]]; do
        option=$1
        shift
        [[ $option == -- ]] && break
        if [[ $allowed != *" $option "* ]]; then
            value=${allowed# }
            value=${value% }
            printf '%s\nhookrpc: hookrpc_migrate %s does not take %q (it takes: %s)\n' "$usage" "$subcommand" "$option" \
                "${value:-no options}" >&2
            return 2
        fi
        case $option in
            --dry-run) dry_run=1 ;;
            --overwrite) overwrite=1 ;;
            --delete-secret) delete_secret=1 ;;
            *)
                if (($# < 1)) || [[ -z $1 ]]; then
                    printf '%s\nhookrpc: %s needs a value\n' "$usage" "$option" >&2
                    return 2
                fi
                value=$1
                shift
                expected=
                case $option in
                    --direction) if [[ $value =~ ^(OUT|IN|ALL)$ ]]; then direction=$value; else expected='OUT, IN or ALL'; fi ;;
                    --from) if [[ $value =~ ^(database|env|file)$ ]]; then from=$value; else expected='database, env or file'; fi ;;
                    --naming) naming=$value ;;
                    --concurrency)
                        if [[ $value =~ ^[0-9]{1,9}$ ]]; then concurrency=$value; else expected='a whole number (hookd takes 1 to 32)'; fi
                        ;;
                esac
                if [[ -n $expected ]]; then
                    printf '%s\nhookrpc: %s must be %s, got %q\n' "$usage" "$option" "$expected" "$value" >&2
                    return 2
                fi
                ;;
        esac
    done
    for code in "$@"; do
        if [[ -z $code ]]; then
            printf '%s\nhookrpc: a CODE must not be empty\n' "$usage" >&2
            return 2
        fi
    done
    _hookrpc_require_tools || return
    local params
    params=$(jq -cn --arg direction "$direction" --arg from "$from" --arg naming "$naming" --arg concurrency "$concurrency" \
        --argjson dry_run "$dry_run" --argjson overwrite "$overwrite" --argjson delete_secret "$delete_secret" '
        (if $direction == "" then {} else {direction: $direction} end)
        + (if $from == "" then {} else {from: $from} end)
        + (if $naming == "" then {} else {naming: $naming} end)
        + (if $dry_run == 1 then {dry_run: true} else {} end)
        + (if $overwrite == 1 then {overwrite: true} else {} end)
        + (if $concurrency == "" then {} else {concurrency: ($concurrency | tonumber)} end)
        + (if $delete_secret == 1 then {delete_secret: true} else {} end)
        + ($ARGS.positional | if length == 0 then {} else {codes: .} end)' --args -- "$@") || return 2
    if [[ $subcommand != status ]]; then
        local _hookrpc_timeout_name=HOOKRPC_MIGRATE_TIMEOUT _hookrpc_timeout_default=86400
    fi
    hookrpc_call "migrate.$subcommand" "$params"
}

# ---------------------------------------------------------------- delivery
# hookd sends the webhook: the payload is committed to its queue, the credential applied inside
# hookd, the call retried by schedule until delivered or dead. Other delivery.* methods (get,
# list, cancel, stats) are reachable with hookrpc_call.

# hookrpc_deliver CODE PAYLOAD_JSON [WAIT]
# Queues PAYLOAD_JSON (any JSON value) for webhook CODE; WAIT is accepted (default: answer once
# queued), first_attempt or final. Prints {delivery_id, status, attempt?}. Returns 2 when
# PAYLOAD_JSON is not JSON or WAIT is not one of the three (nothing sent), else as hookrpc_call;
# first_attempt/final are bounded by HOOKRPC_DELIVER_TIMEOUT (default 35 s; hookd waits 30 s).
hookrpc_deliver() {
    local usage='usage: hookrpc_deliver CODE PAYLOAD_JSON [accepted|first_attempt|final]'
    if (($# < 2 || $# > 3)) || [[ -z $1 ]]; then
        printf '%s\n' "$usage" >&2
        return 2
    fi
    local wait=${3:-accepted}
    case $wait in
        accepted | first_attempt | final) ;;
        *)
            printf '%s\nhookrpc: WAIT must be accepted, first_attempt or final, got %q\n' "$usage" "$wait" >&2
            return 2
            ;;
    esac
    _hookrpc_require_tools || return
    local params
    if ! params=$(jq -cn --arg code "$1" --argjson payload "$2" --arg wait "$wait" \
        '{code: $code, payload: $payload, wait: $wait}' 2>/dev/null); then
        printf '%s\nhookrpc: PAYLOAD_JSON is not valid JSON\n' "$usage" >&2
        return 2
    fi
    local _hookrpc_timeout_name=HOOKRPC_DELIVER_TIMEOUT _hookrpc_timeout_default=35
    hookrpc_call webhook.deliver "$params"
}

# ---------------------------------------------------------------- inbound
# hookd checks a received webhook's signature with the IN webhook's hmac credential (scheme,
# tolerance and replay protection from its definition), so the signing secret never leaves it.

# hookrpc_verify CODE BODY_FILE [HEADER...]
# Asks hookd whether the request (its exact body in BODY_FILE, its headers as 'Name: value'
# arguments) is genuinely from CODE's sender; prints inbound.verify's result, e.g.
# {"valid":true,"scheme":"github","signed_with":"current"} or {"valid":false,"scheme":"stripe",
# "reason":"bad_signature"}. The body goes base64-encoded, so any bytes work (the request line
# is limited to hookd's 1 MiB by default). A header given twice is sent once with its values
# joined by ", ". $HOOKRPC_VERIFY_URL, when set, is sent as the url (twilio). A twilio form POST
# also needs its params: use hookrpc_call inbound.verify for that. Needs base64 (coreutils) and
# jq >= 1.6 (--rawfile).
# Returns 0 valid; 1 invalid (the result on stdout) or a hookd error (on stderr, as
# hookrpc_call); 2 usage error: no CODE, BODY_FILE not a readable file, a HEADER not
# 'Name: value' (nothing sent); 3 transport failure.
hookrpc_verify() {
    local usage="usage: hookrpc_verify CODE BODY_FILE ['Name: value'...]"
    if (($# < 2)) || [[ -z $1 || -z $2 ]]; then
        printf '%s\n' "$usage" >&2
        return 2
    fi
    local code=$1 file=$2 header names=() values=()
    shift 2
    if [[ ! -f $file || ! -r $file ]]; then
        printf '%s\nhookrpc: BODY_FILE %q is not a readable file\n' "$usage" "$file" >&2
        return 2
    fi
    # A field name is a token (RFC 9110): no space, no colon; the value loses surrounding blanks.
    local syntax="^([-!#\$%&'*+.^_\`|~0-9A-Za-z]+):[[:blank:]]*(.*)\$"
    for header in "$@"; do
        if [[ ! $header =~ $syntax ]]; then
            printf "%s\nhookrpc: HEADER must be 'Name: value', got %q\n" "$usage" "$header" >&2
            return 2
        fi
        names+=("${BASH_REMATCH[1]}")
        header=${BASH_REMATCH[2]}
        values+=("${header%"${header##*[![:blank:]]}"}")
    done
    _hookrpc_require_tools || return
    local encoded params rc=0
    encoded=$(mktemp "${TMPDIR:-/tmp}/hookrpc-body.XXXXXX") || {
        printf 'hookrpc: cannot create a temporary file\n' >&2
        return 3
    }
    if ! base64 -w0 -- "$file" >"$encoded"; then
        rm -f -- "$encoded"
        printf 'hookrpc: cannot read BODY_FILE %s\n' "$file" >&2
        return 2
    fi
    # --rawfile, not --arg: a body's base64 may be longer than one command-line argument may be.
    params=$(jq -cn --arg code "$code" --rawfile body "$encoded" --arg url "${HOOKRPC_VERIFY_URL:-}" \
        --argjson count "${#names[@]}" '
        ($ARGS.positional[:$count]) as $names | ($ARGS.positional[$count:]) as $values
        | {code: $code,
           headers: (reduce range(0; $count) as $i ({};
               . as $seen | ($names[$i] | ascii_downcase) as $low
               | ([$seen | keys_unsorted[] | select(ascii_downcase == $low)] | first) as $known
               | if $known == null then . + {($names[$i]): $values[$i]}
                 else .[$known] += ", " + $values[$i] end)),
           body_base64: $body}
        + (if $url == "" then {} else {url: $url} end)' --args -- ${names[@]+"${names[@]}"} ${values[@]+"${values[@]}"}) || rc=$?
    rm -f -- "$encoded"
    if ((rc != 0)); then
        printf 'hookrpc: cannot build the request (jq exited with %s)\n' "$rc" >&2
        return 2
    fi
    local result
    result=$(hookrpc_call inbound.verify "$params") || return
    printf '%s\n' "$result"
    jq -e '.valid == true' >/dev/null 2>&1 <<<"$result" || return 1
}

# ---------------------------------------------------------------- alerting
# hookd keeps a sliding window of call outcomes per webhook code and fires alerts
# (high_failure_rate, auth_failures, high_latency) from it, and from its own deliveries
# (delivery_failing, webhook_disabled, delivery_dead). Other alert.* methods
# (history, silence, unsilence, config, test) are reachable with hookrpc_call.

# hookrpc_alert_record CODE SUCCESS DURATION [STATUS]
# Reports one webhook call as an alert.record NOTIFICATION (fire and forget; prints
# nothing): SUCCESS is true or false, DURATION seconds (e.g. 0.25), STATUS the HTTP status
# (401/403 count as auth failures). Returns 0 once hookd has read it, 2 for bad arguments
# (nothing sent), 3 when hookd cannot be reached. hookd never answers a notification, so
# a CODE it refuses (not 1-64 of A-Z, 0-9, _) is dropped silently; to see the outcome use
#   hookrpc_call alert.record '{"webhook_code":"W1","success":false,"duration":0.2}'
# which prints {"recorded":true,"fired":[...]}.
hookrpc_alert_record() {
    local usage='usage: hookrpc_alert_record CODE SUCCESS(true|false) DURATION [STATUS]'
    if (($# < 3 || $# > 4)) || [[ -z $1 ]]; then
        printf '%s\n' "$usage" >&2
        return 2
    fi
    if [[ $2 != true && $2 != false ]]; then
        printf '%s\nhookrpc: SUCCESS must be true or false, got %q\n' "$usage" "$2" >&2
        return 2
    fi
    if [[ ! $3 =~ ^[0-9]+([.][0-9]+)?$ ]]; then
        printf '%s\nhookrpc: DURATION must be zero or more seconds (e.g. 0.25), got %q\n' "$usage" "$3" >&2
        return 2
    fi
    if (($# == 4)) && [[ ! $4 =~ ^[1-5][0-9][0-9]$ ]]; then
        printf '%s\nhookrpc: STATUS must be an HTTP status from 100 to 599, got %q\n' "$usage" "$4" >&2
        return 2
    fi
    _hookrpc_require_tools || return
    local params
    params=$(jq -cn --arg code "$1" --argjson success "$2" --arg duration "$3" --arg status "${4-}" '
        {webhook_code: $code, success: $success, duration: ($duration | tonumber)}
        + (if $status == "" then {} else {status_code: ($status | tonumber)} end)') || return 2
    hookrpc_notify alert.record "$params"
}

# hookrpc_alert_metrics [CODE]
# Prints CODE's window numbers: {webhook_code, window_minutes, total_calls, successful_calls,
# failed_calls, failure_rate (percent), auth_failures, avg/p50/p95/p99/max_latency,
# active_alerts} (zeros for a code without calls). Without CODE: {"webhooks": [...]}.
hookrpc_alert_metrics() {
    _hookrpc_optional_call hookrpc_alert_metrics CODE alert.metrics webhook_code "$@"
}

# hookrpc_alert_list
# Prints {"alerts": [{webhook_code, alert_type, severity, value, first_fired_at,
# last_notified_at, silenced_until}, ...]}: the alerts firing now.
hookrpc_alert_list() {
    if (($# != 0)); then
        printf 'usage: hookrpc_alert_list\n' >&2
        return 2
    fi
    hookrpc_call alert.list '{}'
}
