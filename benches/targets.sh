#!/usr/bin/env bash
# The DESIGN §7 targets issue 21 left open, before and after the work on them:
# `rotate --all` over 10,000 keys vs one `rotate`, `run -- true` with 100 keys vs `get`,
# and `list --json` at 100,000 keys vs one `get` — each group interleaved, with the
# binary before the change (OLD_KW) in the same rounds when given.
#
#   OLD_KW=/path/to/keyward-before bash benches/targets.sh > benches/RESULTS-targets.md
#   QUICK=1 bash benches/targets.sh          # 20,000 keys, 5 rounds
#
# Method: benches/interleave.py (each round runs every command of a group once, in
# alternating order; medians with min–max; a ratio is the ratio of the medians with the
# min–max of the per-round ratios). CPU time (user + sys, children included, from
# wait4's rusage) is recorded too, so the fsync waits of a shared disk can be told apart from the
# work itself. Needs age (apt-get install age).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then BIG=20000; RUNS=${RUNS:-5}; else BIG=100000; RUNS=${RUNS:-21}; fi
OLD_KW=${OLD_KW:-}

echo "== building release binaries..." >&2
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example bench_fixture
KW=$ROOT/target/release/keyward
FIX=$ROOT/target/release/examples/bench_fixture

W=$(mktemp -d /tmp/keyward-targets.XXXXXX)
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
cp "$KEYWARD_VAULT/envs/k10k.db.age" "$W/k10k.pristine"
sync

# Putting the old file back is a rewind (DESIGN §8): the pin goes with it.
RESTORE="cp '$W/k10k.pristine' '$KEYWARD_VAULT/envs/k10k.db.age' && rm -f '$W/state'/keyward/pins/*/k10k.*"
echo "== rotate one vs rotate --all, 10,000 keys..." >&2
rargs=(rotate.one "$KW -e k10k rotate K000001" rotate.all "$KW -e k10k rotate --all --yes")
[ -n "$OLD_KW" ] && rargs+=(old.rotate.one "$OLD_KW -e k10k rotate K000001" old.rotate.all "$OLD_KW -e k10k rotate --all --yes")
python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$(( RUNS < 15 ? RUNS : 15 ))" --warmup 1 --group rotate \
  --prepare "$RESTORE" "${rargs[@]}" >&2
sh -c "$RESTORE"

echo "== run -- true vs get, 100 keys..." >&2
args=(run "$KW -e k100 run --no-redact -- true" get "$KW -e k100 get K000050"
      export "$KW -e k100 export --format dotenv" true true)
[ -n "$OLD_KW" ] && args+=(old.run "$OLD_KW -e k100 run --no-redact -- true" old.get "$OLD_KW -e k100 get K000050")
python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$RUNS" --warmup 2 --group run "${args[@]}" >&2

echo "== list --json vs get, $BIG keys..." >&2
args=(list "$KW -e kbig list --json" get.big "$KW -e kbig get K000050" show.big "$KW -e kbig show K000050"
      age "age -d -i $W/id.key -o /dev/null $KEYWARD_VAULT/envs/kbig.db.age")
[ -n "$OLD_KW" ] && args+=(old.list "$OLD_KW -e kbig list --json")
command -v age >/dev/null || { echo "age is not installed (apt-get install age)" >&2; exit 1; }
python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$(( RUNS < 11 ? RUNS : 11 ))" --warmup 1 --group list "${args[@]}" >&2

# CPU time (user+sys of the command and its children, from wait4's rusage in µs),
# median of 5 runs: the work without the waits for the disk.
CPU=$W/cpu.tsv
: > "$CPU"
cpu() { # NAME PREPARE COMMAND…
  local name=$1 prep=$2; shift 2
  python3 - "$name" "$prep" "$@" >> "$CPU" <<'PYCPU'
import os, subprocess, sys
name, prep, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
vals = []
for _ in range(5):
    if prep:
        subprocess.run(["sh", "-c", prep], check=True)
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(cmd, stdout=null, stderr=null)
        _, status, ru = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"cpu: {cmd} failed")
    vals.append((ru.ru_utime + ru.ru_stime) * 1000)
print(name + "\t" + ",".join(f"{v:.2f}" for v in vals))
PYCPU
}
for kw in "$KW" ${OLD_KW:+"$OLD_KW"}; do
  tag=new; [ "$kw" = "$KW" ] || tag=old
  cpu "$tag.rotate.one" "$RESTORE" "$kw" -e k10k rotate K000001
  cpu "$tag.rotate.all" "$RESTORE" "$kw" -e k10k rotate --all --yes
  cpu "$tag.list" "" "$kw" -e kbig list --json
  cpu "$tag.run" "" "$kw" -e k100 run --no-redact -- true
  cpu "$tag.get" "" "$kw" -e k100 get K000050
