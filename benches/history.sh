#!/usr/bin/env bash
# `audit verify --git` on a long history (DESIGN §7 round 3): the check after one new
# commit, with the commits verified before remembered on this machine, next to checking
# that one commit alone; and the whole history checked once (`--full`).
#
#   bash benches/history.sh > benches/RESULTS-history.md   # 10,000 commits
#   QUICK=1 bash benches/history.sh                         # 400 commits, 5 rounds
#   COMMITS=2000 ENVS=20 bash benches/history.sh
#
# The history (benches/history_fixture.rs, through the library and one git fast-import):
# ENVS environments of 10 keys, then COMMITS commits, each rotating one key of one
# environment, round robin, signed like every write. Then one more commit by `keyward
# rotate` + `git commit`, and, interleaved (benches/interleave.py):
#   again: `audit verify --git`, with the memory as it was before that commit (restored
#          before every run, untimed): it walks the new commit only;
#   one:   `audit verify --git --full HEAD^!`: that one commit checked, nothing remembered.
# Both print the heads of every environment at HEAD (each tip file is decrypted), as any
# run does. With BENCH_TIMES / BENCH_SCALARS set (compare.sh does), the raw figures are
# appended there for benches/report.py too.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then COMMITS=${COMMITS:-400}; ENVS=${ENVS:-10}; RUNS=${RUNS:-5}
else COMMITS=${COMMITS:-10000}; ENVS=${ENVS:-100}; RUNS=${RUNS:-15}; fi
say() { echo "== $*" >&2; }

if [ -z "${KW:-}" ]; then
  say "building release binaries..."
  CARGO_INCREMENTAL=0 cargo build --release --locked --offline --quiet --example bench_history
  CARGO_INCREMENTAL=0 cargo build --release --locked --offline --quiet --bin keyward   # as installed
  KW=$ROOT/target/release/keyward
fi
HIST=${HIST:-$(dirname "$KW")/examples/bench_history}
[ -x "$HIST" ] || CARGO_INCREMENTAL=0 cargo build --release --locked --offline --quiet --example bench_history
export PYTHONPATH=$ROOT/benches${PYTHONPATH:+:$PYTHONPATH}

W=$(mktemp -d /tmp/keyward-history.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data XDG_STATE_HOME=$W/state
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.org
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.org
mkdir -p "$HOME"
unset KEYWARD_ENV KEYWARD_PASSPHRASE KEYWARD_PASSPHRASE_FILE KEYWARD_TRUST_ROOT NO_COLOR || true
"$KW" identity new --out "$W/id.key" >/dev/null 2>&1
export KEYWARD_IDENTITY=$W/id.key KEYWARD_VAULT=$W/repo/vault
TIMES=$W/times.jsonl; SCALARS=$W/scalars.tsv
: > "$TIMES"; : > "$SCALARS"
scalar() { printf '%s\t%s\n' "$1" "$2" >> "$SCALARS"; }

say "a history of $COMMITS commits over $ENVS environments..."
start=$(date +%s%N)
"$HIST" "$W/repo" "$W/id.key" "$ENVS" 10 "$COMMITS"
scalar history.build_secs "$(python3 -c "print(($(date +%s%N)-$start)/1e9)")"
scalar history.commits "$(git -C "$W/repo" rev-list --count HEAD)"
scalar history.envs "$ENVS"
scalar history.pack_mb "$(du -sm "$W/repo/.git" | cut -f1)"

say "the whole history, checked once (--full)..."
start=$(date +%s%N)
"$KW" audit verify --git --full -q
scalar history.full_secs "$(python3 -c "print(($(date +%s%N)-$start)/1e9)")"
MEM=$(ls "$XDG_STATE_HOME"/keyward/pins/*/verified-commits)
cp "$MEM" "$W/memory.before"

say "one new commit, then: again (remembered) vs that one commit alone..."
"$KW" -e e000 rotate K000001 >/dev/null 2>&1
git -C "$W/repo" commit -qam "one more rotation"
python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$RUNS" --warmup 1 --group history \
  --prepare "cp $W/memory.before $MEM" \
  history.again "$KW audit verify --git" \
  history.one "$KW audit verify --git --full HEAD^!" >&2
# what a timed run did: one commit checked, the rest remembered
cp "$W/memory.before" "$MEM"
"$KW" audit verify --git --json > "$W/again.json" 2>/dev/null
scalar history.again_checked "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["commits"])' "$W/again.json")"

if [ -n "${BENCH_TIMES:-}" ]; then cat "$TIMES" >> "$BENCH_TIMES"; fi
if [ -n "${BENCH_SCALARS:-}" ]; then cat "$SCALARS" >> "$BENCH_SCALARS"; fi

python3 - "$TIMES" "$SCALARS" <<'PY'
import sys
from benchlib import Table, Times, read_tsv
t, s = Times(sys.argv[1]), read_tsv(sys.argv[2])
print("# audit verify --git on a long history\n")
print(f"Recorded by `bash benches/history.sh`: {int(s['history.commits']):,} commits over "
      f"{s['history.envs']} environments ({s['history.pack_mb']} MB of .git), built in "
      f"{float(s['history.build_secs']):.0f} s; {t.rounds('history.again')} interleaved rounds, medians (min–max).\n")
tb = Table(["measurement", "figure", "compared with", "ratio", "target", "status"])
tb.row("whole history checked once (`--full`)", f"{float(s['history.full_secs']):.1f} s",
       f"{float(s['history.full_secs']) * 1000 / int(s['history.commits']):.2f} ms per commit")
tb.row(f"again after one new commit ({s['history.again_checked']} checked, the rest remembered)",
       t.cell("history.again"), "that commit alone (`--full HEAD^!`) " + t.cell("history.one"),
       t.rcell("history.again", "history.one"), "≤ 1.5x", t.status("history.again", "history.one", 1.5))
tb.print()
PY
