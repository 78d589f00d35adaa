#!/usr/bin/env bash
# The whole suite: formatting, lints (native and wasm32), Rust tests, the core's
# tests as wasm32 under Node, the JavaScript tests and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (native)"
cargo clippy --all-targets -- -D warnings

step "clippy (wasm32)"
cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings

step "the binary for macOS and FreeBSD: cargo check, then clippy"
# Linux resolves module paths with openat2; these hosts walk them
# (src/host/serve/beneath.rs) and lack a few Linux calls: they must build.
for t in x86_64-apple-darwin aarch64-apple-darwin x86_64-unknown-freebsd; do
  cargo check --quiet --bin wsync --target "$t"
  cargo clippy --quiet --bin wsync --target "$t" -- -D warnings
  echo "$t: cargo check and clippy ok"
done

step "a core-only dependent (examples/core-only): none of the host's crates"
core_tree=$(cargo tree --manifest-path examples/core-only/Cargo.toml -e normal --prefix none)
if grep -E '^(tokio|axum|hyper|clap|tracing|rustix|flate2|indicatif|tempfile|xxhash-rust|wasm-bindgen|js-sys) ' <<<"$core_tree"; then
  echo "the crates above reach a dependent with default-features = false" >&2
  exit 1
fi
CARGO_TARGET_DIR=target/core-only cargo clippy --quiet --manifest-path examples/core-only/Cargo.toml -- -D warnings
CARGO_TARGET_DIR=target/core-only cargo run --quiet --manifest-path examples/core-only/Cargo.toml

step "Rust tests (native), compared with $(rsync --version | head -1 | tr -s ' ')"
cargo test

step "core tests as wasm32 under Node"
# With SIMD and the inline threshold, as the npm package is built (the
# four-lane strong sums run in their SIMD form); build-wasm.sh shares this
# target directory and these flags.
RUSTFLAGS="-C target-feature=+simd128 -C llvm-args=-inline-threshold=10" CARGO_TARGET_DIR=target/wasm-simd \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --lib

step "clippy (wasm32 with SIMD, as the npm package is built)"
RUSTFLAGS="-C target-feature=+simd128 -C llvm-args=-inline-threshold=10" CARGO_TARGET_DIR=target/wasm-simd \
  cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings

step "JavaScript tests of the wasm bindings (pkg/wasm) under Node"
# Each test has 5 minutes: a hang fails its test instead of the whole run.
cargo build --release --quiet # tests compare with target/release/wsync
bash scripts/build-wasm.sh
node --test --test-timeout=300000 --expose-gc tests/js/

step "the demo page in headless Chromium (tests/e2e)"
node --test --test-timeout=300000 tests/e2e/
