#!/usr/bin/env bash
# Signed writes (issue 28, DESIGN §15) against keyward before them: what signing and the
# verification of a changed file cost.
#
#   bash benches/signed.sh > benches/RESULTS-signed.md
#   OLD_KW=/path/keyward OLD_FIX=/path/bench_fixture bash benches/signed.sh   # reuse a build
#   QUICK=1 bash benches/signed.sh                                         # 20,000 keys, 5 rounds
#
# "Before" is keyward at OLD_REV (default 5b418c4, the commit before signed writes), with
# its own fixture tool, on a format-3 vault it made itself; "now" is this tree on a
# format-4 vault (signed). Without OLD_KW the old tree is exported with `git archive` and
# built into target/bench-old (kept for the next run). Groups, each interleaved
# (benches/interleave.py), medians with min–max:
#   get on an already verified file, 100 and 10,000 keys: now vs before (≤ 1.1x); and
#     show (the same read without the journal append, whose cost this branch changed too);
#   the first read of a changed 100,000-key env (the pins restored to the state before the
#     change before every run, untimed) vs `audit verify` of it (≤ 2x);
#   `rotate` of one key, 10,000 keys: now (signed) vs before;
#   `git merge` of two 10,000-key sides with 100 changes each: now vs before.
# With BENCH_TIMES / BENCH_SCALARS set (compare.sh does), the raw figures are appended
# there for benches/report.py too.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then BIG=20000; MID=2000; CHANGES=10; RUNS=${RUNS:-5}
else BIG=100000; MID=10000; CHANGES=100; RUNS=${RUNS:-15}; fi
OLD_REV=${OLD_REV:-5b418c4}
say() { echo "== $*" >&2; }
export CARGO_INCREMENTAL=0

if [ -z "${KW:-}" ]; then
  say "building release binaries..."
  cargo build --release --locked --offline --quiet --example bench_fixture
  cargo build --release --locked --offline --quiet --bin keyward   # as installed
  KW=$ROOT/target/release/keyward
fi
FIX=${FIX:-$(dirname "$KW")/examples/bench_fixture}
if [ -z "${OLD_KW:-}" ]; then
  OLD_TARGET=$ROOT/target/bench-old
  if [ ! -x "$OLD_TARGET/release/keyward" ] || [ ! -x "$OLD_TARGET/release/examples/bench_fixture" ]; then
    say "building keyward at $OLD_REV (before signed writes) into $OLD_TARGET..."
    src=$(mktemp -d /tmp/keyward-old-src.XXXXXX)
    git -C "$ROOT" archive "$OLD_REV" | tar -x -C "$src"
    # As the binary now is built: the example first, then the binary on its own.
    (cd "$src" && CARGO_TARGET_DIR=$OLD_TARGET cargo build --release --locked --offline --quiet \
      --example bench_fixture &&
      CARGO_TARGET_DIR=$OLD_TARGET cargo build --release --locked --offline --quiet --bin keyward)
    rm -rf "$src"
  fi
  OLD_KW=$OLD_TARGET/release/keyward
  OLD_FIX=$OLD_TARGET/release/examples/bench_fixture
fi
OLD_FIX=${OLD_FIX:-$(dirname "$OLD_KW")/examples/bench_fixture}
export PYTHONPATH=$ROOT/benches${PYTHONPATH:+:$PYTHONPATH}

