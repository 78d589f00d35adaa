#!/usr/bin/env bash
# Uploads of a file with scattered edits: wsync push and wsync sync to `wsync serve` beside
# rsync and rsync -z to an `rsync --daemon`, all on loopback, in one run.
# Prints seconds (median and best of ROUNDS, default 3, the tools taking turns in a
# different order each round), CPU seconds of client and server together (median), and
# bytes on the wire both ways. SIZES="256M 1G" by default. A last row, wsync-again, is
# an upload over a basis that an earlier `wsync push` left: the server signed that one
# when it committed it, as happens when a file is saved and uploaded again and again.
#
# Before every upload the target gets a fresh copy of the basis (so no signature is
# cached and every tool rebuilds the same file), then 3 GiB of memory is written and
# freed. On this VM, memory the guest has not touched for a while is slow to touch
# again (a 1 GiB file written into such pages took 2.7 s, into just-freed ones 0.25 s),
# so without that step whichever tool happened to get cold pages looked twice as slow.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --release -q
W=$PWD/target/release/wsync
out=${BENCH_DIR:-$PWD/bench/out/serve}
rounds=${ROUNDS:-3}
rm -rf "$out" && mkdir -p "$out"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -f /dev/shm/wsync-bench-warm' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
# CPU seconds of a process and its reaped children so far.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15 + $16 + $17) / hz }' "/proc/$1/stat"; }
warm() {
  dd if=/dev/zero of=/dev/shm/wsync-bench-warm bs=1M count=3072 status=none
  rm -f /dev/shm/wsync-bench-warm
}
num() { tr -d , <<<"$1"; }

# upload TOOL: one upload of $d/new over $d/<dir>/f; appends "wall cpu sent recv" to $d/TOOL.
upload() {
  local tool=$1 dir t0 t1 c0 c1 client stats sent recv server
  case $tool in wsync-*) dir=w server=$wpid ;; rsync-z) dir=rz server=$rzpid ;; *) dir=r server=$rpid ;; esac
  if [ "$tool" = wsync-again ]; then
    # The basis as an earlier upload left it: the server signed it then.
    "$W" push "$d/basis" "ws://127.0.0.1:$wp/data/f"
    sleep 2
  else
    cp "$d/basis" "$d/$dir/f"
  fi
  sync -f "$d/$dir/f"
  warm
  c0=$(cpu_of "$server")
  t0=$(now)
  case $tool in
    wsync-push | wsync-again) stats=$(/usr/bin/time -f 'CPU %U %S' -o "$d/time" "$W" push --stats "$d/new" "ws://127.0.0.1:$wp/data/f" 2>&1) ;;
    wsync-sync) stats=$(/usr/bin/time -f 'CPU %U %S' -o "$d/time" "$W" sync -I --stats --port "$wp" "$d/new" 127.0.0.1::data/f 2>&1) ;;
    # --no-whole-file is the default for remote transfers; -I forces the delta even though sizes/times differ anyway.
    rsync) stats=$(/usr/bin/time -f 'CPU %U %S' -o "$d/time" rsync -I --stats "$d/new" "rsync://127.0.0.1:$rp/data/f") ;;
    rsync-z) stats=$(/usr/bin/time -f 'CPU %U %S' -o "$d/time" rsync -z -I --stats "$d/new" "rsync://127.0.0.1:$rzp/data/f") ;;
  esac
  t1=$(now)
  sleep 0.3 # the daemon's child exits and is reaped
  c1=$(cpu_of "$server")
  cmp -s "$d/new" "$d/$dir/f" || { echo "$tool produced a different file" >&2; exit 1; }
  sent=$(num "$(awk -F': *' '/Total bytes sent/ {print $2}' <<<"$stats")")
  recv=$(num "$(awk -F': *' '/Total bytes received/ {print $2}' <<<"$stats")")
  client=$(awk '/^CPU/ {print $2 + $3}' "$d/time")
  echo "$(echo "$t1 - $t0" | bc -l) $(echo "$c1 - $c0 + $client" | bc -l) $sent $recv" >>"$d/$tool"
}

daemon() { # DIR PORT: an rsync daemon serving DIR as module "data"; prints its PID
  cat >"$1.conf" <<CONF
use chroot = no
uid = 0
gid = 0
pid file = $1.pid
[data]
path = $1
read only = no
CONF
  rsync --daemon --no-detach --port "$2" --address 127.0.0.1 --config "$1.conf" >"$1.log" 2>&1 &
  echo $!
}

tools=(wsync-push wsync-sync rsync rsync-z wsync-again)
printf '%-6s %-12s %9s %9s %9s %12s %12s %10s\n' size tool "median s" "best s" "CPU s" "bytes sent" "bytes recv" "x changed"
for size in ${SIZES:-256M 1G}; do
  d=$out/$size
  mkdir -p "$d/w" "$d/r" "$d/rz"
  changed=$($W bench-data --size "$size" "$d/basis" "$d/new")
  wp=$(port) rp=$(port) rzp=$(port)
  "$W" serve "$d/w" --port "$wp" >"$d/serve.log" 2>&1 &
  wpid=$!
  rpid=$(daemon "$d/r" "$rp")
  rzpid=$(daemon "$d/rz" "$rzp")
  sleep 0.5
  for round in $(seq "$rounds"); do
    # A different order each round: no tool always goes first.
    for i in 0 1 2 3; do
      upload "${tools[$(( (i + round) % 4 ))]}"
    done
    upload wsync-again
  done
  for tool in "${tools[@]}"; do
    python3 - "$d/$tool" "$size" "$tool" "$changed" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
size, tool, changed = sys.argv[2], sys.argv[3], int(sys.argv[4])
wall = [r[0] for r in rows]
sent, recv = int(rows[-1][2]), int(rows[-1][3])
print(f"{size:<6} {tool:<12} {statistics.median(wall):9.2f} {min(wall):9.2f} "
      f"{statistics.median(r[1] for r in rows):9.2f} {sent:12d} {recv:12d} {(sent + recv) / changed:10.2f}")
PY
  done
  echo "($size: $changed bytes changed; $rounds rounds)"
  kill "$wpid" "$rpid" "$rzpid" 2>/dev/null || true
  wait "$wpid" "$rpid" "$rzpid" 2>/dev/null || true
done