done
sh -c "$RESTORE"

PYTHONPATH="$ROOT/benches" python3 - "$TIMES" "$CPU" "$BIG" "$RUNS" "$LOAD_START" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$(git -C "$ROOT" rev-parse --short HEAD)" "${OLD_KW:+yes}" "$("$KW" -e kbig list --json | wc -c)" <<'PY'
import statistics, sys
from benchlib import Times, read_list_tsv, spread
times_f, cpu_f, big, runs, load0, load1, commit, old, jsonsize = sys.argv[1:10]
T = Times(times_f)
cpu = read_list_tsv(cpu_f)
cell, rcell = T.cell, T.rcell
def status(a, b, limit):
    return "met" if T.ratio(a, b)[0] <= limit else "**not met**"
def ccell(k):
    return spread(cpu[k], fmt=lambda x: f"{x:.1f}", suffix=" ms")
def cratio(a, b):
    return f"{statistics.median(cpu[a]) / statistics.median(cpu[b]):.2f}x"
bign = f"{int(big):,}"
print("# The §7 targets left by issue 21: rotate --all, run -- true, list --json\n")
print(f"Recorded by `bash benches/targets.sh` at {commit}; wall times interleaved ({runs} rounds for run, "
      f"up to 15 for rotate, up to 11 for list); load average (1/5/15 min) {load0} at the start, {load1} at the end.")
print("The machine (2 vCPUs) is shared with other engineers' builds: figures are noisy; ratios "
      "of the same round are the thing to read. CPU times (user + sys of the process and its children, from wait4, median of 5) "
      "leave out the waits for the disk.\n")
print("| measurement | keyward | compared with | ratio (per-round min–max) | target | status |")
print("|---|---|---|---|---|---|")
print(f"| rotate --all, 10,000 keys | {cell('rotate.all')} | one rotate {cell('rotate.one')} | {rcell('rotate.all', 'rotate.one')} | ≤ 3x | {status('rotate.all', 'rotate.one', 3.0)} |")
if old:
    print(f"| rotate --all, 10,000 keys, before | {cell('old.rotate.all')} | one rotate {cell('old.rotate.one')} | {rcell('old.rotate.all', 'old.rotate.one')} | ≤ 3x | {status('old.rotate.all', 'old.rotate.one', 3.0)} |")
    print(f"| rotate --all, 10,000 keys: now vs before | {cell('rotate.all')} | before {cell('old.rotate.all')} | {rcell('rotate.all', 'old.rotate.all')} | | |")
print(f"| CPU: rotate --all vs one rotate | {ccell('new.rotate.all')} | {ccell('new.rotate.one')} | {cratio('new.rotate.all', 'new.rotate.one')} | | |")
if old:
    print(f"| CPU: rotate --all vs one rotate, before | {ccell('old.rotate.all')} | {ccell('old.rotate.one')} | {cratio('old.rotate.all', 'old.rotate.one')} | | |")
print(f"| run --no-redact -- true, 100 keys | {cell('run')} | get {cell('get')} | {rcell('run', 'get')} | ≤ 1.2x | {status('run', 'get', 1.2)} |")
print(f"| run -- true vs export (the same 100 keys, 100 journal rows) | {cell('run')} | export {cell('export')} | {rcell('run', 'export')} | | |")
print(f"| `true` alone | {cell('true')} | | | | |")
print(f"| CPU: run -- true vs get, 100 keys | {ccell('new.run')} | get {ccell('new.get')} | {cratio('new.run', 'new.get')} | | |")
if old:
    print(f"| run --no-redact -- true, 100 keys, before | {cell('old.run')} | get {cell('old.get')} | {rcell('old.run', 'old.get')} | ≤ 1.2x | {status('old.run', 'old.get', 1.2)} |")
    print(f"| CPU: run -- true vs get, 100 keys, before | {ccell('old.run')} | get {ccell('old.get')} | {cratio('old.run', 'old.get')} | | |")
print(f"| list --json, {bign} keys | {cell('list')} | get {cell('get.big')} | {rcell('list', 'get.big')} | ≤ 2x | {status('list', 'get.big', 2.0)} |")
print(f"| list --json vs age -d of the same file, {bign} keys | {cell('list')} | age -d {cell('age')} | {rcell('list', 'age')} | | |")
if old:
    print(f"| list --json, {bign} keys: now vs before | {cell('list')} | before {cell('old.list')} | {rcell('list', 'old.list')} | | |")
    print(f"| CPU: list --json, {bign} keys: now vs before | {ccell('new.list')} | before {ccell('old.list')} | {cratio('new.list', 'old.list')} | | |")
print(f"\n`list --json` at {bign} keys prints {int(jsonsize):,} bytes of JSON.")
PY
