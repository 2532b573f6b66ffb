#!/usr/bin/env bash
# Starts the app under a virtual X display, checks it is still running after a few seconds,
# and saves a screenshot that must not be blank (taken again for up to a minute while the
# window is still blank).
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
# The app must still be running after 6 s and have drawn its window (a screenshot of more
# than a few colours); on a busy machine drawing may take longer, so the screenshot is taken
# again each second, for up to a minute.
colors=0
for second in $(seq 1 60); do
  sleep 1
  if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "GUI smoke test failed: the app exited after about $second s; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  [ "$second" -ge 6 ] || continue
  DISPLAY=$display import -window root "$out"
  colors=$(identify -format '%k' "$out")
  [ "$colors" -lt 16 ] || break
done
if [ "$colors" -lt 16 ]; then
  echo "GUI smoke test failed: after 60 s the screenshot has only $colors colors (blank window?)" >&2
  exit 1
fi
echo "GUI smoke test passed: the app is running on display $display; screenshot $out has $colors colors"
