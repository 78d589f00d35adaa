#!/usr/bin/env bash
# `wsync sync` against `rsync`, side by side, on the same data in one run:
#  (a) first copy of 100,000 small files (-a), then the no-op re-sync;
#  (b) a 1 GiB file with scattered edits, --no-whole-file (delta), wsync's
#      local block matching and, on a second line, the crate's core;
#  (c) a --link-dest snapshot of the 100,000 files.
# Each line: wall seconds, CPU seconds (user + system, all threads and
# processes) and peak memory (max RSS, from /usr/bin/time -v) for both,
# and whether the two destinations came out the same.
# Data lives under $BENCH_DIR (made once); FILES and BIG_MB shrink it.
# The sources are read once before the runs (both tools then read from
# the page cache). ext4 without a journal skips inodes freed in the last
# minutes when it allocates (recently_deleted), which made a tool right
# after an earlier run's clean-up several times slower; the script waits
# until 370 s have passed since its last mass deletion and writes the
# page cache out before each timed run (see the note at the wait).
# FIRST=rsync runs rsync first in the pairs of (a) and (c) and in (b).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/wsync-sync-bench}
FILES=${FILES:-100000}
BIG_MB=${BIG_MB:-1024}
WSYNC=${WSYNC:-./target/release/wsync}
FIRST=${FIRST:-wsync}
[ -x "$WSYNC" ] || cargo build --release --quiet --bin wsync < /dev/null
mkdir -p "$BENCH_DIR"

# The small files: 100 directories, sizes 0..8 KiB, fixed times.
SMALL="$BENCH_DIR/small"
if [ ! -e "$SMALL/.complete-$FILES" ]; then
  echo "making $FILES small files in $SMALL (once)..."
  rm -rf "$SMALL" && mkdir -p "$SMALL"
  python3 - "$SMALL" "$FILES" <<'EOF'
import os, sys, random
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "f%06d" % i)
    with open(p, "wb") as f:
        f.write(rng.randbytes(rng.randrange(0, 8192)))
    os.utime(p, (1_600_000_000 + i, 1_600_000_000 + i))
open(os.path.join(root, ".complete-%d" % n), "w").close()
EOF
fi

# The big file and its edited version: 64 scattered 4 KiB edits.
BIG="$BENCH_DIR/big"
if [ ! -e "$BIG/.complete-$BIG_MB" ]; then
  echo "making a $BIG_MB MiB file and an edited copy in $BIG (once)..."
  rm -rf "$BIG" && mkdir -p "$BIG/old" "$BIG/new"
  head -c $((BIG_MB << 20)) /dev/urandom > "$BIG/old/big.bin"
  cp "$BIG/old/big.bin" "$BIG/new/big.bin"
  python3 - "$BIG/new/big.bin" <<'EOF'
import os, sys, random
p = sys.argv[1]
size = os.path.getsize(p)
rng = random.Random(7)
with open(p, "r+b") as f:
    for _ in range(64):
        f.seek(rng.randrange(0, size - 4096))
        f.write(rng.randbytes(4096))
EOF
  touch -d @1700000000 "$BIG/new/big.bin"
  touch "$BIG/.complete-$BIG_MB"
fi

# run NAME CMD...: wall seconds and max RSS (KiB) of one command.
run() {
  local log="$BENCH_DIR/time.log"
  sync
  /usr/bin/time -v -o "$log" "$@" > "$BENCH_DIR/out.log" 2>&1 || {
    echo "FAILED: $*" >&2
    cat "$BENCH_DIR/out.log" >&2
    exit 1
  }
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {t += $2} END {print t}' "$log")
  # m:ss.ss or h:mm:ss -> seconds
  wall=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  echo "$wall $rss $cpu"
}

# pair WCMD... -- RCMD...: runs both (in the FIRST order); sets $w and $r.
pair() {
  local wcmd=() rcmd=()
  while [ "$1" != -- ]; do wcmd+=("$1"); shift; done
  shift
  rcmd=("$@")
  if [ "$FIRST" = rsync ]; then
    r=$(run "${rcmd[@]}")
    w=$(run "${wcmd[@]}")
  else
    w=$(run "${wcmd[@]}")
    r=$(run "${rcmd[@]}")
  fi
}

# same DIR1 DIR2: "same" when trees match (content, modes, times, links).
# (A directory's own size depends on the order its entries were made.)
list() { cd "$1" && find . \( -type d -printf '%p %y %m %T@\n' \) -o -printf '%p %y %m %s %T@ %l\n' | sort; }
same() {
  if diff <(list "$1") <(list "$2") > "$BENCH_DIR/diff.log" &&
     diff -r "$1" "$2" >> "$BENCH_DIR/diff.log"; then
    echo same
  else
    echo "DIFFERENT (see $BENCH_DIR/diff.log)"
  fi
}

row() { # LABEL "wall rss cpu" "wall rss cpu" VERDICT
  read -r ws wm wc <<< "$2"
  read -r rs rm rc <<< "$3"
  printf '%-34s %7.2f s %6.2f cpu %6.1f MiB  %7.2f s %6.2f cpu %6.1f MiB  %s\n' \
    "$1" "$ws" "$wc" "$(echo "$wm / 1024" | bc -l)" "$rs" "$rc" "$(echo "$rm / 1024" | bc -l)" "$4"
}

