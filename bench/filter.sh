#!/usr/bin/env bash
# Filter benchmark: 1,000 rules against a tree of a million paths.
# Prints the engine's paths per second (no I/O), then the wall time of
# `wsync sync -r -n` and `rsync -r -n` over the same tree with the same
# rules. The tree (a million empty files) is made once under $BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/wsync-bench}
DIRS=${DIRS:-1000}
FILES=${FILES:-1000}
mkdir -p "$BENCH_DIR"
echo "making the tree ($DIRS x $FILES files) in $BENCH_DIR (once)..."
python3 bench/make_tree.py "$BENCH_DIR" "$DIRS" "$FILES"

# 1,000 rules, nearly all of which never match, so every path is checked
# against the whole list; the last excludes the *.tmp files (1 in 8).
RULES="$BENCH_DIR/rules.txt"
{
  for i in $(seq 1 400); do echo "- *.ext$i"; done
  for i in $(seq 1 200); do echo "- /nomatch/dir$i/"; done
  for i in $(seq 1 200); do echo "- **/cache$i/**"; done
  for i in $(seq 1 100); do echo "+ keep$i.c"; done
  for i in $(seq 1 99); do echo "- d*/sub*/file*.zz$i"; done
  echo "- *.tmp"
} > "$RULES"
echo "rules: $(wc -l < "$RULES")"

cargo build --release --quiet --bin wsync --example filter_bench
./target/release/examples/filter_bench "$RULES" "$DIRS" "$FILES"

PATHS=$((DIRS * FILES + DIRS + DIRS / 100))
mkdir -p "$BENCH_DIR/dst"
t() { local s e; s=$(date +%s.%N); "$@" > "$BENCH_DIR/out.txt"; e=$(date +%s.%N); echo "$e - $s" | bc; }
ws=$(t ./target/release/wsync sync -r -n --out-format=%n --exclude-from="$RULES" "$BENCH_DIR/src/" "$BENCH_DIR/dst/")
wl=$(wc -l < "$BENCH_DIR/out.txt")
rs=$(t rsync -r -n --out-format=%n --exclude-from="$RULES" "$BENCH_DIR/src/" "$BENCH_DIR/dst/")
rl=$(wc -l < "$BENCH_DIR/out.txt")
printf 'wsync sync -r -n: %.2f s, %.0f paths/s (%s lines)\n' "$ws" "$(echo "$PATHS / $ws" | bc -l)" "$wl"
printf 'rsync -r -n:      %.2f s, %.0f paths/s (%s lines)\n' "$rs" "$(echo "$PATHS / $rs" | bc -l)" "$rl"
