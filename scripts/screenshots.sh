#!/usr/bin/env bash
# make screenshots: the sandbox's inbox page (docs/sandbox-inbox.png) and one capture's page
# (docs/sandbox-capture.png), taken by headless Chromium for the README. hooksandbox runs on a free
# loopback port with a temporary data dir and gets a few realistic captures from curl (every secret
# fake: the page shows them masked); everything started is stopped by pid on exit, pass or fail.
# A PNG of 200 KB or more is not kept (optipng or pngcrush shrink it first when installed).
set -uo pipefail
bin="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/hookd-screenshots.XXXXXX)"
# shellcheck source=lib/processes.sh
source "$repo/scripts/lib/processes.sh"
cleanup_on_exit "$work" 5
max_bytes=$((200 * 1024))
window="${SCREENSHOT_WINDOW:-1280,800}"

chromium="$(command -v chromium || command -v chromium-browser)" || { echo "chromium is not installed (make deps installs it)" >&2; exit 1; }
[ -x "$bin/hooksandbox" ] || { echo "no $bin/hooksandbox: build first (make build)" >&2; exit 1; }
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
"$bin/hooksandbox" --listen "127.0.0.1:$port" --data "$work/data" > "$work/hooksandbox.log" 2>&1 &
track_pid $!
wait_for 30 "hooksandbox on $base" curl -sf --max-time 2 "$base/api/stats" || { cat "$work/hooksandbox.log" >&2; exit 1; }

post() { # post PATH CURL_ARGS...: one request to the sandbox, its answer discarded
  local path="$1"
  shift
  curl -s -o /dev/null --max-time 10 -X POST "$base$path" "$@" || { echo "POST $path failed" >&2; exit 1; }
}
script() { # script ENDPOINT JSON
  curl -sf -o /dev/null --max-time 10 -X POST -H 'Content-Type: application/json' -d "$2" "$base/api/endpoints/$1/script" \
    || { echo "script $1 failed" >&2; exit 1; }
}

# The endpoints answer as a receiver would: GitHub's once unavailable, then fine; Stripe a little slow.
script stripe '{"statuses":[200],"latency_ms":{"min":20,"max":60}}'
script github '{"statuses":[503,200],"retry_after":5}'
script twilio '{"statuses":[200],"headers":{"Content-Type":"text/xml"},"body":"<Response/>"}'

now="$(date +%s)"
post /in/stripe -H 'Content-Type: application/json; charset=utf-8' -H 'User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)' \
  -H "Stripe-Signature: t=$now,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd" \
  -H 'Authorization: Bearer tok_fake_screenshot_4f9c2a7e' \
  --data-binary '{"id":"evt_3PfakeScreenshot01","object":"event","api_version":"2024-06-20","created":'"$now"',"type":"payment_intent.succeeded","livemode":false,"data":{"object":{"id":"pi_3PfakeScreenshot01","object":"payment_intent","amount":4200,"currency":"eur","status":"succeeded","customer":"cus_FakeScreenshot","metadata":{"order_id":"ord_1042"}}}}'
for attempt in 1 2; do
  post /in/github -H 'Content-Type: application/json' -H 'User-Agent: GitHub-Hookshot/7f3c1d2' -H 'X-GitHub-Event: push' \
    -H 'X-GitHub-Delivery: 0b3c6f10-91a2-11ef-8a7e-2f5c1d0e4b6a' -H 'X-GitHub-Hook-ID: 491823077' \
    -H 'X-Hub-Signature-256: sha256=c1f4e2b6a1d0b9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170' \
    --data-binary '{"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","after":"59b20b8d5c6ff8d09518454d4dd8b7a9b8a3e2f1","repository":{"id":1296269,"full_name":"octo-org/shop","private":true},"pusher":{"name":"octocat"},"commits":[{"id":"59b20b8d5c6ff8d09518454d4dd8b7a9b8a3e2f1","message":"Fix the refund rounding","author":{"name":"Mona Octocat"}}]}'
  [ "$attempt" = 1 ] && sleep 0.3
done
post /in/twilio -H 'User-Agent: TwilioProxy/1.1' -H 'X-Twilio-Signature: bXlmYWtlc2lnbmF0dXJlZm9yc2NyZWVuc2hvdHM=' \
  --data-urlencode 'AccountSid=ACfake00000000000000000000000000' --data-urlencode 'MessageSid=SMfake0000000000000000000000000001' \
  --data-urlencode 'From=+15005550006' --data-urlencode 'To=+15005550001' --data-urlencode 'Body=Is my order on its way?' \
  --data-urlencode 'NumMedia=0'
post '/in/stripe?attempt=2' -H 'Content-Type: application/json; charset=utf-8' -H 'User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)' \
  -H "Stripe-Signature: t=$((now + 2)),v1=9f2c4b1e8a7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3" \
  -H 'Authorization: Bearer tok_fake_screenshot_4f9c2a7e' \
  --data-binary '{"id":"evt_3PfakeScreenshot02","object":"event","type":"charge.failed","livemode":false,"data":{"object":{"id":"ch_3PfakeScreenshot02","object":"charge","amount":1999,"currency":"eur","failure_code":"card_declined"}}}'
stripe_id="$(curl -sf --max-time 10 "$base/api/captures?endpoint=stripe&limit=50" | python3 -c 'import json,sys; print(json.load(sys.stdin)["captures"][-1]["id"])')" \
  || { echo "cannot read the captures" >&2; exit 1; }

# shoot URL FILE: a headless Chromium screenshot, at most 60 s (the page keeps its event stream open).
shoot() {
  local url="$1" file="$2" size
  timeout -k 5 60 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-dev-shm-usage \
    --user-data-dir="$work/chromium-profile" --window-size="$window" --screenshot="$work/$file" "$url" > "$work/chromium.log" 2>&1
  [ -s "$work/$file" ] || { echo "no screenshot of $url:" >&2; tail -n 5 "$work/chromium.log" >&2; exit 1; }
  if command -v optipng > /dev/null; then
    optipng -quiet -o2 "$work/$file"
  elif command -v pngcrush > /dev/null; then
    pngcrush -q -ow "$work/$file"
  fi
  size=$(stat -c %s "$work/$file")
  if [ "$size" -ge "$max_bytes" ]; then
    echo "docs/$file: $size bytes, not kept (limit $max_bytes; try SCREENSHOT_WINDOW=1024,700)" >&2
    return 1
  fi
  mkdir -p "$repo/docs"
  cp "$work/$file" "$repo/docs/$file"
  echo "docs/$file: $size bytes ($url)"
}
status=0
shoot "$base/" sandbox-inbox.png || status=1
shoot "$base/captures/$stripe_id" sandbox-capture.png || status=1
exit "$status"
