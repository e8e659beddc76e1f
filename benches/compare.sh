#!/usr/bin/env bash
# Whole-command benchmarks of keyward next to its peers (DESIGN §7), in one run, as ratios.
#
#   bash benches/compare.sh            # prints a markdown table; ~5-8 minutes on 2 cores
#   QUICK=1 bash benches/compare.sh    # smaller fixtures and fewer runs, for a smoke test
#
# Peers: age (age -d of the same env file), pass (+ gnupg), ripgrep, hyperfine.
# Missing ones are skipped with a note. Install them with:
#   apt-get install age pass gnupg ripgrep hyperfine
# (Debian's package named `passage` is an unrelated game, not the age password store, and
# passage itself is not packaged: it is not compared here.)
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then BIG=20000; JOURNAL=100000; RUNS=5; else BIG=100000; JOURNAL=1000000; RUNS=20; fi

have() { command -v "$1" >/dev/null 2>&1; }
note() { echo "note: $*" >&2; }

echo "building release binaries..." >&2
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example bench_fixture
KW=$PWD/target/release/keyward
FIX=$PWD/target/release/examples/bench_fixture

ORIG_HOME=$HOME
W=$(mktemp -d /tmp/keyward-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data XDG_RUNTIME_DIR=$W/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
export KEYWARD_VAULT=$W/vault KEYWARD_IDENTITY=$W/id.key
unset KEYWARD_ENV KEYWARD_PASSPHRASE KEYWARD_PASSPHRASE_FILE NO_COLOR || true
"$KW" identity new --out "$W/id.key" >/dev/null 2>&1

echo "building fixtures (100 / 10,000 / $BIG keys, $JOURNAL journal events)..." >&2
"$FIX" "$KEYWARD_VAULT" "$W/id.key" k100 100
"$FIX" "$KEYWARD_VAULT" "$W/id.key" k10k 10000
"$FIX" "$KEYWARD_VAULT" "$W/id.key" kbig "$BIG"
"$FIX" "$KEYWARD_VAULT" "$W/id.key" jnone 10000
"$FIX" "$KEYWARD_VAULT" "$W/id.key" jfull 10000 "$JOURNAL"
cp "$KEYWARD_VAULT/envs/k10k.db.age" "$W/k10k.pristine"
sync   # let the fixtures' writeback finish: it would slow every fsync measured below

RESULTS=$W/results.tsv
: > "$RESULTS"

# mean seconds of a command, by hyperfine (or a loop of RUNS when hyperfine is missing)
measure() { # name, command...
  local name=$1; shift
  local mean
  if have hyperfine; then
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/h.json" "$*" >/dev/null 2>&1 \
      || hyperfine --warmup 3 --runs "$RUNS" --export-json "$W/h.json" "$*" >/dev/null
    mean=$(python3 -c "import json;print(json.load(open('$W/h.json'))['results'][0]['mean'])")
  else
    local start end
    start=$(date +%s%N)
    for _ in $(seq "$RUNS"); do bash -c "$*" >/dev/null 2>&1; done
    end=$(date +%s%N)
    mean=$(python3 -c "print(($end-$start)/1e9/$RUNS)")
  fi
  printf '%s\t%s\n' "$name" "$mean" >> "$RESULTS"
}

# mean with a prepare step run before every timing (hyperfine only)
measure_prep() { # name, prepare, command
  local name=$1 prep=$2 cmd=$3
  if have hyperfine; then
    hyperfine --warmup 1 --runs "$RUNS" --prepare "$prep" --export-json "$W/h.json" "$cmd" >/dev/null
    printf '%s\t%s\n' "$name" "$(python3 -c "import json;print(json.load(open('$W/h.json'))['results'][0]['mean'])")" >> "$RESULTS"
  fi
}

# peak RSS in MiB
peak() { # name, command...
  local name=$1; shift
  /usr/bin/time -f '%M' -o "$W/rss" "$@" >/dev/null 2>&1 || true
  printf '%s\t%s\n' "$name" "$(awk '{printf "%.1f", $1/1024}' "$W/rss")" >> "$RESULTS"
}

echo "timing get / list / age -d..." >&2
for size in k100 k10k kbig; do
  f=$KEYWARD_VAULT/envs/$size.db.age
  measure "get.$size" "$KW" -e "$size" get K000050
  measure "list.$size" "$KW" -e "$size" list --json
  if have age; then measure "age.$size" age -d -i "$W/id.key" -o /dev/null "$f"; fi
  peak "rss.get.$size" "$KW" -e "$size" get K000050
  python3 -c "import os;print('size.$size\t%d' % os.path.getsize('$f'))" >> "$RESULTS"
done
have age || note "age is not installed: no age -d comparison"

echo "timing verify, journal and export..." >&2
V=$("$KW" -e k10k get K000077)
printf %s "$V" > "$W/presented"
measure "verify.k10k" "sh -c '\"$KW\" -e k10k verify < \"$W/presented\"'"
measure "get.k10k.sh" "sh -c '\"$KW\" -e k10k get K000077'"
measure "get.jnone" "$KW" -e jnone get K000050
measure "get.jfull" "$KW" -e jfull get K000050
measure "readonly.jnone" "$KW" -e jnone show K000050
start=$(date +%s%N)
"$KW" -e jfull audit export --format jsonl --out "$W/export.jsonl" >/dev/null 2>&1
end=$(date +%s%N)
printf 'export.events\t%s\nexport.secs\t%s\n' "$(wc -l < "$W/export.jsonl")" "$(python3 -c "print(($end-$start)/1e9)")" >> "$RESULTS"

echo "timing rotate vs rotate --all..." >&2
measure_prep "rotate.one" "cp '$W/k10k.pristine' '$KEYWARD_VAULT/envs/k10k.db.age'" "$KW -e k10k rotate K000001"
measure_prep "rotate.all" "cp '$W/k10k.pristine' '$KEYWARD_VAULT/envs/k10k.db.age'" "$KW -e k10k rotate --all"
cp "$W/k10k.pristine" "$KEYWARD_VAULT/envs/k10k.db.age"

echo "timing run -- true and redaction..." >&2
measure "run.k100" "$KW" -e k100 run --no-redact -- true
measure "get.k100.b" "$KW" -e k100 get K000050
measure "true" true
# linear redaction (DESIGN §7 round 2): one 64 KiB value within 1.2x of one 64-byte value
"$KW" env add rbig >/dev/null 2>&1; "$KW" env add rsmall >/dev/null 2>&1
head -c 49152 /dev/urandom | base64 -w0 | "$KW" -e rbig set V >/dev/null 2>&1
head -c 48 /dev/urandom | base64 -w0 | "$KW" -e rsmall set V >/dev/null 2>&1
measure "run.v64k" "$KW" -e rbig run --redact -- true
measure "run.v64" "$KW" -e rsmall run --redact -- true
head -c 75000000 /dev/urandom | base64 -w 100 > "$W/big.txt"   # ~100 MB of text
measure "cat.big" "sh -c 'cat \"$W/big.txt\" > /dev/null'"
measure "redact.big" "sh -c '\"$KW\" -e k100 run --redact -- cat \"$W/big.txt\" > /dev/null'"
python3 -c "import os;print('big.bytes\t%d' % os.path.getsize('$W/big.txt'))" >> "$RESULTS"

echo "timing the agent..." >&2
(
  export KEYWARD_VAULT=$W/pvault XDG_CONFIG_HOME=$W/pconfig
  unset KEYWARD_IDENTITY
  KEYWARD_PASSPHRASE=bench "$KW" init -q --envs dev >/dev/null
  KEYWARD_PASSPHRASE=bench "$FIX" "$KEYWARD_VAULT" "$XDG_CONFIG_HOME/keyward/identity.age" k10k 10000
  RUNS_SAVED=$RUNS; RUNS=5
  measure "get.scrypt" env KEYWARD_PASSPHRASE=bench "$KW" -e k10k get K000050
  RUNS=$RUNS_SAVED
  KEYWARD_PASSPHRASE=bench "$KW" unlock --for 10m 2>/dev/null
  measure "get.agent" "$KW" -e k10k get K000050
  peak "rss.get.scrypt" env KEYWARD_PASSPHRASE=bench "$KW" -e k10k show K000050
  "$KW" lock 2>/dev/null
)
measure "get.plain.k10k" "$KW" -e k10k get K000050

if have pass && have gpg; then
  echo "timing pass show..." >&2
  export GNUPGHOME=$W/gnupg PASSWORD_STORE_DIR=$W/pass
  mkdir -p "$GNUPGHOME" && chmod 700 "$GNUPGHOME"
  gpg --batch --quiet --passphrase '' --quick-gen-key bench@keyward.invalid default default never 2>/dev/null
  pass init bench@keyward.invalid >/dev/null
  printf '%s\n' "$V" | pass insert -m bench/K000000 >/dev/null
  # pass keeps one gpg file per entry; a store of N entries is N copies of such files.
  for i in $(seq 1 9999); do cp "$PASSWORD_STORE_DIR/bench/K000000.gpg" "$PASSWORD_STORE_DIR/bench/K$(printf %06d "$i").gpg"; done
  pass show bench/K000050 >/dev/null
  measure "pass.show" pass show bench/K000050
else
  note "pass/gpg not installed: no pass show comparison"
fi

python3 - "$RESULTS" "$BIG" <<'PY'
import sys
r = {}
for line in open(sys.argv[1]):
    k, v = line.rstrip("\n").split("\t")
    r[k] = float(v)
big = int(sys.argv[2])
ms = lambda k: f"{r[k]*1000:.1f} ms" if k in r else "n/a"
def ratio(a, b):
    return r[a] / r[b] if a in r and b in r else None
def verdict(x, limit):
    if x is None: return "not measured"
    return f"{x:.2f}x ({'met' if x <= limit else 'NOT met'}, target ≤ {limit}x)"
print("| measurement | keyward | peer | ratio / target |")
print("|---|---|---|---|")
for size, n in (("k100", 100), ("k10k", 10000), ("kbig", big)):
    print(f"| get, {n:,} keys | {ms('get.'+size)} | age -d {ms('age.'+size)} | {verdict(ratio('get.'+size, 'age.'+size), 1.1)} |")
for size, n in (("k100", 100), ("k10k", 10000), ("kbig", big)):
    if "pass.show" in r:
        x = ratio("get."+size, "pass.show")
        print(f"| get vs pass show, {n:,} keys | {ms('get.'+size)} | pass show {ms('pass.show')} | {verdict(x, 1.0)} |")
for size, n in (("k100", 100), ("k10k", 10000), ("kbig", big)):
    print(f"| list --json, {n:,} keys | {ms('list.'+size)} | | |")
for size, n in (("k100", 100), ("k10k", 10000), ("kbig", big)):
    per_key = r["size."+size] / n
    if n < 10000:
        continue  # fixed overhead of the schema dominates small images
    print(f"| image size, {n:,} keys | {r['size.'+size]/1e6:.2f} MB ({per_key:.0f} B/key incl. a 43-byte value) | | {'met' if per_key - 43 <= 200 else 'NOT met'} (≤ 200 B/key beyond the value) |")
print(f"| verify, 10,000 keys | {ms('verify.k10k')} | get {ms('get.k10k.sh')} | {verdict(ratio('verify.k10k', 'get.k10k.sh'), 1.2)} |")
print(f"| get with {int(r.get('export.events', 0)):,} journal events | {ms('get.jfull')} | empty journal {ms('get.jnone')} | {verdict(ratio('get.jfull', 'get.jnone'), 1.1)} |")
print(f"| journal append cost (get vs show, same env) | {ms('get.jnone')} | show {ms('readonly.jnone')} | {verdict(ratio('get.jnone', 'readonly.jnone'), 1.2)} |")
print(f"| rotate --all, 10,000 keys | {ms('rotate.all')} | one rotate {ms('rotate.one')} | {verdict(ratio('rotate.all', 'rotate.one'), 3.0)} |")
if "run.k100" in r:
    print(f"| run -- true, 100 keys | {ms('run.k100')} | get {ms('get.k100.b')}; `true` alone {ms('true')} | {verdict(ratio('run.k100', 'get.k100.b'), 1.2)} |")
if "run.v64k" in r:
    print(f"| run --redact -- true, one 64 KiB value | {ms('run.v64k')} | one 64-byte value {ms('run.v64')} | {verdict(ratio('run.v64k', 'run.v64'), 1.2)} |")
if "redact.big" in r:
    mb = r["big.bytes"] / 1048576
    print(f"| run --redact, child writing {mb:.0f} MiB | {mb / r['redact.big']:.0f} MiB/s | cat {mb / r['cat.big']:.0f} MiB/s | |")
if "get.agent" in r:
    print(f"| get through the agent, 10,000 keys | {ms('get.agent')} | plain identity {ms('get.plain.k10k')} | {verdict(ratio('get.agent', 'get.plain.k10k'), 1.2)} |")
    print(f"| get with an scrypt unlock, 10,000 keys | {ms('get.scrypt')} | through the agent {ms('get.agent')} | {r['get.scrypt'] / r['get.agent']:.0f}x slower; peak RSS {r.get('rss.get.scrypt', 0):.0f} MiB |")
if "export.secs" in r:
    print(f"| audit export jsonl | {r['export.events']/r['export.secs']:,.0f} events/s | | |")
for size, n in (("k100", 100), ("k10k", 10000), ("kbig", big)):
    if "rss.get."+size in r:
        plain = r["size."+size] / 1048576
        limit = 1.5 * plain + 16
        print(f"| peak RSS, get, {n:,} keys | {r['rss.get.'+size]:.1f} MiB | limit {limit:.1f} MiB | {'met' if r['rss.get.'+size] <= limit else 'NOT met'} |")
PY
if command -v rg >/dev/null 2>&1; then
  echo "timing scan against rg..." >&2
  # scan.sh builds with cargo, which needs the real HOME
  if [ "$QUICK" = 1 ]; then SIZE=50; else SIZE=300; fi
  HOME=$ORIG_HOME SIZE_MB=$SIZE bash benches/scan.sh 2>/dev/null || note "benches/scan.sh failed"
else
  note "ripgrep is not installed: no scan comparison"
fi
