#!/usr/bin/env bash
# Uploads of a file with scattered edits: wsync push and wsync sync to `wsync serve` beside
# rsync and rsync -z to an `rsync --daemon`, all on loopback, in one run.
# Prints seconds and bytes on the wire both ways. SIZES="256M 1G" by default.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --release -q
W=$PWD/target/release/wsync
out=${BENCH_DIR:-$PWD/bench/out/serve}
rm -rf "$out" && mkdir -p "$out"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
secs() { python3 -c "import time; print(time.time())"; }

printf '%-8s %-14s %10s %14s %14s %10s\n' size tool seconds "bytes sent" "bytes recv" "x changed"
for size in ${SIZES:-256M 1G}; do
  d=$out/$size; mkdir -p "$d/w" "$d/r"
  changed=$($W bench-data --size "$size" "$d/basis" "$d/new")
  # wsync
  cp "$d/basis" "$d/w/f"
  wp=$(port)
  $W serve "$d/w" --port "$wp" > "$d/serve.log" 2>&1 &
  sleep 0.5
  t0=$(secs)
  stats=$($W push --stats "$d/new" "ws://127.0.0.1:$wp/data/f" 2>&1)
  t1=$(secs)
  cmp -s "$d/new" "$d/w/f" || { echo "wsync upload produced a different file" >&2; exit 1; }
  sent=$(awk '/Total bytes sent/ {print $4}' <<<"$stats")
  recv=$(awk '/Total bytes received/ {print $4}' <<<"$stats")
  printf '%-8s %-14s %10.2f %14s %14s %10.2f\n' "$size" "wsync push" "$(echo "$t1 - $t0" | bc -l)" "$sent" "$recv" "$(echo "($sent + $recv) / $changed" | bc -l)"
  # The same upload through `wsync sync` (rsync's command line, HOST::MODULE).
  cp "$d/basis" "$d/w/f"
  t0=$(secs)
  stats=$($W sync -I --stats --port "$wp" "$d/new" 127.0.0.1::data/f 2>&1)
  t1=$(secs)
  cmp -s "$d/new" "$d/w/f" || { echo "wsync sync produced a different file" >&2; exit 1; }
  sent=$(awk -F': ' '/Total bytes sent/ {gsub(",","",$2); print $2}' <<<"$stats")
  recv=$(awk -F': ' '/Total bytes received/ {gsub(",","",$2); print $2}' <<<"$stats")
  printf '%-8s %-14s %10.2f %14s %14s %10.2f\n' "$size" "wsync sync" "$(echo "$t1 - $t0" | bc -l)" "$sent" "$recv" "$(echo "($sent + $recv) / $changed" | bc -l)"
  # rsync daemon, plain and -z
  for z in "" "-z"; do
    cp "$d/basis" "$d/r/f"
    rp=$(port)
    cat > "$d/rsyncd.conf" <<CONF
use chroot = no
uid = 0
gid = 0
pid file = $d/rsyncd.pid
[data]
path = $d/r
read only = no
CONF
    rsync --daemon --no-detach --port "$rp" --address 127.0.0.1 --config "$d/rsyncd.conf" &
    rpid=$!
    sleep 0.5
    t0=$(secs)
    # --no-whole-file is the default for remote transfers; -I forces the delta even though sizes/times differ anyway.
    rstats=$(rsync $z -I --stats "$d/new" "rsync://127.0.0.1:$rp/data/f")
    t1=$(secs)
    kill $rpid; wait $rpid 2>/dev/null || true
    cmp -s "$d/new" "$d/r/f" || { echo "rsync upload produced a different file" >&2; exit 1; }
    sent=$(awk -F': ' '/Total bytes sent/ {gsub(",","",$2); print $2}' <<<"$rstats")
    recv=$(awk -F': ' '/Total bytes received/ {gsub(",","",$2); print $2}' <<<"$rstats")
    printf '%-8s %-14s %10.2f %14s %14s %10.2f\n' "$size" "rsync $z" "$(echo "$t1 - $t0" | bc -l)" "$sent" "$recv" "$(echo "($sent + $recv) / $changed" | bc -l)"
  done
  echo "($size: $changed bytes changed)"
done
