#!/usr/bin/env bash
# Installs what building and testing wsync needs. Idempotent: each step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# 0. A regular file where /dev/null should be (left by a tool that renamed
# a file over it) silently feeds garbage to every reader, rustc included.
if [ ! -c /dev/null ] && [ "$(id -u)" = 0 ]; then
  say "restoring /dev/null"
  rm -f /dev/null && mknod -m 666 /dev/null c 1 3
fi

# 1. The wasm32 target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 1b. The standard libraries of the other hosts wsync builds for (macOS on
# Intel and Apple silicon, FreeBSD): test.sh checks the binary for them.
for t in x86_64-apple-darwin aarch64-apple-darwin x86_64-unknown-freebsd; do
  if ! rustup target list --installed | grep -qx "$t"; then
    say "adding the $t target"
    rustup target add "$t"
  fi
done

# 2. wasm-bindgen-cli, the same version as the wasm-bindgen crate in Cargo.lock.
if [ ! -f Cargo.lock ]; then cargo generate-lockfile; fi
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (found: ${have:-none})"
  # Not --locked: the registry lacks some versions its lockfile pins.
  cargo install wasm-bindgen-cli --version "$want"
fi

# 3. Debian packages the tests use: peers (rsync, rdiff, sshd) and the
# browser the end-to-end tests drive (chromium, through playwright-core).
missing=()
command -v rsync >/dev/null || missing+=(rsync)
command -v rdiff >/dev/null || missing+=(rdiff)
command -v chromium >/dev/null || missing+=(chromium)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 4. npm packages (tests and benchmarks), when the lock file changed.
if [ -f package-lock.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  say "installing npm packages"
  npm ci --no-audit --no-fund
fi
# The peers the tests compare with are whatever Debian installs now: say
# which (the suite's reference is this rsync; see docs/RSYNC.md).
say "peers: $(rsync --version | head -1 | tr -s ' '); $(rdiff --version 2>&1 | head -1)"
say "ready"
