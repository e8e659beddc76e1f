#!/usr/bin/env bash
# keyward scan next to `rg -F -f patterns` on the same tree (DESIGN §7: ≥ 0.8x rg's throughput).
#
#   bash benches/scan.sh              # ~300 MB tree, 10,000 vault values as patterns
#   SIZE_MB=50 RUNS=3 bash benches/scan.sh   # smaller
#
# The two commands are timed interleaved (benches/interleave.py: rg, keyward, keyward, rg,
# …); figures are medians with min–max. With BENCH_TIMES / BENCH_SCALARS set (compare.sh
# does), the raw timings are appended there for benches/report.py as well.
# Needs ripgrep (apt-get install ripgrep); not hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-300}
RUNS=${RUNS:-7}
WARMUP=${WARMUP:-1}
command -v rg >/dev/null || { echo "ripgrep is not installed: apt-get install ripgrep" >&2; exit 1; }
if [ -z "${KW:-}" ]; then
  CARGO_INCREMENTAL=0 cargo build --release --locked --offline --quiet --example bench_fixture
  CARGO_INCREMENTAL=0 cargo build --release --locked --offline --quiet --bin keyward   # as installed
  KW=$PWD/target/release/keyward
fi
FIX=${FIX:-$(dirname "$KW")/examples/bench_fixture}
W=$(mktemp -d /tmp/keyward-scan.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data KEYWARD_VAULT=$W/vault KEYWARD_IDENTITY=$W/id.key
mkdir -p "$HOME"
"$KW" identity new --out "$W/id.key" >/dev/null 2>&1
"$FIX" "$KEYWARD_VAULT" "$W/id.key" dev 10000
"$KW" export --format shell 2>/dev/null | sed -E "s/^export [A-Z0-9_]+='(.*)'$/\1/" > "$W/patterns"
echo "patterns: $(wc -l < "$W/patterns")" >&2

python3 - "$W/tree" "$SIZE_MB" "$W/patterns" <<'PY'
import os, random, sys
root, size_mb, patterns = sys.argv[1], int(sys.argv[2]), open(sys.argv[3]).read().split()
random.seed(7)
words = ["def", "return", "self", "value", "config", "import", "from", "class", "api_key", "token",
         "request", "response", "user_id", "for", "in", "if", "else", "None", "True", "print",
         "logger", "info", "data", "items", "kw_dev_notatoken", "snake_case_name", "=", "(", ")", ":"]
total, n = 0, 0
target = size_mb * 1024 * 1024
while total < target:
    d = os.path.join(root, f"pkg{n // 100:03d}")
    os.makedirs(d, exist_ok=True)
    lines = []
    for _ in range(1500):
        lines.append("    " + " ".join(random.choice(words) for _ in range(random.randint(4, 14))))
    if n % 50 == 0:
        lines.insert(random.randrange(len(lines)), f'    secret = "{random.choice(patterns)}"')
    body = "\n".join(lines) + "\n"
    with open(os.path.join(d, f"mod{n:05d}.py"), "w") as f:
        f.write(body)
    total += len(body)
    n += 1
print(f"tree: {n} files, {total / 1048576:.0f} MiB", file=sys.stderr)
PY
cat "$W"/tree/*/* > /dev/null   # warm the page cache for both tools
BYTES=$(du -sb "$W/tree" | cut -f1)
FILES=$(find "$W/tree" -type f | wc -l)
# the tree holds planted values: keyward scan exits 8 on a find
python3 benches/interleave.py --out "$W/times.jsonl" --runs "$RUNS" --warmup "$WARMUP" --ok-exit 8 \
  --group scan scan.rg "rg -F -f $W/patterns -c $W/tree" scan.kw "$KW scan $W/tree -q"
if [ -n "${BENCH_TIMES:-}" ]; then cat "$W/times.jsonl" >> "$BENCH_TIMES"; fi
if [ -n "${BENCH_SCALARS:-}" ]; then
  printf 'scan.bytes\t%s\nscan.files\t%s\nscan.patterns\t%s\n' "$BYTES" "$FILES" "$(wc -l < "$W/patterns")" >> "$BENCH_SCALARS"
fi
PYTHONPATH="$PWD/benches" python3 - "$W/times.jsonl" "$BYTES" <<'PY'
import sys
from benchlib import Times
T = Times(sys.argv[1])
mib = int(sys.argv[2]) / 1048576
rg, kw = T.med("scan.rg") / 1e3, T.med("scan.kw") / 1e3
span = lambda k: f"{min(T.w(k)) / 1e6:.0f}–{max(T.w(k)) / 1e6:.0f} ms"
x = rg / kw
print(f"| scan {mib:.0f} MiB, 10,000 patterns | keyward {kw*1000:.0f} ms ({span('scan.kw')}; {mib/kw:.0f} MiB/s) "
      f"| rg -F -f {rg*1000:.0f} ms ({span('scan.rg')}; {mib/rg:.0f} MiB/s) "
      f"| {x:.2f}x of rg's throughput ({'met' if x >= 0.8 else 'not met'}, target ≥ 0.8x) |")
PY
