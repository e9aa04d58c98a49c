# shellcheck shell=bash
# scripts/lib/processes.sh: start-and-stop bookkeeping for the background processes a shell
# test or benchmark script starts, so that every one is stopped by pid on exit, pass or fail.
#
# Sourced, not run:   source "$repo/scripts/lib/processes.sh"
# Sourcing only defines the functions below and an empty array tracked_pids. Safe under
# `set -u`. Only ever signals pids it is given (the caller's own children), never by name.
#
#   track_pid PID                      remember PID (e.g. track_pid "$!") for stop_tracked_pids
#   stop_pid PID [GRACE_SECONDS]       SIGTERM, poll `kill -0` up to GRACE_SECONDS (default 10),
#                                      then SIGKILL; reaps PID and forgets it. Returns PID's exit
#                                      status as `wait` reports it (0 for an empty PID).
#   stop_tracked_pids [GRACE_SECONDS]  stop_pid every tracked pid, the last started first
#   wait_for SECONDS DESCRIPTION COMMAND...
#                                      run COMMAND (output discarded) every 0.1 s until it succeeds;
#                                      after SECONDS print "timed out after Ns waiting for
#                                      DESCRIPTION" on stderr and return 1
#   wait_socket PATH PID [SECONDS]     until PATH is a socket (default 10 s); fails at once when
#                                      PID has exited
#   cleanup_on_exit DIR [GRACE_SECONDS]
#                                      set the EXIT trap to stop_tracked_pids, then remove DIR
#                                      (a script with more to do on exit calls both in its own trap)

tracked_pids=()

track_pid() { # track_pid PID
    local pid=$1 p
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    for p in ${tracked_pids[@]+"${tracked_pids[@]}"}; do
        [[ $p == "$pid" ]] && return 0
    done
    tracked_pids+=("$pid")
}

untrack_pid() { # untrack_pid PID: forget PID (after it has been reaped: its number may be reused)
    local pid=$1 p kept=()
    for p in ${tracked_pids[@]+"${tracked_pids[@]}"}; do
        [[ $p == "$pid" ]] || kept+=("$p")
    done
    tracked_pids=(${kept[@]+"${kept[@]}"})
}

stop_pid() { # stop_pid PID [GRACE_SECONDS]
    local pid=${1:-} grace=${2:-10} i rc=0
    [[ -n $pid ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < grace * 10; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "# pid $pid did not stop within $grace s of SIGTERM: SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
    fi
    wait "$pid" 2>/dev/null || rc=$?
    untrack_pid "$pid"
    return "$rc"
}

stop_tracked_pids() { # stop_tracked_pids [GRACE_SECONDS]
    local grace=${1:-10} i
    local todo=(${tracked_pids[@]+"${tracked_pids[@]}"})
    for ((i = ${#todo[@]} - 1; i >= 0; i--)); do
        stop_pid "${todo[i]}" "$grace"
    done
    tracked_pids=()
    return 0
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 description=$2 i
    shift 2
    for ((i = 0; i < seconds * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "timed out after ${seconds}s waiting for $description" >&2
    return 1
}

wait_socket() { # wait_socket PATH PID [SECONDS]
    local path=$1 pid=$2 seconds=${3:-10} i
    for ((i = 0; i < seconds * 10; i++)); do
        [[ -S $path ]] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

cleanup_on_exit() { # cleanup_on_exit DIR [GRACE_SECONDS]
    # shellcheck disable=SC2064 # expand DIR and GRACE_SECONDS now
    trap "stop_tracked_pids $(printf '%q' "${2:-10}"); rm -rf -- $(printf '%q' "$1")" EXIT
}
