#!/usr/bin/env bash
# Builds the core's JavaScript bindings into pkg/wasm (wasm-bindgen --target web),
# with SIMD (+simd128) and the `wasm` profile. Quick when nothing changed: cargo
# decides whether the .wasm is stale, and the bindgen/opt steps run only when
# it is newer than their output.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

out=pkg/wasm

# Its own RUSTFLAGS would otherwise invalidate the plain wasm32 builds (clippy,
# tests) each time; a separate target directory keeps both cached.
export CARGO_TARGET_DIR="${WSYNC_WASM_TARGET_DIR:-target/wasm-simd}"
raw="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm/wsync.wasm"
# A low inline threshold: functions without an #[inline] hint are inlined only
# when tiny. The hot paths carry their hints (which keep LLVM's own threshold),
# so they run as fast, and the cold code (protocol, filters, the bindings'
# glue) is no longer copied into every caller: 6.6 KB less gzipped wasm.
RUSTFLAGS="-C target-feature=+simd128 -C llvm-args=-inline-threshold=10" \
  cargo build --quiet --lib --target wasm32-unknown-unknown --profile wasm

fresh=1
for input in "$raw" scripts/build-wasm.sh scripts/shrink-wasm.mjs; do
  [ -f "$out/wsync_bg.wasm" ] && [ "$out/wsync_bg.wasm" -nt "$input" ] && [ "$out/wsync.js" -nt "$input" ] || fresh=0
done
[ "$fresh" = 1 ] && exit 0

tmp="$CARGO_TARGET_DIR/bindgen-out"
rm -rf "$tmp"
# --keep-debug: the function names shrink-wasm.mjs looks for (its output,
# like wasm-opt's, has none).
wasm-bindgen --keep-debug --target web --out-dir "$tmp" "$raw"
node scripts/shrink-wasm.mjs "$tmp" ||
  echo "build-wasm: shrink-wasm.mjs failed (npm's binaryen package is missing?); its cuts are skipped" >&2

# Debian's binaryen is too old for the features rustc emits; use wasm-opt
# (from PATH, or npm's binaryen package) only from version 116 on.
opt=$(command -v wasm-opt || true)
[ -z "$opt" ] && [ -x node_modules/.bin/wasm-opt ] && opt=node_modules/.bin/wasm-opt
if [ -n "$opt" ]; then
  v=$("$opt" --version | grep -oE 'version [0-9]+' | grep -oE '[0-9]+' || echo 0)
  if [ "$v" -ge 116 ]; then
    # -Os: LLVM already optimized the hot code for speed (opt-level 3);
    # wasm-opt's -Os then gives 0.4 KB less gzipped wasm than -O3, at the
    # same throughput (bench/pkg.sh, CPU time).
    # --low-memory-unused: Rust's wasm32 data starts at 1 MiB (the stack
    # first), so no address below 1 KiB is used, and wasm-opt may fold
    # constants added to pointers into the loads' and stores' offsets:
    # 0.25 KB less gzipped wasm. --precompute-propagate: constants through
    # locals (60 bytes). The producers and target_features sections are
    # read by no runtime (0.2 KB).
    "$opt" -Os --converge --low-memory-unused --precompute-propagate \
      --strip-producers --strip-target-features --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$tmp/wsync_bg.wasm" -o "$tmp/wsync_bg.wasm"
  else
    echo "build-wasm: skipping wasm-opt (version $v < 116)" >&2
  fi
fi
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$tmp" "$out"
echo "build-wasm: $out/wsync_bg.wasm, $(stat -c %s "$out/wsync_bg.wasm") bytes"
