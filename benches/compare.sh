#!/usr/bin/env bash
# Whole-command benchmarks of keyward next to its peers (DESIGN §7), in one run, as ratios.
#
#   bash benches/compare.sh > benches/RESULTS.md   # the whole report; ~1.5 minutes on 2 cores
#   QUICK=1 bash benches/compare.sh                # small fixtures, 3 rounds: a smoke test
#   RUNS=9 WARMUP=1 bash benches/compare.sh        # fewer rounds
#
# Method (DESIGN §7 round 2): every ratio compares commands timed INTERLEAVED in one group
# by benches/interleave.py: each round runs each command of the group once (order A B…,
# then …B A), so drift on a shared machine hits both sides of a ratio alike. Figures are
# medians with min–max over the rounds; a ratio is the ratio of the two medians, shown with
# the min–max of the per-round ratios. Commands run without a shell. hyperfine is not needed.
# Peak RSS comes from /usr/bin/time (GNU time), median of a few runs.
#
# Peers: age (age -d of the same env file), pass (+ gnupg), ripgrep. Missing ones are skipped
# with a note. Install them with:
#   apt-get install age pass gnupg ripgrep
# (Debian's package named `passage` is an unrelated game, not the age password store, and
# passage itself is not packaged: it is not compared here.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  BIG=20000; JOURNAL=100000; RUNS=${RUNS:-3}; WARMUP=${WARMUP:-1}; SLOW_RUNS=2; RSS_RUNS=1
  BIGTEXT=15000000; SCAN_MB=30
else
  BIG=100000; JOURNAL=1000000; RUNS=${RUNS:-25}; WARMUP=${WARMUP:-2}; SLOW_RUNS=5; RSS_RUNS=3
  BIGTEXT=75000000; SCAN_MB=300
fi

have() { command -v "$1" >/dev/null 2>&1; }
note() { echo "note: $*" >&2; }
say() { echo "== $*" >&2; }

say "building release binaries..."
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example bench_fixture
KW=$ROOT/target/release/keyward
FIX=$ROOT/target/release/examples/bench_fixture

