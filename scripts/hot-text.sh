#!/usr/bin/env bash
# Regenerates scripts/hot-text.txt: the functions keyward's everyday commands run, in
# the order the release link lays them out (build.rs passes the file to the linker).
#
#   bash scripts/hot-text.sh      # needs valgrind; ~2 minutes on 2 cores
#
# Why: a process maps its binary's code a 64 KiB window at a time, on the first call
# into each window. Linked in source order, the code a `get` runs is spread over ~8 MiB
# of the binary's 8.5 MiB, and each window costs a page fault (2.4 µs here, ~100 of
# them a `get`). Laid out together, it fits in ~2 MiB.
#
# The names are the linker's (mangled). A name the binary no longer has is ignored at
# link time, so a stale file costs speed, never a build. About a tenth of the names
# carry a suffix ThinLTO derives from their module's contents (`.llvm.N`), which any
# change to the crate can move: run this as the last step of a change that touches the
# code, and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
command -v valgrind >/dev/null || { echo "hot-text: valgrind is needed" >&2; exit 2; }

# The binary on its own, as `cargo install` builds it: built together with an example,
# dev-dependencies' features join in, and many function names (their hashes) differ.
cargo build --release --locked --quiet --example bench_fixture
cargo build --release --locked --quiet --bin keyward
KW=$ROOT/target/release/keyward
FIX=$ROOT/target/release/examples/bench_fixture

W=$(mktemp -d /tmp/keyward-hot.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data XDG_STATE_HOME=$W/state
export XDG_RUNTIME_DIR=$W/run KEYWARD_VAULT=$W/vault KEYWARD_IDENTITY=$W/id.key
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
"$KW" identity new --out "$W/id.key" >/dev/null 2>&1
"$FIX" "$KEYWARD_VAULT" "$W/id.key" small 100 >/dev/null   # read whole (compressed)
"$FIX" "$KEYWARD_VAULT" "$W/id.key" large 10000 >/dev/null # read page by page

n=0
profile() {   # profile CMD...: one callgrind run of keyward, stdin from $W/in
  n=$((n + 1))
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$W/cg.$(printf %03d $n)" \
    "$KW" "$@" <"$W/in" >/dev/null 2>&1 || true
}
# In order of importance: each command's functions go after those of the commands
# before it, so the code of a `get` lies together, then what `show` adds to it, and so
# on; the everyday writes come last.
: >"$W/in"
for e in small large; do
  profile -e "$e" get K000042
  profile -e "$e" show K000042
  profile -e "$e" run -- true
  profile -e "$e" list
  profile -e "$e" list --json
  profile -e "$e" check
  "$KW" -e "$e" get K000042 >"$W/in" 2>/dev/null
  profile -e "$e" verify
  : >"$W/in"
done
profile --version
profile -e small rotate K000001
profile -e small revoke K000002 --reason hot-text --yes

nm --defined-only "$KW" | awk '$2 ~ /^[tTwW]$/ { print $3 }' | LC_ALL=C sort -u >"$W/defined"
: >"$W/seen"
: >"$W/order"
for f in "$W"/cg.*; do
  # Callgrind names each function it saw ("fn=(id) name" at its first mention). Sorted
  # within each command, so that a new run changes only the lines that changed.
  sed -nE 's/^c?fn=\([0-9]+\) (.*)$/\1/p' "$f" | LC_ALL=C sort -u |
    LC_ALL=C comm -23 - "$W/seen" | LC_ALL=C comm -12 - "$W/defined" >"$W/new"
  cat "$W/new" >>"$W/order"
  LC_ALL=C sort -u "$W/seen" "$W/new" -o "$W/seen"
done
cp "$W/order" scripts/hot-text.txt
echo "hot-text: $(wc -l <scripts/hot-text.txt) functions in scripts/hot-text.txt" >&2
