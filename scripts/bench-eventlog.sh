#!/usr/bin/env bash
# `valueflow calibrate` on a synthetic order-to-cash log (examples/gen_eventlog.rs, fixed
# seed): 100,000 cases, about 1M activity instances, as an interval CSV and a lifecycle XES
# (~730 MB, and the XES gzipped). Prints wall time and peak memory (/usr/bin/time -v) of a release build for each.
# usage: scripts/bench-eventlog.sh [CASES=100000] [DIR=/tmp/vf-eventlog]
# The generated files stay in DIR (outside the repository) for another run; delete them after.
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-100000}
dir=${2:-/tmp/vf-eventlog}
target=${CARGO_TARGET_DIR:-target}

cargo build --release --quiet --bin valueflow --example gen_eventlog
# A copy, so a build elsewhere into the same target dir cannot swap the binary mid-run.
bin="$dir/valueflow-bench"
mkdir -p "$dir"
cp "$target/release/valueflow" "$bin"
if [ ! -f "$dir/o2c.csv" ] || [ ! -f "$dir/o2c.xes" ] || [ "$(cat "$dir/cases" 2>/dev/null)" != "$cases" ]; then
    "$target/release/examples/gen_eventlog" "$dir" "$cases"
    rm -f "$dir/o2c.xes.gz"
    echo "$cases" >"$dir/cases"
fi
[ -f "$dir/o2c.xes.gz" ] || gzip -1 -c "$dir/o2c.xes" >"$dir/o2c.xes.gz"
for log in o2c.csv o2c.xes o2c.xes.gz; do
    bytes=$(wc -c <"$dir/$log")
    /usr/bin/time -v "$bin" calibrate "$dir/$log" -o "$dir/${log//./-}.vfmap.json" \
        >"$dir/summary.txt" 2>"$dir/time.txt"
    wall=$(grep 'Elapsed (wall clock)' "$dir/time.txt" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$dir/time.txt" | awk '{print $NF}')
    printf '%-10s %5d MB  wall %s  peak memory %d MB\n' "$log" $((bytes / 1000000)) "$wall" $((rss / 1024))
done
grep -E 'lead time|case duration' "$dir/summary.txt"
