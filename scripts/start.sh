#!/usr/bin/env bash
# Builds everything and shows wsync at work.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --release
mkdir -p data
./target/release/wsync demo --size "${WSYNC_DEMO_SIZE:-64M}"
