#!/usr/bin/env bash
# usage: scripts/idle-cpu.sh target/release/valueflow [ARGS...]
# Measures the CPU the app uses while idle under Xvfb: ticks over 10 s after a 6 s settle.
display=":$(( 300 + RANDOM % 100 ))"
Xvfb "$display" -screen 0 1600x1000x24 >/dev/null 2>&1 & xvfb=$!
sleep 1
DISPLAY=$display LIBGL_ALWAYS_SOFTWARE=1 "$@" >/dev/null 2>&1 & app=$!
sleep 6
t0=$(awk '{print $14+$15}' /proc/$app/stat)
sleep 10
t1=$(awk '{print $14+$15}' /proc/$app/stat)
hz=$(getconf CLK_TCK)
echo "idle CPU over 10 s: $(( t1 - t0 )) ticks = $(python3 -c "print(round(($t1-$t0)/$hz/10*100,2))")% of one core"
kill $app; kill $xvfb
