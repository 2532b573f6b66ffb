#!/usr/bin/env bash
# Starts the app under a virtual X display, checks it is still running after a few seconds,
# and saves a screenshot that must not be blank.
# usage: .ci/gui-smoke.sh BINARY OUT.png [ARGS...]
set -euo pipefail
bin=$1; out=$2; shift 2
work=$(mktemp -d)
log=$work/app.log
cleanup() {
  kill "${app_pid:-}" 2>/dev/null || true
  kill "${xvfb_pid:-}" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Xvfb picks a free display itself and writes its number to fd 3 once it accepts
# connections (-displayfd): no guessed display number, no fixed sleep that a busy machine
# outgrows (a one-second sleep once left the app without an X server).
Xvfb -displayfd 3 -screen 0 1600x1000x24 3>"$work/display" >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 600); do
  [ -s "$work/display" ] && break
  if ! kill -0 "$xvfb_pid" 2>/dev/null; then
    echo "GUI smoke test failed: Xvfb exited; its log:" >&2
    cat "$work/xvfb.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ ! -s "$work/display" ]; then
  echo "GUI smoke test failed: Xvfb did not become ready within 60 s" >&2
  exit 1
fi
display=":$(tr -d '[:space:]' <"$work/display")"
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
echo "GUI smoke test passed: the app is running on display $display; screenshot $out has $colors colors"
