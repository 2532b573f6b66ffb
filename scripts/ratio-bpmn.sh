#!/usr/bin/env bash
# BPMN import speed against bpmn-moddle's bare parse of the same file (fromXML), the best of
# rounds in which the two take turns: the 10,000-step synthetic map exported by valueflow,
# imported by the library (examples/bpmn_import_time.rs) and parsed by bpmn-moddle
# (tools/bpmn-check/time-fromxml.mjs); and, as the floor of an import built on roxmltree, the
# parse alone of the file's two halves side by side (bpmn_import_time --parse-only).
# usage: scripts/ratio-bpmn.sh [STEPS=10000] [RUNS=3] [ROUNDS=5]
# Builds the release binary and examples first, in $CARGO_TARGET_DIR when that is set.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-10000}
runs=${2:-3}
rounds=${3:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cargo build --release --quiet --bin valueflow --example generate --example bpmn_import_time
target=${CARGO_TARGET_DIR:-target}
[ -d tools/bpmn-check/node_modules ] || npm ci --prefix tools/bpmn-check --silent
"$target"/release/examples/generate "$steps" "$tmp/map.vfmap.json"
"$target"/release/valueflow export "$tmp/map.vfmap.json" -o "$tmp/map.bpmn" >/dev/null
bytes=$(wc -c <"$tmp/map.bpmn")

# The machine is shared and its speed drifts: the two sides take turns, a few runs each in
# one process (bpmn-moddle's JIT warms up within it), and the best of all rounds counts.
ours=inf theirs=inf floor=inf
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "inf" || b + 0 < a + 0) ? b : a }'; }
for _ in $(seq "$rounds"); do
  # Each time taken on its own line, so that a side that fails stops the script (set -e).
  t=$("$target"/release/examples/bpmn_import_time "$tmp/map.bpmn" "$runs")
  ours=$(min "$ours" "$t")
  t=$("$target"/release/examples/bpmn_import_time --parse-only "$tmp/map.bpmn" "$runs")
  floor=$(min "$floor" "$t")
  t=$(node tools/bpmn-check/time-fromxml.mjs "$tmp/map.bpmn" "$runs")
  theirs=$(min "$theirs" "$t")
done
echo "file: $steps steps, $bytes bytes of BPMN"
echo "valueflow import:     $ours ms (best of $rounds rounds of $runs)"
echo "bpmn-moddle fromXML:  $theirs ms (best of $rounds rounds of $runs)"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio: %.3fx\n", a / b }'
# What every roxmltree-based import spends before indexing or mapping anything: the file's two
# halves parsed side by side, nothing else.
echo "roxmltree's parse of the two halves alone: $floor ms"
awk -v a="$floor" -v b="$theirs" 'BEGIN { printf "its ratio (the floor of this design): %.3fx\n", a / b }'
