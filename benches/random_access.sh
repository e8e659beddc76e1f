#!/usr/bin/env bash
# Reads whose cost does not grow with the environment (DESIGN §7 round 2, issue 21):
# `get` and `verify` through the read-only SQLite VFS over age's 64 KiB chunks, at 100,
# 10,000 and 100,000 keys, next to `age -d` of the same file and, when OLD_KW names a
# keyward binary built before the VFS, next to the whole-file read it replaced.
#
#   bash benches/random_access.sh > benches/RESULTS-random-access.md
#   OLD_KW=/path/to/keyward-before bash benches/random_access.sh > …   # with the old read
#   QUICK=1 bash benches/random_access.sh                              # 20,000 keys, 5 rounds
#
# Method: benches/interleave.py times every command of the group once per round, in
# alternating order, so drift on a shared machine hits all of them alike; figures are
# medians with min–max; a ratio is the ratio of two medians with the min–max of the
# per-round ratios. Peak RSS from GNU time. Needs age (apt-get install age).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then BIG=20000; RUNS=${RUNS:-5}; else BIG=100000; RUNS=${RUNS:-25}; fi
WARMUP=${WARMUP:-2}
OLD_KW=${OLD_KW:-}

echo "== building release binaries..." >&2
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example bench_fixture
KW=$ROOT/target/release/keyward
FIX=$ROOT/target/release/examples/bench_fixture
command -v age >/dev/null || { echo "age is not installed (apt-get install age)" >&2; exit 1; }