sync
W="$BENCH_DIR/w" R="$BENCH_DIR/r"
# ext4 without a journal (as here) skips inodes freed in the last 60 s
# when it allocates, 360 s while their inode table block is dirty
# (recently_deleted in fs/ext4/ialloc.c), scanning past each one: right
# after the 200,000 files of an earlier run are deleted, creating files
# costs several times more system time (measured: the same copy took 53 s
# of system time instead of 5). The first tool's new inodes dirty the
# very blocks that hold the freed ones, so the second tool of a pair
# still saw them as recent after a 300 s wait (perf: 60% of its time in
# recently_deleted; 18-25 s against 7-9 s for the same copy). Delete old
# results first, then wait until 370 s have passed since the last such
# deletion; run() also syncs before each timed run.
rm -rf "$W" "$R" && sync
stamp="$BENCH_DIR/deleted.stamp"
if [ -f "$stamp" ]; then
  wait_s=$(( $(stat -c %Y "$stamp") + 370 - $(date +%s) ))
  if [ "$wait_s" -gt 0 ]; then
    echo "bench: waiting ${wait_s} s: files were deleted less than 370 s ago (ext4 inode reuse)" >&2
    sleep "$wait_s"
  fi
fi
printf '%-34s %30s  %30s\n' "" "wsync sync" "rsync"

# (a) first copy, then the no-op re-sync.
mkdir -p "$W" "$R"
find "$SMALL" -type f -exec cat {} + > /dev/null
pair "$WSYNC" sync -a "$SMALL/" "$W/copy/" -- rsync -a "$SMALL/" "$R/copy/"
row "(a) first copy, $FILES files" "$w" "$r" "$(same "$W/copy" "$R/copy")"
pair "$WSYNC" sync -a "$SMALL/" "$W/copy/" -- rsync -a "$SMALL/" "$R/copy/"
row "(a) no-op re-sync" "$w" "$r" "$(same "$W/copy" "$R/copy")"

# (c) a --link-dest snapshot of the same files (all unchanged: linked).
pair "$WSYNC" sync -a --link-dest=../copy "$SMALL/" "$W/snap/" -- rsync -a --link-dest=../copy "$SMALL/" "$R/snap/"
row "(c) --link-dest snapshot" "$w" "$r" "$(same "$W/snap" "$R/snap")"
links_w=$(find "$W/snap" -type f -links +1 | wc -l)
links_r=$(find "$R/snap" -type f -links +1 | wc -l)
echo "    hard-linked files: wsync $links_w, rsync $links_r"
rm -rf "$W" "$R" && sync && touch "$stamp"

# (b) the big file: the old version in place, the edited one sent as a delta.
# This VM hands memory freed by a process back to its host a few seconds
# later (virtio-balloon free page reporting); writing into such pages
# again costs a host fault each: copying the 1 GiB file took 3.2 s of
# system time on cold pages, 0.33 s right after a 1 GiB file was deleted.
# Whichever tool ran second reused the pages the first had just freed
# (its replaced basis) and came out up to twice as fast. So each run
# here starts alike: its own fresh copy of the old version, the caches
# synced and read, then memory written and freed just before the timed
# command (as bench/serve.sh does), so that the pages it gets are warm.
# FIRST=rsync runs rsync first here too.
WARM=/dev/shm/wsync-sync-bench-warm
trap 'rm -f "$WARM"' EXIT
# big_prep DIR: DIR/big.bin is the old version; free pages warm.
big_prep() {
  rm -rf "$1" && mkdir -p "$1"
  cp "$BIG/old/big.bin" "$1/big.bin"
  sync
  cat "$BIG/new/big.bin" "$1/big.bin" > /dev/null
  dd if=/dev/zero of="$WARM" bs=1M count=$((2 * BIG_MB + 1024)) status=none
  rm -f "$WARM"
}
# big_w / big_r: one timed delta run each; sets $w or $r and shows the
# literal and matched byte counts.
big_w() {
  big_prep "$W"
  w=$(run "$WSYNC" sync -a --no-whole-file --stats "$BIG/new/big.bin" "$W/big.bin")
  grep -E "Literal data|Matched data" "$BENCH_DIR/out.log" | sed 's/^/    wsync /'
}
big_r() {
  big_prep "$R"
  r=$(run rsync -a --no-whole-file --stats "$BIG/new/big.bin" "$R/big.bin")
  grep -E "Literal data|Matched data" "$BENCH_DIR/out.log" | sed 's/^/    rsync /'
}
if [ "$FIRST" = rsync ]; then big_r; big_w; else big_w; big_r; fi
if cmp -s "$W/big.bin" "$BIG/new/big.bin" && cmp -s "$R/big.bin" "$BIG/new/big.bin"; then v=same; else v=DIFFERENT; fi
row "(b) ${BIG_MB} MiB, 64 edits, delta" "$w" "$r" "$v"
# The same with the crate's signature/delta/patch (SHA-256 strong sums
# and whole-file check) instead of the local block matching.
big_prep "$W"
w=$(WSYNC_CORE_DELTA=1 run "$WSYNC" sync -a --no-whole-file "$BIG/new/big.bin" "$W/big.bin")
if cmp -s "$W/big.bin" "$BIG/new/big.bin"; then v=same; else v=DIFFERENT; fi
row "(b) same, wsync via the core" "$w" "$r" "$v"
rm -rf "$W" "$R"
