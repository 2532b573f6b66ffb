#!/usr/bin/env bash
# valueflow calibrate against pm4py 2.7 on the same synthetic order-to-cash log
# (examples/gen_eventlog.rs, 100,000 cases, ~1M activity instances), side by side in one run:
#   CSV: pandas read_csv + pm4py format_dataframe + DFG + performance (waiting-time) DFG +
#        service times, against `valueflow calibrate LOG.csv` (read, pair, calibrate, write);
#   XES: pm4py.read_xes with its Rust-based importer (rustxes) alone, against
#        `valueflow calibrate LOG.xes` (the whole calibration).
# Prints the best of RUNS for each and the ratio valueflow / pm4py.
#
# Needs Python 3 with pm4py 2.7 and rustxes (`pip install "pm4py==2.7.*" rustxes`).
# usage: scripts/ratio-eventlog.sh [CASES=100000] [RUNS=3] [DIR=/tmp/vf-eventlog]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-100000}
runs=${2:-3}
dir=${3:-/tmp/vf-eventlog}
target=${CARGO_TARGET_DIR:-target}
python3 -c 'import pm4py, rustxes' 2>/dev/null || {
    echo 'needs pm4py 2.7 and rustxes: pip install "pm4py==2.7.*" rustxes' >&2
    exit 1
}
cargo build --release --quiet --bin valueflow --example gen_eventlog
mkdir -p "$dir"
bin="$dir/valueflow-ratio"
cp "$target/release/valueflow" "$bin"
if [ ! -f "$dir/o2c.csv" ] || [ ! -f "$dir/o2c.xes" ] || [ "$(cat "$dir/cases" 2>/dev/null)" != "$cases" ]; then
    "$target/release/examples/gen_eventlog" "$dir" "$cases"
    rm -f "$dir/o2c.xes.gz"
    echo "$cases" >"$dir/cases"
fi
python3 - "$dir" "$runs" "$bin" <<'PY'
import os, subprocess, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
import pm4py

d, runs, exe = sys.argv[1], int(sys.argv[2]), sys.argv[3]
csv, xes = os.path.join(d, "o2c.csv"), os.path.join(d, "o2c.xes")

def best(f):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)

def pm4py_csv():
    df = pd.read_csv(csv)
    df["start_time"] = pd.to_datetime(df["start_time"], format="ISO8601")
    df["end_time"] = pd.to_datetime(df["end_time"], format="ISO8601")
    df = pm4py.format_dataframe(df, case_id="case_id", activity_key="activity",
                                timestamp_key="end_time", start_timestamp_key="start_time")
    pm4py.discover_dfg(df)
    pm4py.discover_performance_dfg(df)
    pm4py.get_service_time(df, start_timestamp_key="start_timestamp",
                           timestamp_key="time:timestamp")

def pm4py_xes():
    pm4py.read_xes(xes, variant="rustxes")

def calibrate(log):
    def run():
        subprocess.run([exe, "calibrate", log, "-o", os.path.join(d, "ratio.vfmap.json"),
                        "--force"], stdout=subprocess.DEVNULL, check=True)
    return run

for name, peer, ours in [("CSV", pm4py_csv, calibrate(csv)), ("XES", pm4py_xes, calibrate(xes))]:
    ours()  # warm the page cache for both
    t_peer = best(peer)
    t_ours = best(ours)
    print(f"{name}: pm4py {t_peer:6.2f} s   valueflow calibrate {t_ours:6.2f} s   "
          f"ratio {t_ours / t_peer:.3f}  (best of {runs})")
PY
