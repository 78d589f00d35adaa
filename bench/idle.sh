#!/usr/bin/env bash
# Memory of idle sessions: `wsync serve` with N sessions open (handshake
# done, then idle); prints the server's resident memory before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --release -q
W=$PWD/target/release/wsync
N=${SESSIONS:-1000}
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ulimit -n 65536 2>/dev/null || true
$W serve "$dir" --port "$port" --max-connections $((N + 10)) > /dev/null 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$dir"' EXIT
sleep 0.5
rss() { awk '/VmRSS/ {print $2}' /proc/$srv/status; }
before=$(rss)
$W bench-idle "ws://127.0.0.1:$port/" --sessions "$N" --hold 3 > "$dir/out" &
cli=$!
until grep -q ready "$dir/out" 2>/dev/null; do sleep 0.2; done
sleep 1
during=$(rss)
wait $cli
echo "server RSS: ${before} KB idle, ${during} KB with $N sessions: $(( (during - before) / N )) KB per session (goal: 1000 sessions within 200 MB)"
