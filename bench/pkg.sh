#!/usr/bin/env bash
# The npm package's budgets in one run: sizes and start-up time
# (bench/budgets.mjs), then signature and delta throughput of the wasm core
# under Node beside the native binary's and rdiff's (bench/core.sh, on
# BENCH_SIZE of test data, default 128M).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-wasm.sh >/dev/null
node bench/budgets.mjs
echo
BENCH_SIZE=${BENCH_SIZE:-128M} bash bench/core.sh
