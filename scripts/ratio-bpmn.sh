#!/usr/bin/env bash
# BPMN import speed against bpmn-moddle's bare parse of the same file (fromXML), best of N
# runs each: the 10,000-step synthetic map exported by valueflow, imported by the library
# (examples/bpmn_import_time.rs) and parsed by bpmn-moddle (tools/bpmn-check/time-fromxml.mjs).
# usage: scripts/ratio-bpmn.sh [STEPS=10000] [RUNS=7]
# Builds the release binary and examples first, in $CARGO_TARGET_DIR when that is set.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-10000}
runs=${2:-7}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cargo build --release --quiet --bin valueflow --example generate --example bpmn_import_time
target=${CARGO_TARGET_DIR:-target}
[ -d tools/bpmn-check/node_modules ] || npm ci --prefix tools/bpmn-check --silent
"$target"/release/examples/generate "$steps" "$tmp/map.vfmap.json"
"$target"/release/valueflow export "$tmp/map.vfmap.json" -o "$tmp/map.bpmn" >/dev/null
bytes=$(wc -c <"$tmp/map.bpmn")

ours=$("$target"/release/examples/bpmn_import_time "$tmp/map.bpmn" "$runs")
theirs=$(node tools/bpmn-check/time-fromxml.mjs "$tmp/map.bpmn" "$runs")
echo "file: $steps steps, $bytes bytes of BPMN"
echo "valueflow import:     $ours ms (best of $runs)"
echo "bpmn-moddle fromXML:  $theirs ms (best of $runs)"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio: %.3fx\n", a / b }'
