#!/usr/bin/env python3
"""Creates the benchmark tree: DIRS directories of FILES empty files each
(1,000 x 1,000 = a million paths by default), skipping it if present."""
import os, sys

root = sys.argv[1]
dirs = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
files = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
stamp = os.path.join(root, ".complete-%d-%d" % (dirs, files))
if os.path.exists(stamp):
    sys.exit(0)
exts = [".c", ".h", ".o", ".txt", ".log", ".tmp", ".rs", ".md"]
for d in range(dirs):
    dp = os.path.join(root, "src", "d%03d" % (d // 100), "sub%04d" % d)
    os.makedirs(dp, exist_ok=True)
    for f in range(files):
        fd = os.open(os.path.join(dp, "file%04d%s" % (f, exts[f % len(exts)])), os.O_CREAT | os.O_WRONLY, 0o644)
        os.close(fd)
open(stamp, "w").close()
