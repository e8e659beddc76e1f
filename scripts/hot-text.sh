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
# link time, so a stale file costs speed, never a build: run this again after large
# changes or a new Rust, and commit the result.
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
: >"$W/in"
# Reads first: they are what the layout is for, and the file's order is the layout's.
for e in small large; do
  "$KW" -e "$e" get K000042 >"$W/in" 2>/dev/null
  profile -e "$e" verify
  : >"$W/in"
  profile -e "$e" get K000042
  profile -e "$e" show K000042
  profile -e "$e" run -- true
  profile -e "$e" list
  profile -e "$e" list --json
  profile -e "$e" check
done
profile --version
# Then the everyday writes, after every read's functions.
profile -e small rotate K000001
profile -e small revoke K000002 --reason hot-text --yes

nm --defined-only "$KW" | awk '$2 ~ /^[tTwW]$/ { print $3 }' | sort -u >"$W/defined"
# Callgrind names a function once per file, at its first mention ("fn=(id) name").
for f in "$W"/cg.*; do
  sed -nE 's/^c?fn=\([0-9]+\) (.*)$/\1/p' "$f"
done | awk '!seen[$0]++' >"$W/names"
grep -Fxf "$W/defined" "$W/names" >scripts/hot-text.txt
echo "hot-text: $(wc -l <scripts/hot-text.txt) functions in scripts/hot-text.txt" >&2
