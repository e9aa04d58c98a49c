#!/usr/bin/env bash
# Tests for systemd/: unit syntax and hardening (offline), sysusers/tmpfiles snippets (in a
# scratch root), socket activation and sd_notify against the real hookd binary.
#
#   bash systemd/tests/run.sh            # HOOKD_BIN defaults to <repo>/.build/debug/hookd
#
# Needs systemd-analyze, systemd-socket-activate, systemd-sysusers, systemd-tmpfiles (the
# "systemd" package; no running systemd), socat and jq. Every process it starts is
# stopped by pid on exit. Prints "ok - NAME" / "not ok - NAME: DETAIL" per test, then
# "N passed, M failed"; exits non-zero when anything failed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
units=$(cd "$here/.." && pwd)
repo=$(cd "$units/.." && pwd)
HOOKD_BIN=${HOOKD_BIN:-$repo/.build/debug/hookd}

# shellcheck source=../../scripts/lib/testing.sh
source "$repo/scripts/lib/testing.sh"
# shellcheck source=../../scripts/lib/processes.sh
source "$repo/scripts/lib/processes.sh"
passed=0
failed=0

require_tools "apt-get install systemd socat jq" systemd-analyze systemd-socket-activate systemd-sysusers systemd-tmpfiles socat jq timeout
require_executable "hookd binary" "$HOOKD_BIN" "build hookd first (make test does): $HOOKD_BIN not found"
HOOKD_BIN=$(cd "$(dirname "$HOOKD_BIN")" && pwd)/$(basename "$HOOKD_BIN")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hookd-systemd-test.XXXXXX")
# Every background process started below is tracked (track_pid) and stopped by pid on exit,
# the last started first.
cleanup() {
    stop_tracked_pids
    if ((failed > 0)); then
        for log in "$tmp"/*.log; do
            [[ -s $log ]] || continue
            echo "# last lines of ${log##*/}:" >&2
            tail -n 20 "$log" | sed 's/^/#   /' >&2
        done
    fi
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_grep() { # FILE STRING SECONDS: until FILE contains STRING
    local file=$1 string=$2 i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -qF -- "$string" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# rpc SOCKET LINE: send one request line, print the reply lines (bounded by timeout).
rpc() {
    timeout -k 1 15 socat -t 10 - "UNIX-CONNECT:$1" <<<"$2" 2>&1
}
echo_request() { # ID VALUE
    jq -cn --arg id "$1" --arg v "$2" '{jsonrpc: "2.0", method: "system.echo", params: {value: $v}, id: $id}'
}
# hookd_env: the environment a test hookd starts with — nothing inherited that could
# redirect it (socket, activation, notify, watchdog variables).
hookd_env=(env -u HOOKD_SOCKET -u LISTEN_FDS -u LISTEN_PID -u LISTEN_FDNAMES -u NOTIFY_SOCKET
    -u WATCHDOG_USEC -u WATCHDOG_PID -u RUNTIME_DIRECTORY -u STATE_DIRECTORY)

# ---------------------------------------------------------------- 1. unit files (offline)
mkdir -p "$tmp/units"
cp "$units/hookd.socket" "$units/hookd.service" "$tmp/units/"
# verify checks that ExecStart's binary exists: point it at the binary under test.
sed -i "s|^ExecStart=/usr/local/bin/hookd |ExecStart=\"$HOOKD_BIN\" |" "$tmp/units/hookd.service"
if ! grep -qF "ExecStart=\"$HOOKD_BIN\" --config /etc/hookd/hookd.yaml" "$tmp/units/hookd.service"; then
    not_ok "hookd.service ExecStart" "expected ExecStart=/usr/local/bin/hookd --config /etc/hookd/hookd.yaml"
fi
out=$(cd "$tmp/units" && systemd-analyze verify --man=no "$tmp/units/hookd.socket" "$tmp/units/hookd.service" 2>&1)
rc=$?
if ((rc == 0)) && [[ -z $out ]]; then
    ok "systemd-analyze verify hookd.socket hookd.service: no errors, no warnings"
else
    not_ok "systemd-analyze verify hookd.socket hookd.service" "exit $rc: $out"
fi

# Exposure on systemd-analyze's 0..10 scale (threshold given in tenths); "OK" is below 4.
out=$(cd "$tmp/units" && systemd-analyze security --offline=yes --threshold=15 --no-pager "$tmp/units/hookd.service" 2>&1)
rc=$?
level=$(grep -o 'Overall exposure level for hookd.service: [0-9.]*' <<<"$out" | grep -o '[0-9.]*$')
if ((rc == 0)) && [[ -n $level ]]; then
    ok "hardening: systemd-analyze security --offline exposure $level <= 1.5"
else
    not_ok "hardening: systemd-analyze security --offline exposure <= 1.5" \
        "exit $rc, exposure ${level:-?}: $(grep '✗' <<<"$out")"
fi

# A crash must not write hookd's memory (every credential) to disk.
if grep -qx 'LimitCORE=0' "$units/hookd.service"; then
    ok "hookd.service sets LimitCORE=0"
else
    not_ok "hookd.service sets LimitCORE=0" "no LimitCORE=0 line in $units/hookd.service"
fi

# The socket must not live inside the service's RuntimeDirectory (deleted on stop).
listen=$(sed -n 's/^ListenStream=//p' "$units/hookd.socket")
rundirs=$(sed -n 's/^RuntimeDirectory=//p' "$units/hookd.service")
inside=
for d in $rundirs; do
    [[ $listen == "/run/$d/"* ]] && inside=$d
done
if [[ $listen == /* && -z $inside ]]; then
    ok "socket $listen is outside RuntimeDirectory=$rundirs"
else
    not_ok "socket outside RuntimeDirectory" "ListenStream=$listen, RuntimeDirectory=$rundirs"
fi

# ---------------------------------------------------------------- 2. sysusers.d / tmpfiles.d
root=$tmp/root
mkdir -p "$root/etc"
out=$(systemd-sysusers --root="$root" "$units/sysusers.d/hookd.conf" 2>&1)
rc=$?
pw=$(grep '^hookd:' "$root/etc/passwd" 2>/dev/null)
gid=$(awk -F: '$1 == "hookd" { print $3 }' "$root/etc/group" 2>/dev/null)
if ((rc == 0)) && [[ $pw == hookd:x:*:*:"hookd webhook daemon":/var/lib/hookd:* && -n $gid ]]; then
    ok "sysusers.d/hookd.conf creates user and group hookd (home /var/lib/hookd)"
else
    not_ok "sysusers.d/hookd.conf" "exit $rc: $out; passwd entry [$pw]"
fi
out=$(systemd-tmpfiles --root="$root" --create "$units/tmpfiles.d/hookd.conf" 2>&1)
rc=$?
got=$(stat -c '%n %a %u %g' "$root/etc/hookd" "$root/etc/hookd/credentials" 2>&1)
want="$root/etc/hookd 750 0 $gid"$'\n'"$root/etc/hookd/credentials 700 0 0"
if ((rc == 0)) && [[ -z $out && $got == "$want" ]]; then
    ok "tmpfiles.d/hookd.conf: /etc/hookd 0750 root:hookd, /etc/hookd/credentials 0700 root:root"
else
    not_ok "tmpfiles.d/hookd.conf" "exit $rc: $out; got [$got], want [$want]"
fi

# ---------------------------------------------------------------- 3. socket activation
act=$tmp/act.sock
mkdir -p "$tmp/state-act"
# systemd-socket-activate binds $act, then execs hookd in place with LISTEN_FDS=1 and
# LISTEN_PID set to that same pid (and passes no other environment).
"${hookd_env[@]}" systemd-socket-activate -l "$act" "$HOOKD_BIN" --state-dir "$tmp/state-act" \
    >"$tmp/hookd-activated.log" 2>&1 &
act_pid=$!
track_pid "$act_pid"
if wait_socket "$act" "$act_pid"; then
    reply=$(rpc "$act" "$(echo_request act-1 'activated ✓')")
    if jq -e '.id == "act-1" and .result.value == "activated ✓"' >/dev/null 2>&1 <<<"$reply"; then
        ok "socket activation: hookd answers system.echo on the passed socket"
    else
        not_ok "socket activation: hookd answers system.echo on the passed socket" "reply [$reply]"
    fi
    reply=$(rpc "$act" "$(echo_request act-2 'second connection')")
    if jq -e '.id == "act-2" and .result.value == "second connection"' >/dev/null 2>&1 <<<"$reply"; then
        ok "socket activation: a second connection is served too (fd 3 is the listener)"
    else
        not_ok "socket activation: a second connection is served too" "reply [$reply]"
    fi
    kill -HUP "$act_pid" 2>/dev/null
    sleep 0.5
    reply=$(rpc "$act" "$(echo_request act-3 'after SIGHUP')")
    if kill -0 "$act_pid" 2>/dev/null &&
        jq -e '.id == "act-3" and .result.value == "after SIGHUP"' >/dev/null 2>&1 <<<"$reply"; then
        ok "SIGHUP (ExecReload) keeps hookd running and serving"
    else
        not_ok "SIGHUP (ExecReload) keeps hookd running and serving" "alive: $(kill -0 "$act_pid" 2>/dev/null && echo yes || echo no), reply [$reply]"
    fi
else
    not_ok "socket activation" "systemd-socket-activate did not create $act: $(tail -n 5 "$tmp/hookd-activated.log")"
fi

# ---------------------------------------------------------------- 4. sd_notify
# A datagram socket standing in for systemd's $NOTIFY_SOCKET; socat appends every
# datagram to notify.log (messages are not separated: grep for each assignment).
notify=$tmp/notify.sock
socat -u "UNIX-RECV:$notify" "OPEN:$tmp/notify.log,creat,append" 2>"$tmp/socat-notify.log" &
track_pid "$!"
notify_up=0
for ((i = 0; i < 50; i++)); do
    [[ -S $notify ]] && { notify_up=1; break; }
    sleep 0.1
done
if ((!notify_up)); then
    not_ok "sd_notify" "could not start the socat datagram listener"
else
    nsock=$tmp/notify-hookd.sock
    mkdir -p "$tmp/state-notify"
    # As systemd does: WATCHDOG_PID is the main pid (exec keeps bash's pid), WATCHDOG_USEC
    # 2 s here (the unit's WatchdogSec=30s would be too slow for a test).
    "${hookd_env[@]}" NOTIFY_SOCKET="$notify" WATCHDOG_USEC=2000000 \
        bash -c 'export WATCHDOG_PID=$$; exec "$@"' _ \
        "$HOOKD_BIN" --socket "$nsock" --state-dir "$tmp/state-notify" >"$tmp/hookd-notify.log" 2>&1 &
    notify_pid=$!
    track_pid "$notify_pid"
    if wait_grep "$tmp/notify.log" READY=1 10; then
        ok "sd_notify: READY=1 (Type=notify)"
        reply=$(rpc "$nsock" "$(echo_request n-1 ready)")
        if jq -e '.id == "n-1" and .result.value == "ready"' >/dev/null 2>&1 <<<"$reply"; then
            ok "sd_notify: serving once READY=1 was sent"
        else
            not_ok "sd_notify: serving once READY=1 was sent" "reply [$reply]"
        fi
    else
        not_ok "sd_notify: READY=1 (Type=notify)" "nothing within 10 s; received [$(cat "$tmp/notify.log" 2>/dev/null)]"
    fi
    if wait_grep "$tmp/notify.log" WATCHDOG=1 4; then
        ok "sd_notify: WATCHDOG=1 within 4 s when WATCHDOG_USEC=2 s (WatchdogSec=)"
    else
        not_ok "sd_notify: WATCHDOG=1 within 4 s when WATCHDOG_USEC=2 s (WatchdogSec=)" \
            "received [$(cat "$tmp/notify.log" 2>/dev/null)]; with WatchdogSec=30s systemd would kill hookd"
    fi
    kill -HUP "$notify_pid"
    if wait_grep "$tmp/notify.log" RELOADING=1 5; then
        ok "sd_notify: RELOADING=1 on SIGHUP (the one reload path)"
    else
        not_ok "sd_notify: RELOADING=1 on SIGHUP" "received [$(cat "$tmp/notify.log" 2>/dev/null)]"
    fi
    start=$SECONDS
    stop_pid "$notify_pid"
    rc=$?
    took=$((SECONDS - start))
    if ((rc == 0 || rc == 143)) && ((took < 10)); then
        ok "SIGTERM: hookd exits cleanly (status $rc) in ${took}s"
    else
        not_ok "SIGTERM: hookd exits cleanly within 10 s" "exit status $rc after ${took}s"
    fi
    if grep -qF STOPPING=1 "$tmp/notify.log"; then
        ok "sd_notify: STOPPING=1 on SIGTERM"
    else
        not_ok "sd_notify: STOPPING=1 on SIGTERM" "received [$(cat "$tmp/notify.log" 2>/dev/null)]"
    fi
fi

finish
