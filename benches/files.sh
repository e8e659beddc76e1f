#!/usr/bin/env bash
# Costs of keys as files (DESIGN §11), timed interleaved by benches/interleave.py:
#
#   bash benches/files.sh > benches/RESULTS-files.md     # ~1 minute on 2 cores
#   RUNS=5 bash benches/files.sh                          # a smoke test
#
# 1. `run --file K -- true` next to `run --only K -- true` (same key, same journal append):
#    what writing the file on tmpfs and removing the directory adds.
# 2. The sweep every command starts with: `keyward list` with no key-file directory next
#    to `list` with 100 run directories of a live process (each one checked: kill(pid, 0)
#    and a read of /proc/PID/stat; kept, so every round sees all 100) — the steady cost when
#    100 `run --file` commands are running at once.
# Figures are medians with min–max over the rounds; a ratio is the ratio of two medians of
# one group, with the min–max of the per-round ratios. The machine is shared (2 cores, other
# builds running): expect noise, trust the ratios more than the absolute figures.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-25}
WARMUP=${WARMUP:-2}

cargo build --release --locked --quiet
KW=$ROOT/target/release/keyward
WORK=$(mktemp -d)
SHM=$(mktemp -d -p /dev/shm kw-bench.XXXXXX)
trap 'rm -rf "$WORK" "$SHM"' EXIT
export HOME=$WORK XDG_CONFIG_HOME=$WORK/config XDG_DATA_HOME=$WORK/data \
  XDG_STATE_HOME=$WORK/state KEYWARD_VAULT=$WORK/vault
unset KEYWARD_ENV KEYWARD_PASSPHRASE KEYWARD_PASSPHRASE_FILE KEYWARD_AUDIT_LOG NO_COLOR
"$KW" identity new --out "$WORK/id.key" >/dev/null 2>&1
export KEYWARD_IDENTITY=$WORK/id.key
"$KW" init -q >/dev/null 2>&1
for i in $(seq 1 20); do "$KW" generate -q "K$i" >/dev/null; done
printf '{"type":"service_account","private_key":"%s"}' "$(head -c 1200 /dev/urandom | base64 -w0)" \
  | "$KW" set -q SA_JSON

OUT=$WORK/times.jsonl
# 1. run --file on tmpfs vs the same key as a variable.
XDG_RUNTIME_DIR=$SHM python3 benches/interleave.py --out "$OUT" --runs "$RUNS" --warmup "$WARMUP" \
  --group runfile \
  run_env "$KW run --no-redact --only SA_JSON -- true" \
  run_file "$KW run --no-redact --only SA_JSON --file SA_JSON -- true" >&2

# 2. The sweep: an empty runtime dir vs one holding 100 run directories of a live process
#    (this script's shell: its pid and start time, as keyward names them).
EMPTY=$(mktemp -d -p /dev/shm kw-bench-empty.XXXXXX)
trap 'rm -rf "$WORK" "$SHM" "$EMPTY"' EXIT
START=$(awk '{ sub(/.*\) /, ""); print $20 }' /proc/$$/stat)
USERDIR=$SHM/keyward-files-$(id -u)
mkdir -p -m 700 "$USERDIR"
for i in $(seq 1 100); do mkdir -m 700 "$USERDIR/run-$$-$START-$(printf '%08x' "$i")"; done
python3 benches/interleave.py --out "$OUT" --runs "$RUNS" --warmup "$WARMUP" --group sweep \
  list_no_dir "env XDG_RUNTIME_DIR=$EMPTY $KW list -q" \
  list_100_live "env XDG_RUNTIME_DIR=$SHM $KW list -q" >&2
LEFT=$(find "$USERDIR" -mindepth 1 -maxdepth 1 | wc -l)

PYTHONPATH="$PWD/benches" python3 - "$OUT" "$LEFT" "$RUNS" <<'PY'
import sys
from benchlib import Times, spread
T = Times(sys.argv[1])
def fig(name):
    return spread(T.w(name), 1e6, fmt=lambda x: f"{x:.2f}", suffix=" ms")
def ratio(a, b):
    x, per = T.ratio(a, b)
    return f"{x:.2f}x (per round {min(per):.2f}–{max(per):.2f})"
import datetime, os, platform
print("# Keys as files: measured costs\n")
print(f"Run {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} vCPUs shared with other")
print(f"builds (noisy); {sys.argv[3]} interleaved rounds per group; release build; medians (min–max).")
print("Produced by `bash benches/files.sh`.\n")
print("| command | median (min–max) |\n|---|---|")
for n in ["run_env", "run_file", "list_no_dir", "list_100_live"]:
    print(f"| `{n}` | {fig(n)} |")
print()
print(f"- `run --file SA_JSON -- true` / `run --only SA_JSON -- true`: {ratio('run_file', 'run_env')}")
print(f"- `list` with 100 live run directories to check / with none: {ratio('list_100_live', 'list_no_dir')}")
print(f"- run directories of the live process still there after every sweep: {sys.argv[2]} of 100 (none removed)")
PY
