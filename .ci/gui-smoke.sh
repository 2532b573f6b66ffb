#!/usr/bin/env bash
# Starts the app under a virtual X display, checks it is still running after a few seconds,
# and saves a screenshot that must not be blank.
# usage: .ci/gui-smoke.sh BINARY OUT.png [ARGS...]
set -euo pipefail
bin=$1; out=$2; shift 2
display=":$(( 100 + RANDOM % 100 ))"
Xvfb "$display" -screen 0 1600x1000x24 >/dev/null 2>&1 &
xvfb_pid=$!
log=$(mktemp)
cleanup() { kill "${app_pid:-}" 2>/dev/null || true; kill "$xvfb_pid" 2>/dev/null || true; }
trap cleanup EXIT
sleep 1
DISPLAY=$display LIBGL_ALWAYS_SOFTWARE=1 "$bin" "$@" >"$log" 2>&1 &
app_pid=$!
sleep 6
if ! kill -0 "$app_pid" 2>/dev/null; then
  echo "GUI smoke test failed: the app exited early; its log:" >&2
  cat "$log" >&2
  exit 1
fi
DISPLAY=$display import -window root "$out"
colors=$(identify -format '%k' "$out")
if [ "$colors" -lt 16 ]; then
  echo "GUI smoke test failed: the screenshot has only $colors colors (blank window?)" >&2
  exit 1
fi
echo "GUI smoke test passed: the app is running; screenshot $out has $colors colors"
