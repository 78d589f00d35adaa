#!/usr/bin/env bash
# Builds everything, shows the delta engine at work, then serves ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --release
bash scripts/build-wasm.sh
./target/release/wsync demo --size "${WSYNC_DEMO_SIZE:-64M}"
mkdir -p data
www=()
[ -d www ] && www=(--www www --pkg pkg)
echo
echo "Upload with:  ./target/release/wsync push FILE ws://127.0.0.1:${WSYNC_PORT:-8080}/data/NAME"
echo "Sync with:    ./target/release/wsync sync -av --port ${WSYNC_PORT:-8080} DIR/ 127.0.0.1::data/DIR/"
exec ./target/release/wsync serve data --port "${WSYNC_PORT:-8080}" "${www[@]}"
