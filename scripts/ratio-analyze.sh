#!/usr/bin/env bash
# Times `valueflow analyze --format json` of a generated 100k-step map (including writing its
# report) against Python's `json.load` of the same file, side by side in one run, and prints
# both (best of N) and the ratio. The issue's target is a ratio of at most 0.3.
#
# usage: scripts/ratio-analyze.sh [STEPS] [RUNS]     (defaults: 100000 steps, best of 7)
# Builds the release binary and the generator first (cargo build --release), in
# $CARGO_TARGET_DIR when that is set.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-100000}
runs=${2:-7}
cargo build --release --quiet --bin valueflow --example generate
target=${CARGO_TARGET_DIR:-target}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
map="$dir/big.vfmap.json"
"$target/release/examples/generate" "$steps" "$map"
python3 - "$map" "$runs" "$target/release/valueflow" <<'PY'
import json, os, subprocess, sys, time
path, runs, exe = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def best(f):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)

def py_load():
    with open(path, "rb") as fh:
        json.load(fh)

def vf_analyze():
    with open(os.devnull, "wb") as out:
        subprocess.run([exe, "analyze", path, "--format", "json"], stdout=out, check=True)

def vf_validate():
    with open(os.devnull, "wb") as out:
        subprocess.run([exe, "validate", path], stdout=out, check=True)

# Interleave the warm-up so both start with the file in the page cache.
py_load(); vf_analyze()
size = os.path.getsize(path)
findings = len(json.loads(subprocess.run([exe, "analyze", path, "--format", "json"],
                                         capture_output=True, check=True).stdout)["findings"])
t_py = best(py_load)
t_vf = best(vf_analyze)
t_val = best(vf_validate)
print(f"map: {size / 1e6:.1f} MB, {findings} findings; best of {runs}")
print(f"python3 json.load:                 {t_py * 1000:7.1f} ms")
print(f"valueflow analyze --format json:   {t_vf * 1000:7.1f} ms")
print(f"valueflow validate:                {t_val * 1000:7.1f} ms  ({size / 1e6 / t_val:.0f} MB/s)")
print(f"ratio analyze / json.load:         {t_vf / t_py:7.2f}  (target <= 0.3)")
PY
