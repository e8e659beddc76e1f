#!/usr/bin/env bash
# Verifier sets (DESIGN §13): what checking a presented key costs without the vault.
#
#   bash benches/verifier.sh > benches/RESULTS-verifier.md    # ~2 minutes on 2 cores
#   SIZES=10000 RUNS=5 bash benches/verifier.sh                # a smoke test
#
# 1. In process: lookups per second through the library function a service links
#    (keyward::verifier::VerifierSet::lookup), on a set exported from an environment of
#    N keys; half the presented keys are in the set, half are not. Also the time to open
#    a set (read it and check its Ed25519 signature), which a service pays once per
#    reload. Median with min–max over ROUNDS rounds (benches/verifier_lookups.rs).
# 2. As processes: `keyward verifier check --set FILE --pubkey K` next to `keyward
#    verify` on the same environment and the same presented key, timed INTERLEAVED by
#    benches/interleave.py (each round runs both, alternating the order), so drift on a
#    shared machine hits both alike; the ratio is of the medians, with the min–max of the
#    per-round ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=${SIZES:-"10000 100000"}
RUNS=${RUNS:-15}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-7}
LOOKUPS=${LOOKUPS:-1000000}

echo "== building release binaries..." >&2
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example bench_fixture --example verifier_lookups
KW=$ROOT/target/release/keyward
FIX=$ROOT/target/release/examples/bench_fixture
LOOK=$ROOT/target/release/examples/verifier_lookups

W=$(mktemp -d /tmp/keyward-verifier-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data XDG_STATE_HOME=$W/state
mkdir -p "$HOME"
export KEYWARD_VAULT=$W/vault KEYWARD_IDENTITY=$W/id.key
unset KEYWARD_ENV KEYWARD_PASSPHRASE KEYWARD_PASSPHRASE_FILE NO_COLOR || true
"$KW" identity new --out "$W/id.key" >/dev/null 2>&1
TIMES=$W/times.jsonl
: > "$TIMES"
: > "$W/lookups.jsonl"

for N in $SIZES; do
  ENV=k$N
  echo "== environment of $N keys" >&2
  "$FIX" "$KEYWARD_VAULT" "$KEYWARD_IDENTITY" "$ENV" "$N"
  "$KW" -q -e "$ENV" verifier export -o "$W/$ENV.kwset"
  PK=$("$KW" -e "$ENV" verifier pubkey)
  printf 'K%06d' $((N / 2)) > "$W/name"
  "$KW" -e "$ENV" get "$(cat "$W/name")" -n > "$W/$ENV.key"
  # presented keys for the in-process loop: 1,000 in the set, 1,000 unknown
  "$KW" -e "$ENV" export --format dotenv | head -1000 | cut -d= -f2- | tr -d "'\"" > "$W/$ENV.keys"
  for i in $(seq 1000); do echo "kw_${ENV}_unknown_presented_key_$i"; done >> "$W/$ENV.keys"
  echo "== in process, $N keys" >&2
  "$LOOK" "$W/$ENV.kwset" "$PK" "$W/$ENV.keys" "$ROUNDS" "$LOOKUPS" \
    | sed "s/^{/{\"keys\": $N, \"set_bytes\": $(stat -c %s "$W/$ENV.kwset"), /" >> "$W/lookups.jsonl"
  echo "== processes, $N keys" >&2
  python3 "$ROOT/benches/interleave.py" --out "$TIMES" --runs "$RUNS" --warmup "$WARMUP" \
    --group "check-$N" \
    "verify_$N" "$KW -e $ENV verify < $W/$ENV.key" \
    "check_$N" "$KW verifier check --set $W/$ENV.kwset --pubkey $PK < $W/$ENV.key"
done

PYTHONPATH="$ROOT/benches" python3 - "$TIMES" "$W/lookups.jsonl" "$RUNS" <<'PY'
import json, statistics, sys, platform, os, datetime
from benchlib import Times
times = {n: d["wall_ns"] for n, d in Times(sys.argv[1]).t.items()}
looks = [json.loads(l) for l in open(sys.argv[2])]
runs = sys.argv[3]
def ms(v): return statistics.median(v) / 1e6
print("# Verifier sets: benchmark results\n")
print(f"Run on {datetime.date.today()} by `bash benches/verifier.sh`, on {platform.machine()} with "
      f"{os.cpu_count()} vCPUs shared with other engineers' builds: figures are noisy; "
      "the ratios, measured interleaved, are the figures to trust.\n")
print("## In process: `VerifierSet::lookup` (the library function of `verifier check`)\n")
print("Half the presented keys are in the set, half unknown. Opening reads the whole set and "
      "checks its signature (once per reload in a service).\n")
print("| keys | set file | open + verify signature, ms | lookups per second |")
print("|---:|---:|---:|---:|")
for l in looks:
    o, p = l["open_ms"], l["lookups_per_sec"]
    print(f"| {l['keys']:,} | {l['set_bytes'] / 1e6:.1f} MB | {o['median']:.1f} ({o['min']:.1f}–{o['max']:.1f}) "
          f"| {p['median'] / 1e6:.2f} M ({p['min'] / 1e6:.2f}–{p['max'] / 1e6:.2f} M) |")
print(f"\n## As processes: `verifier check` next to `verify` ({runs} interleaved rounds)\n")
print("`verifier check` reads the set's header and the one bucket (of 256) the presented key "
      "falls in, and checks both against the signature; `verify` opens the age-encrypted "
      "environment and records an access event. Same presented key, same environment.\n")
print("| keys | `keyward verify` ms | `keyward verifier check` ms | check / verify |")
print("|---:|---:|---:|---:|")
for name in sorted(n for n in times if n.startswith("verify_")):
    n = name.split("_")[1]
    v, c = times[name], times[f"check_{n}"]
    ratios = sorted(b / a for a, b in zip(v, c))
    print(f"| {int(n):,} | {ms(v):.1f} ({min(v) / 1e6:.1f}–{max(v) / 1e6:.1f}) "
          f"| {ms(c):.1f} ({min(c) / 1e6:.1f}–{max(c) / 1e6:.1f}) "
          f"| {ms(c) / ms(v):.2f}x ({ratios[0]:.2f}–{ratios[-1]:.2f}) |")
PY