W=$(mktemp -d /tmp/keyward-signed.XXXXXX)
trap 'rm -rf "$W"' EXIT
# Both builds timed as copies read back afresh (see compare.sh: a file just written keeps
# its page cache in pieces, and each start of it is slower).
mkdir -p "$W/bin-new" "$W/bin-old"
cp "$KW" "$W/bin-new/keyward" && KW=$W/bin-new/keyward
cp "$OLD_KW" "$W/bin-old/keyward" && OLD_KW=$W/bin-old/keyward
python3 -c 'import sys, benchlib; benchlib.settle(sys.argv[1:])' "$KW" "$OLD_KW"
export HOME=$W/home XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data
mkdir -p "$HOME"
unset KEYWARD_ENV KEYWARD_PASSPHRASE KEYWARD_PASSPHRASE_FILE KEYWARD_TRUST_ROOT NO_COLOR XDG_STATE_HOME KEYWARD_VAULT || true
"$KW" identity new --out "$W/id.key" >/dev/null 2>&1
export KEYWARD_IDENTITY=$W/id.key
TIMES=$W/times.jsonl; SCALARS=$W/scalars.tsv
: > "$TIMES"; : > "$SCALARS"
scalar() { printf '%s\t%s\n' "$1" "$2" >> "$SCALARS"; }
group() { python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$RUNS" --warmup 1 "$@" >&2; }
# each binary with its own vault and its own pins
NEW="env KEYWARD_VAULT=$W/new XDG_STATE_HOME=$W/state-new $KW"
OLD="env KEYWARD_VAULT=$W/old XDG_STATE_HOME=$W/state-old $OLD_KW"
new() { KEYWARD_VAULT=$W/new XDG_STATE_HOME=$W/state-new "$KW" "$@"; }
old() { KEYWARD_VAULT=$W/old XDG_STATE_HOME=$W/state-old "$OLD_KW" "$@"; }

scalar signed.old_rev "$OLD_REV"
scalar signed.old_version "$("$OLD_KW" --version | head -1)"
say "fixtures: now (format 4, signed) and before (format 3, made by the old binary)..."
for e in k100:100 "kmid:$MID"; do
  "$FIX" "$W/new" "$W/id.key" "${e%%:*}" "${e##*:}"
  "$OLD_FIX" "$W/old" "$W/id.key" "${e%%:*}" "${e##*:}"
done
"$FIX" "$W/new" "$W/id.key" kbig "$BIG"
sync
for e in k100 kmid kbig; do new -e "$e" get K000050 >/dev/null 2>&1; done   # verified once here
for e in k100 kmid; do old -e "$e" get K000050 >/dev/null 2>&1; done

say "get on an already verified file: now vs before..."
group --group signed-get \
  signed.get.k100 "$NEW -e k100 get K000050" old.get.k100 "$OLD -e k100 get K000050" \
  signed.get.kmid "$NEW -e kmid get K000050" old.get.kmid "$OLD -e kmid get K000050" \
  signed.show.k100 "$NEW -e k100 show K000050" old.show.k100 "$OLD -e k100 show K000050" \
  signed.show.kmid "$NEW -e kmid show K000050" old.show.kmid "$OLD -e kmid show K000050"

say "the first read of a changed $BIG-key env vs audit verify of it..."
cp -a "$W/state-new" "$W/state-before"          # the pins before the change
# the change: a rotation seen by another machine (its own pins), pulled here
KEYWARD_VAULT=$W/new XDG_STATE_HOME=$W/state-other "$KW" -e kbig rotate K000002 >/dev/null 2>&1
group --group signed-first-read --prepare "rm -rf $W/state-new && cp -a $W/state-before $W/state-new" \
  signed.first.kbig "$NEW -e kbig get K000050" signed.verify.kbig "$NEW -e kbig audit verify"
new -e kbig get K000050 >/dev/null 2>&1
group --group signed-verified-big signed.again.kbig "$NEW -e kbig get K000050" signed.verify2.kbig "$NEW -e kbig audit verify"

say "rotate of one key, $MID keys: now (signed) vs before..."
group --group signed-rotate signed.rotate.kmid "$NEW -e kmid rotate K000001" old.rotate.kmid "$OLD -e kmid rotate K000001"

say "merge of two $MID-key sides with $CHANGES changes each: now vs before..."
for tag in new old; do
  bin=$KW; fix=$FIX; [ $tag = old ] && { bin=$OLD_KW; fix=$OLD_FIX; }
  M=$W/merge-$tag
  "$fix" "$M/vault" "$W/id.key" dev "$MID" >/dev/null
  cp "$M/vault/envs/dev.db.age" "$M/base"
  for side in ours theirs; do
    cp "$M/base" "$M/vault/envs/dev.db.age"
    first=$([ $side = ours ] && echo 0 || echo $((MID / 2)))
    for i in $(seq 0 $((CHANGES - 1))); do
      KEYWARD_VAULT=$M/vault XDG_STATE_HOME=$M/state-$side "$bin" -e dev rotate "K$(printf %06d $((first + i)))" >/dev/null 2>&1
    done
    cp "$M/vault/envs/dev.db.age" "$M/$side"
  done
  cp "$M/ours" "$M/vault/envs/dev.db.age"
done
group --group signed-merge --prepare "cp $W/merge-new/ours $W/merge-new/ours-run && cp $W/merge-old/ours $W/merge-old/ours-run" \
  signed.merge "env KEYWARD_VAULT=$W/merge-new/vault XDG_STATE_HOME=$W/merge-new/state-m $KW git merge $W/merge-new/base $W/merge-new/ours-run $W/merge-new/theirs vault/envs/dev.db.age" \
  old.merge "env KEYWARD_VAULT=$W/merge-old/vault XDG_STATE_HOME=$W/merge-old/state-m $OLD_KW git merge $W/merge-old/base $W/merge-old/ours-run $W/merge-old/theirs vault/envs/dev.db.age" \
  signed.merge.rotate "env KEYWARD_VAULT=$W/merge-new/vault XDG_STATE_HOME=$W/merge-new/state-m $KW -e dev rotate K000003"
scalar signed.big "$BIG"; scalar signed.mid "$MID"; scalar signed.changes "$CHANGES"

if [ -n "${BENCH_TIMES:-}" ]; then cat "$TIMES" >> "$BENCH_TIMES"; fi
if [ -n "${BENCH_SCALARS:-}" ]; then cat "$SCALARS" >> "$BENCH_SCALARS"; fi

python3 - "$TIMES" "$SCALARS" <<'PY'
import sys
from benchlib import Times, read_tsv
import signed_rows
t, s = Times(sys.argv[1]), read_tsv(sys.argv[2])
print("# Signed writes (issue 28) against keyward before them\n")
print(f"Recorded by `bash benches/signed.sh`; before: {s['signed.old_version']} at {s['signed.old_rev']}. "
      f"{t.rounds('signed.get.k100')} interleaved rounds per group, medians (min–max).\n")
signed_rows.table(t, s).print()
PY