ORIG_HOME=$HOME
RUSTC_VERSION=$(rustc --version 2>/dev/null || echo unknown)   # rustup needs the real HOME
W=$(mktemp -d /tmp/keyward-bench.XXXXXX)
cleanup() {
  # end only what this script started: its keyward agent and its gpg-agent
  KEYWARD_VAULT=$W/pvault XDG_CONFIG_HOME=$W/pconfig "$KW" lock >/dev/null 2>&1 || true
  if [ -d "$W/gnupg" ]; then GNUPGHOME=$W/gnupg gpgconf --kill gpg-agent >/dev/null 2>&1 || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data XDG_RUNTIME_DIR=$W/run XDG_STATE_HOME=$W/state
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export KEYWARD_VAULT=$W/vault KEYWARD_IDENTITY=$W/id.key
unset KEYWARD_ENV KEYWARD_PASSPHRASE KEYWARD_PASSPHRASE_FILE NO_COLOR || true
"$KW" identity new --out "$W/id.key" >/dev/null 2>&1

TIMES=$W/times.jsonl    # one JSON line per command: name, group, wall time of each round
SCALARS=$W/scalars.tsv  # name <TAB> value: sizes, counts, versions, machine
RSS=$W/rss.tsv          # name <TAB> peak RSS in KiB of each run
: > "$TIMES"; : > "$SCALARS"; : > "$RSS"

scalar() { printf '%s\t%s\n' "$1" "$2" >> "$SCALARS"; }
# an interleaved group: group NAME CMD [NAME CMD …] (options of interleave.py first)
group() { python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$RUNS" --warmup "$WARMUP" "$@"; }
# peak RSS in KiB: peak NAME COMMAND… (exits if the command fails: a failing run measures nothing)
peak() {
  local name=$1 vals="" i
  shift
  for i in $(seq "$RSS_RUNS"); do
    /usr/bin/time -f '%M' -o "$W/rss" "$@" >/dev/null 2>"$W/rss.err" \
      || { echo "peak $name failed: $(cat "$W/rss.err")" >&2; exit 1; }
    vals="$vals${vals:+,}$(tail -1 "$W/rss")"
  done
  printf '%s\t%s\n' "$name" "$vals" >> "$RSS"
}
# rows in an env's access journal, counted by SQLite itself (0 when there is no journal)
jrows() {
  python3 - "$KEYWARD_VAULT/journal/$1.db" <<'PY'
import os, sqlite3, sys
p = sys.argv[1]
if not os.path.exists(p):
    print(0)
else:
    c = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
    print(c.execute("SELECT count(*) FROM journal").fetchone()[0])
PY
}
fsize() { stat -c %s "$1"; }

# --- the machine and the versions, for the report's header
scalar meta.date "$(date -u '+%Y-%m-%d %H:%M UTC')"
scalar meta.cpu "$(nproc) x $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
scalar meta.mem "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
scalar meta.kernel "$(uname -sr)"
scalar meta.fs "$(df -T "$W" | awk 'NR==2 {print $2}') ($W)"
scalar meta.load.start "$(cut -d' ' -f1-3 /proc/loadavg)"
scalar meta.keyward "$("$KW" --version 2>/dev/null | head -1)"
scalar meta.commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ modified)')"
scalar meta.rustc "$RUSTC_VERSION"
scalar meta.python "$(python3 --version 2>&1)"
have age && scalar meta.age "age $(age --version 2>&1 | head -1)"
have pass && scalar meta.pass "pass $(pass version 2>/dev/null | grep -o 'v[0-9.]*' | head -1)"
have gpg && scalar meta.gpg "$(gpg --version | head -1)"
have rg && scalar meta.rg "$(rg --version | head -1)"
scalar meta.quick "$QUICK"
scalar meta.runs "$RUNS"
scalar meta.warmup "$WARMUP"

say "building fixtures (100 / 10,000 / $BIG keys; $JOURNAL journal events)..."
"$FIX" "$KEYWARD_VAULT" "$W/id.key" k100 100
"$FIX" "$KEYWARD_VAULT" "$W/id.key" k10k 10000
"$FIX" "$KEYWARD_VAULT" "$W/id.key" kbig "$BIG"
"$FIX" "$KEYWARD_VAULT" "$W/id.key" jnone 10000
"$FIX" "$KEYWARD_VAULT" "$W/id.key" jfull 10000 "$JOURNAL"
cp "$KEYWARD_VAULT/envs/k10k.db.age" "$W/k10k.pristine"
"$KW" env add empty >/dev/null 2>&1
scalar keys.kbig "$BIG"
for e in k100 k10k kbig empty; do scalar "size.$e" "$(fsize "$KEYWARD_VAULT/envs/$e.db.age")"; done

if have pass && have gpg; then
  say "building a pass store of 10,000 entries..."
  export GNUPGHOME=$W/gnupg PASSWORD_STORE_DIR=$W/pass
  mkdir -p "$GNUPGHOME" && chmod 700 "$GNUPGHOME"
  gpg --batch --quiet --passphrase '' --quick-gen-key bench@keyward.invalid default default never 2>/dev/null
  pass init bench@keyward.invalid >/dev/null
  "$KW" -e k10k get K000077 | pass insert -m bench/K000000 >/dev/null
  # pass keeps one gpg file per entry; a store of N entries is N such files.
  python3 - "$PASSWORD_STORE_DIR/bench" <<'PY'
import shutil, sys
d = sys.argv[1]
for i in range(1, 10000):
    shutil.copyfile(f"{d}/K000000.gpg", f"{d}/K{i:06d}.gpg")
PY
  pass show bench/K000050 >/dev/null   # starts gpg-agent: measured warm, as DESIGN §7 says
else
  note "pass/gpg not installed: no pass show comparison"
fi
have age || note "age is not installed: no age -d comparison"
sync   # let the fixtures' writeback finish: it would slow every fsync measured below

say "reads at three sizes: get, age -d, pass show, list --json (interleaved)..."
args=()
for e in k100 k10k kbig; do
  args+=("get.$e" "$KW -e $e get K000050")
  have age && args+=("age.$e" "age -d -i $W/id.key -o /dev/null $KEYWARD_VAULT/envs/$e.db.age")
done
args+=("get.k10k.again" "$KW -e k10k get K000050")   # A/A control: the noise of one ratio
# show opens the env and reads the key like get, without the journal append (and its fsync)
for e in k10k kbig; do args+=("show.$e" "$KW -e $e show K000050"); done
have pass && have gpg && args+=("pass.show" "pass show bench/K000050")
for e in k100 k10k kbig; do args+=("list.$e" "$KW -e $e list --json"); done
group --group reads "${args[@]}"
for e in k100 k10k kbig; do peak "rss.get.$e" "$KW" -e "$e" get K000050; done

say "verify vs get..."
"$KW" -e k10k get K000077 > "$W/presented"
group --group verify verify.k10k "$KW -e k10k verify < $W/presented" get.k10k.v "$KW -e k10k get K000077"

say "journal: get with a full vs an empty journal, and get vs show..."
scalar journal.jfull.before "$(jrows jfull)"
scalar journal.jnone.before "$(jrows jnone)"
group --group journal get.jfull "$KW -e jfull get K000050" get.jnone "$KW -e jnone get K000050" \
  show.jnone "$KW -e jnone show K000050"
scalar journal.jfull.after "$(jrows jfull)"
scalar journal.jnone.after "$(jrows jnone)"
# one timed export of the whole trail (lifecycle events of the env file + journal rows)
start=$(date +%s%N)
"$KW" -e jfull audit export --format jsonl --out "$W/export.jsonl" >/dev/null 2>&1
end=$(date +%s%N)
scalar export.lines "$(wc -l < "$W/export.jsonl")"
scalar export.secs "$(python3 -c "print(($end-$start)/1e9)")"
scalar export.journal_rows "$(jrows jfull)"
rm -f "$W/export.jsonl"

say "rotate one vs rotate --all (env file restored before every run, untimed)..."
# Putting the old file back is a rewind (DESIGN §8): this machine's pin of k10k is
# forgotten with it, as on a machine that never saw the later state.
group --group rotate --prepare "cp '$W/k10k.pristine' '$KEYWARD_VAULT/envs/k10k.db.age' && rm -f '$W/state'/keyward/pins/*/k10k.*" \
  rotate.one "$KW -e k10k rotate K000001" rotate.all "$KW -e k10k rotate --all --yes"
cp "$W/k10k.pristine" "$KEYWARD_VAULT/envs/k10k.db.age"
rm -f "$W/state"/keyward/pins/*/k10k.*

say "run -- true vs get..."
group --group run run.k100 "$KW -e k100 run --no-redact -- true" get.k100.r "$KW -e k100 get K000050" \
  true true

say "redaction: one 64 KiB value vs one 64-byte value; throughput..."
"$KW" env add rbig >/dev/null 2>&1; "$KW" env add rsmall >/dev/null 2>&1
head -c 49152 /dev/urandom | base64 -w0 | "$KW" -e rbig set V >/dev/null 2>&1
head -c 48 /dev/urandom | base64 -w0 | "$KW" -e rsmall set V >/dev/null 2>&1
group --group redact-linear run.v64k "$KW -e rbig run --redact -- true" run.v64 "$KW -e rsmall run --redact -- true"
head -c "$BIGTEXT" /dev/urandom | base64 -w 100 > "$W/big.txt"
scalar big.bytes "$(fsize "$W/big.txt")"
cat "$W/big.txt" > /dev/null   # in the page cache for both
group --group redact-throughput cat.big "cat $W/big.txt" redact.big "$KW -e k100 run --redact -- cat $W/big.txt"
rm -f "$W/big.txt"

say "passphrase identity: scrypt unlock with no agent, then the agent..."
(
  export KEYWARD_VAULT=$W/pvault XDG_CONFIG_HOME=$W/pconfig
  unset KEYWARD_IDENTITY
  KEYWARD_PASSPHRASE=bench "$KW" init -q --envs dev >/dev/null
  KEYWARD_PASSPHRASE=bench "$FIX" "$KEYWARD_VAULT" "$XDG_CONFIG_HOME/keyward/identity.age" k10k 10000
  sync   # as above: a fresh fixture's writeback made the first gets' fsyncs 4x slower
  "$KW" lock >/dev/null 2>&1
  served=$(KEYWARD_PASSPHRASE=bench "$KW" identity show --json 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin).get("agent"))')
  [ "$served" = False ] || { echo "an agent serves the identity: cannot measure scrypt" >&2; exit 1; }
  scalar scrypt.agent_running "$served"
  python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$SLOW_RUNS" --warmup 0 --group scrypt \
    get.scrypt "env KEYWARD_PASSPHRASE=bench $KW -e k10k get K000050"
  peak rss.get.scrypt env KEYWARD_PASSPHRASE=bench "$KW" -e k10k get K000050
  KEYWARD_PASSPHRASE=bench "$KW" unlock --for 10m >/dev/null 2>&1
  peak rss.get.agent "$KW" -e k10k get K000050
  group --group agent get.agent "$KW -e k10k get K000050" \
    get.plain.k10k "env KEYWARD_VAULT=$W/vault KEYWARD_IDENTITY=$W/id.key $KW -e k10k get K000050"
  "$KW" lock >/dev/null 2>&1
)

if have rg; then
  say "scan vs rg -F -f (benches/scan.sh)..."
  # scan.sh builds with cargo, which needs the real HOME; it appends to our result files
  HOME=$ORIG_HOME SIZE_MB=$SCAN_MB RUNS=$(( RUNS < 7 ? RUNS : 7 )) WARMUP=1 \
    BENCH_TIMES=$TIMES BENCH_SCALARS=$SCALARS bash benches/scan.sh >/dev/null \
    || note "benches/scan.sh failed"
else
  note "ripgrep is not installed: no scan comparison"
fi

scalar meta.load.end "$(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$ROOT/benches/report.py" "$TIMES" "$SCALARS" "$RSS"
