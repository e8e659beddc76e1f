#!/usr/bin/env bash
# What a hardware identity costs keyward (DESIGN §10), measured with the test-only plugin
# age-plugin-kwtest (tests/plugin/), whose own work is one X25519 unwrap: the figures are
# the price of the plugin protocol itself (a process spawned per opening, a PIN request
# answered from AGE_PLUGIN_KWTEST_PIN), not of a token (a YubiKey adds its own ~100 ms
# or more per decryption, and a touch).
#
#   bash benches/plugin.sh > benches/RESULTS-plugin.md
#   RUNS=9 bash benches/plugin.sh                          # fewer rounds
#
# Interleaved by benches/interleave.py: each round runs each command of a group once, so
# drift on a shared machine hits both sides of a ratio alike. Medians with min–max over
# the rounds; a ratio is the ratio of the medians, with the min–max of per-round ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-25}
WARMUP=${WARMUP:-2}
KEYS=${KEYS:-1000}

echo "== building release binaries..." >&2
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example age-plugin-kwtest
cargo build --release --locked --quiet --example bench_fixture
KW=$ROOT/target/release/keyward
PLUGIN=$ROOT/target/release/examples/age-plugin-kwtest

ORIG_HOME=$HOME
W=$(mktemp -d /tmp/keyward-plugin-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data XDG_RUNTIME_DIR=$W/run XDG_STATE_HOME=$W/state
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$W/bin" && chmod 700 "$XDG_RUNTIME_DIR"
ln -s "$PLUGIN" "$W/bin/age-plugin-kwtest"
export PATH=$W/bin:$PATH
export KEYWARD_VAULT=$W/vault
unset KEYWARD_ENV KEYWARD_IDENTITY KEYWARD_PASSPHRASE KEYWARD_PASSPHRASE_FILE NO_COLOR || true

"$KW" identity new --out "$W/id.key" >/dev/null 2>&1
"$PLUGIN" > "$W/token.txt" && chmod 600 "$W/token.txt"
TOKEN=$(sed -n 's/^# recipient: //p' "$W/token.txt")
KEYWARD_IDENTITY=$W/id.key "$KW" init --envs dev,test >/dev/null 2>&1
KEYWARD_IDENTITY=$W/id.key "$KW" access grant "$TOKEN" -e dev >/dev/null 2>&1
# the same keys in both environments: dev is also encrypted to the token, test is not
for env in dev test; do
  for i in $(seq 1 "$KEYS"); do printf 'K%05d=value-%05d-0123456789abcdef\n' "$i" "$i"; done \
    > "$W/keys.env"
  KEYWARD_IDENTITY=$W/id.key "$KW" import "$W/keys.env" --format dotenv -e "$env" >/dev/null 2>&1
done
KEYWARD_IDENTITY=$W/id.key "$KW" generate -e dev ROT >/dev/null 2>&1
KEYWARD_IDENTITY=$W/id.key "$KW" generate -e test ROT >/dev/null 2>&1

T=$W/times.jsonl
run() { python3 "$ROOT/benches/interleave.py" --out "$T" --runs "$RUNS" --warmup "$WARMUP" "$@" >&2; }
echo "== get: plain identity vs plugin identity (same env file)" >&2
run --group get \
  get-x25519 "env KEYWARD_IDENTITY=$W/id.key $KW get -e dev K00500" \
  get-plugin "env KEYWARD_IDENTITY=$W/token.txt AGE_PLUGIN_KWTEST_PIN=24680 $KW get -e dev K00500"
echo "== age -d with the plugin identity, for reference" >&2
run --group age \
  age-d-x25519 "age -d -i $W/id.key $KEYWARD_VAULT/envs/dev.db.age" \
  age-d-plugin "env AGE_PLUGIN_KWTEST_PIN=24680 age -d -i $W/token.txt $KEYWARD_VAULT/envs/dev.db.age"
echo "== a write (rotate, one commit) to an env with and without a plugin recipient" >&2
run --group write \
  rotate-no-plugin "env KEYWARD_IDENTITY=$W/id.key $KW rotate -e test ROT -q" \
  rotate-plugin-recipient "env KEYWARD_IDENTITY=$W/id.key $KW rotate -e dev ROT -q"

PYTHONPATH="$ROOT/benches" python3 - "$T" "$KEYS" "$RUNS" "$(nproc)" "$(HOME=$ORIG_HOME rustc --version 2>/dev/null || echo unknown)" <<'EOF'
import sys
from benchlib import Times, spread
path, keys, runs, cores, rustc = sys.argv[1:6]
T = Times(path)
def fig(name):
    return spread(T.w(name), 1e6, fmt=lambda x: f"{x:.1f}", suffix=" ms")
ratio = T.rcell
import datetime, platform
print("# Plugin identities and recipients: what the protocol costs\n")
print(f"Run by `bash benches/plugin.sh` on {datetime.date.today()}, {platform.machine()}, "
      f"{cores} vCPUs shared with other builds (figures are noisy: compare the ratios, "
      f"which are timed interleaved), {rustc}. {keys} keys per environment, {runs} rounds; "
      "medians with min–max.\n")
print("The plugin is the test-only `age-plugin-kwtest` (an X25519 key behind the real plugin "
      "protocol, PIN from `AGE_PLUGIN_KWTEST_PIN`): this is the cost of the protocol — one "
      "plugin process per opening — not of a hardware token, which adds its own latency and a touch.\n")
print("| what | time | ratio |")
print("|---|---|---|")
print(f"| `get` with a plain identity | {fig('get-x25519')} | |")
print(f"| `get` with the plugin identity | {fig('get-plugin')} | {ratio('get-plugin', 'get-x25519')} of plain |")
print(f"| `age -d` with a plain identity | {fig('age-d-x25519')} | |")
print(f"| `age -d` with the plugin identity | {fig('age-d-plugin')} | {ratio('age-d-plugin', 'age-d-x25519')} of plain |")
print(f"| `rotate` (one commit), env without a plugin recipient | {fig('rotate-no-plugin')} | |")
print(f"| `rotate` (one commit), env with a plugin recipient | {fig('rotate-plugin-recipient')} | {ratio('rotate-plugin-recipient', 'rotate-no-plugin')} of without |")
EOF
