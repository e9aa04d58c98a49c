#!/usr/bin/env bash
# Starts hookd in the foreground on its embedded defaults (make run).
set -euo pipefail
bin="$1"
socket="${HOOKD_SOCKET:-}"
if [ -z "$socket" ]; then
  if [ "$(id -u)" -eq 0 ]; then socket=/run/hookd/hookd.sock
  else socket="${XDG_RUNTIME_DIR:-/tmp/hookd-$(id -u)}/hookd.sock"; fi
fi
echo "hookd listens on $socket"
echo "try, in another terminal:  $bin/hookrpc health --socket $socket"
exec "$bin/hookd" --socket "$socket"