W=$(mktemp -d /tmp/keyward-ra.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data XDG_RUNTIME_DIR=$W/run XDG_STATE_HOME=$W/state
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export KEYWARD_VAULT=$W/vault KEYWARD_IDENTITY=$W/id.key
unset KEYWARD_ENV KEYWARD_PASSPHRASE KEYWARD_PASSPHRASE_FILE NO_COLOR || true
"$KW" identity new --out "$W/id.key" >/dev/null 2>&1
TIMES=$W/times.jsonl
: > "$TIMES"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== fixtures: 100 / 10,000 / $BIG keys..." >&2
"$FIX" "$KEYWARD_VAULT" "$W/id.key" k100 100
"$FIX" "$KEYWARD_VAULT" "$W/id.key" k10k 10000
"$FIX" "$KEYWARD_VAULT" "$W/id.key" kbig "$BIG"
for e in k100 k10k kbig; do "$KW" -e "$e" get K000077 > "$W/presented.$e"; done
sync

args=()
for e in k100 k10k kbig; do
  args+=("get.$e" "$KW -e $e get K000050")
  args+=("verify.$e" "$KW -e $e verify < $W/presented.$e")
  args+=("show.$e" "$KW -e $e show K000050")
  args+=("age.$e" "age -d -i $W/id.key -o /dev/null $KEYWARD_VAULT/envs/$e.db.age")
  [ -n "$OLD_KW" ] && args+=("old.get.$e" "$OLD_KW -e $e get K000050")
done
args+=("list.kbig" "$KW -e kbig list --json")
[ -n "$OLD_KW" ] && args+=("old.list.kbig" "$OLD_KW -e kbig list --json")
echo "== timing (interleaved, $RUNS rounds)..." >&2
python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$RUNS" --warmup "$WARMUP" --group reads "${args[@]}" >&2

echo "== rotate one vs rotate --all, 10,000 keys (env file restored before every run, untimed)..." >&2
cp "$KEYWARD_VAULT/envs/k10k.db.age" "$W/k10k.pristine"
# Putting the old file back is a rewind (DESIGN §8): the pin goes with it.
rargs=(rotate.one "$KW -e k10k rotate K000001" rotate.all "$KW -e k10k rotate --all --yes")
[ -n "$OLD_KW" ] && rargs+=(old.rotate.one "$OLD_KW -e k10k rotate K000001" old.rotate.all "$OLD_KW -e k10k rotate --all --yes")
python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$(( RUNS < 11 ? RUNS : 11 ))" --warmup 1 --group rotate \
  --prepare "cp '$W/k10k.pristine' '$KEYWARD_VAULT/envs/k10k.db.age' && rm -f '$W/state'/keyward/pins/*/k10k.*" \
  "${rargs[@]}" >&2

RSS=$W/rss.tsv
: > "$RSS"
for e in k100 kbig; do
  for kw in "$KW" ${OLD_KW:+"$OLD_KW"}; do
    tag=new; [ "$kw" = "$KW" ] || tag=old
    vals=""
    for _ in 1 2 3; do
      /usr/bin/time -f '%M' -o "$W/rss" "$kw" -e "$e" get K000050 >/dev/null 2>&1
      vals="$vals${vals:+,}$(tail -1 "$W/rss")"
    done
    printf '%s\t%s\n' "rss.$tag.$e" "$vals" >> "$RSS"
  done
done

PYTHONPATH="$ROOT/benches" python3 - "$TIMES" "$RSS" "$BIG" "$RUNS" "$WARMUP" "$LOAD_START" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$(git -C "$ROOT" rev-parse --short HEAD)" "$(stat -c %s "$KEYWARD_VAULT/envs/kbig.db.age")" \
  "${OLD_KW:+yes}" <<'PY'
import statistics, sys
from benchlib import Times, read_list_tsv, spread
times_f, rss_f, big, runs, warmup, load0, load1, commit, size, old = sys.argv[1:11]
T = Times(times_f)
rss = read_list_tsv(rss_f)
cell, rcell = T.cell, T.rcell
def status(a, b, limit, at_most=True):
    r = T.ratio(a, b)[0]
    return "met" if (r <= limit if at_most else r >= limit) else "**not met**"
bign = f"{int(big):,}"
print("# Random-access reads: a read's cost independent of the environment's size\n")
print(f"Recorded by `bash benches/random_access.sh` (issue 21) at {commit}; {runs} interleaved rounds "
      f"after {warmup} warm-up rounds; load average (1/5/15 min) {load0} at the start, {load1} at the end.")
print("The machine (2 vCPUs) is shared with other engineers' builds: figures are noisy, ratios "
      "from the same round are the thing to read.\n")
print("Figures: median (min–max) wall time from spawn to exit. Ratios: ratio of medians "
      "(min–max of the per-round ratios).\n")
print("| measurement | keyward | compared with | ratio | target | status |")
print("|---|---|---|---|---|---|")
for e, n in [("k100", "100"), ("k10k", "10,000"), ("kbig", bign)]:
    print(f"| get, {n} keys | {cell('get.'+e)} | age -d {cell('age.'+e)} | {rcell('get.'+e, 'age.'+e)} | | |")
for e, n in [("k100", "100"), ("k10k", "10,000"), ("kbig", bign)]:
    print(f"| verify, {n} keys | {cell('verify.'+e)} | get {cell('get.'+e)} | {rcell('verify.'+e, 'get.'+e)} | ≤ 1.2x | {status('verify.'+e, 'get.'+e, 1.2)} |")
print(f"| get, {bign} keys vs 100 keys | {cell('get.kbig')} | {cell('get.k100')} | {rcell('get.kbig', 'get.k100')} | ≤ 1.2x | {status('get.kbig', 'get.k100', 1.2)} |")
print(f"| verify, {bign} keys vs 100 keys | {cell('verify.kbig')} | {cell('verify.k100')} | {rcell('verify.kbig', 'verify.k100')} | ≤ 1.2x | {status('verify.kbig', 'verify.k100', 1.2)} |")
print(f"| show (a read without the journal append), {bign} keys vs 100 keys | {cell('show.kbig')} | {cell('show.k100')} | {rcell('show.kbig', 'show.k100')} | | |")
print(f"| journal append: get vs show, {bign} keys | {cell('get.kbig')} | show {cell('show.kbig')} | {rcell('get.kbig', 'show.kbig')} | ≤ 1.2x | {status('get.kbig', 'show.kbig', 1.2)} |")
print(f"| age -d / get, {bign} keys | {cell('age.kbig')} | get {cell('get.kbig')} | {rcell('age.kbig', 'get.kbig')} | ≥ 3x | {status('age.kbig', 'get.kbig', 3.0, False)} |")
print(f"| age -d / verify, {bign} keys | {cell('age.kbig')} | verify {cell('verify.kbig')} | {rcell('age.kbig', 'verify.kbig')} | ≥ 3x | {status('age.kbig', 'verify.kbig', 3.0, False)} |")
print(f"| list --json, {bign} keys | {cell('list.kbig')} | get {cell('get.kbig')} | {rcell('list.kbig', 'get.kbig')} | ≤ 2x | {status('list.kbig', 'get.kbig', 2.0)} |")
print(f"| rotate --all, 10,000 keys | {cell('rotate.all')} | one rotate {cell('rotate.one')} | {rcell('rotate.all', 'rotate.one')} | ≤ 3x | {status('rotate.all', 'rotate.one', 3.0)} |")
if old:
    print(f"| rotate --all, 10,000 keys, before | {cell('old.rotate.all')} | one rotate {cell('old.rotate.one')} | {rcell('old.rotate.all', 'old.rotate.one')} | ≤ 3x | {status('old.rotate.all', 'old.rotate.one', 3.0)} |")
    for e, n in [("k100", "100"), ("k10k", "10,000"), ("kbig", bign)]:
        print(f"| get, {n} keys: VFS vs whole-file read (before) | {cell('get.'+e)} | before {cell('old.get.'+e)} | {rcell('get.'+e, 'old.get.'+e)} | | |")
    print(f"| list --json, {bign} keys: now vs before | {cell('list.kbig')} | before {cell('old.list.kbig')} | {rcell('list.kbig', 'old.list.kbig')} | | |")
def rsscell(k):
    return spread(rss[k], 1024, fmt=lambda x: f"{x:.1f}", suffix=" MiB")
for e, n in [("k100", "100"), ("kbig", bign)]:
    extra = f" | before {rsscell('rss.old.'+e)}" if old else " | "
    print(f"| peak RSS, get, {n} keys | {rsscell('rss.new.'+e)}{extra} | | | |")
print(f"\nThe {bign}-key env file is {int(size):,} bytes ({int(size) / 65552:.0f} chunks of 64 KiB).")
PY
