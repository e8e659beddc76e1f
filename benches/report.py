#!/usr/bin/env python3
"""Turns the raw results of benches/compare.sh into benches/RESULTS.md (markdown on stdout).

    report.py TIMES.jsonl SCALARS.tsv RSS.tsv

TIMES: one JSON line per command from benches/interleave.py (name, group, wall_ns per
round). A ratio is only formed between two commands of the same group, i.e. timed
interleaved in the same rounds; it is the ratio of their medians, shown with the min–max
of the per-round ratios. A target is "met" or "not met" on the ratio of medians; when the
middle half of the per-round ratios (p25–p75) spans the target, the status says so.
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import MiB, Times, ms, rcell, read_list_tsv, read_tsv, status  # noqa: E402
import signed_rows  # noqa: E402

T = Times(sys.argv[1])
times = T.t
scal = read_tsv(sys.argv[2])
rss = read_list_tsv(sys.argv[3], 1024)  # MiB
has, w, med, cell, ratio = T.has, T.w, T.med, T.cell, T.ratio


def rss_cell(n):
    v = rss[n]
    return f"{statistics.median(v):.1f} MiB ({min(v):.1f}–{max(v):.1f})"


rows = []     # measurement table
targets = []  # (target, figure, status)


def row(what, kw, peer, rat="", target="", st=""):
    rows.append(f"| {what} | {kw} | {peer} | {rat} | {target} | {st} |")


big = int(scal.get("keys.kbig", 100000))
sizes = [("k100", 100), ("k10k", 10_000), ("kbig", big)]

# --- reads
get_age = {}
for e, n in sizes:
    if has("get." + e, "age." + e):
        x, per = ratio("get." + e, "age." + e)
        get_age[n] = (x, per)
        lim = 1.2 if n == 100 else 1.1
        row(f"get, {n:,} keys", cell("get." + e), "age -d " + cell("age." + e), rcell(x, per),
            f"≤ {lim}x" + (" (round 3)" if n == 100 else ""), status(x, per, lim))
get_pass = {}
for e, n in sizes:
    if has("get." + e, "pass.show"):
        x, per = ratio("get." + e, "pass.show")
        get_pass[n] = (x, per)
        row(f"get vs pass show, {n:,} keys", cell("get." + e), "pass show " + cell("pass.show"),
            rcell(x, per), "≤ 1.0x", status(x, per, 1.0))
if has("get.k10k.again", "get.k10k"):
    x, per = ratio("get.k10k.again", "get.k10k")
    row("control: get, 10,000 keys, timed twice", cell("get.k10k.again"), "itself " + cell("get.k10k"),
        rcell(x, per), "1.00x", "the noise of one ratio")
for e, n in sizes:
    if has("show." + e, "age." + e):
        x, per = ratio("show." + e, "age." + e)
        row(f"show (get without the journal append), {n:,} keys", cell("show." + e), "age -d " + cell("age." + e),
            rcell(x, per), "", "for reading only")
scale = age_speed = None
if has("get.kbig", "get.k100"):
    scale = ratio("get.kbig", "get.k100")
    row(f"get, {big:,} keys vs 100 keys", cell("get.kbig"), "100 keys " + cell("get.k100"),
        rcell(*scale), "≤ 1.2x (round 2)", status(*scale, 1.2))
if has("age.kbig", "get.kbig"):
    age_speed = ratio("age.kbig", "get.kbig")
    row(f"age -d / get, {big:,} keys", cell("age.kbig"), "get " + cell("get.kbig"), rcell(*age_speed),
        "≥ 3x (round 2)", status(*age_speed, 3.0, at_most=False))
list_get = {}
for e, n in sizes:
    if has("list." + e, "get." + e):
        x, per = ratio("list." + e, "get." + e)
        list_get[n] = (x, per)
        row(f"list --json, {n:,} keys", cell("list." + e), "get " + cell("get." + e), rcell(x, per),
            "≤ 2x (round 2)", status(x, per, 2.0))
per_key = {}
for e, n in sizes:
    if n >= 10_000 and "size." + e in scal:
        b = int(scal["size." + e])
        per_key[n] = b / n - 43
        row(f"env file, {n:,} keys", f"{b / 1e6:.2f} MB", f"{b / n:.0f} B/key incl. a 43-byte value", "",
            "≤ 200 B/key beyond the value", "met" if per_key[n] <= 200 else "**not met**")
if "size.empty" in scal:
    empty = int(scal["size.empty"])
    row("env file, no keys", f"{empty:,} bytes", "", "", "≤ 8 KB (8,192 bytes; round 2)",
        "met" if empty <= 8192 else "**not met**")

# --- verify, journal, rotate, run
verify = journal = append = rotate = run = redact = agent = None
if has("verify.k10k", "get.k10k.v"):
    verify = ratio("verify.k10k", "get.k10k.v")
    row("verify, 10,000 keys", cell("verify.k10k"), "get " + cell("get.k10k.v"), rcell(*verify),
        "≤ 1.2x", status(*verify, 1.2))
jfull = (int(scal.get("journal.jfull.before", 0)), int(scal.get("journal.jfull.after", 0)))
jnone = (int(scal.get("journal.jnone.before", 0)), int(scal.get("journal.jnone.after", 0)))
if has("get.jfull", "get.jnone"):
    journal = ratio("get.jfull", "get.jnone")
    row(f"get, 10,000 keys, journal of {jfull[0]:,}–{jfull[1]:,} rows", cell("get.jfull"),
        f"journal of {jnone[0]:,}–{jnone[1]:,} rows " + cell("get.jnone"), rcell(*journal), "≤ 1.1x",
        status(*journal, 1.1))
if has("get.jnone", "show.jnone"):
    append = ratio("get.jnone", "show.jnone")
    row("journal append: get vs show (no append), same env", cell("get.jnone"), "show " + cell("show.jnone"),
        rcell(*append), "≤ 1.2x", status(*append, 1.2))
if has("rotate.all", "rotate.one"):
    rotate = ratio("rotate.all", "rotate.one")
    row("rotate --all, 10,000 keys", cell("rotate.all"), "one rotate " + cell("rotate.one"), rcell(*rotate),
        "≤ 3x", status(*rotate, 3.0))
if has("run.k100", "get.k100.r"):
    run = ratio("run.k100", "get.k100.r")
    floor = f"; `true` alone {cell('true')}" if "true" in times else ""
    row("run --no-redact -- true, 100 keys", cell("run.k100"), "get " + cell("get.k100.r") + floor,
        rcell(*run), "≤ 1.2x", status(*run, 1.2))
if has("run.v64k", "run.v64"):
    redact = ratio("run.v64k", "run.v64")
    row("run --redact -- true, one 64 KiB value", cell("run.v64k"), "one 64-byte value " + cell("run.v64"),
        rcell(*redact), "≤ 1.2x (round 2)", status(*redact, 1.2))
if has("redact.big", "cat.big") and "big.bytes" in scal:
    mib = int(scal["big.bytes"]) / MiB
    x, per = ratio("redact.big", "cat.big")
    row(f"run --redact -- cat, {mib:.0f} MiB of text", f"{cell('redact.big')}: {mib / med('redact.big') * 1000:.0f} MiB/s",
        f"cat {cell('cat.big')}: {mib / med('cat.big') * 1000:.0f} MiB/s", rcell(x, per), "", "")
if has("get.agent", "get.plain.k10k"):
    agent = ratio("get.agent", "get.plain.k10k")
    row("get through the agent, 10,000 keys", cell("get.agent"), "plain identity " + cell("get.plain.k10k"),
        rcell(*agent), "≤ 1.2x", status(*agent, 1.2))
if "get.scrypt" in times:
    slower = f"; {med('get.scrypt') / med('get.agent'):.0f}x the agent's median (timed apart)" if "get.agent" in times else ""
    row("get with an scrypt unlock (no agent running), 10,000 keys", cell("get.scrypt"),
        f"{len(w('get.scrypt'))} runs, not interleaved{slower}", "", "", "")
if "export.secs" in scal:
    lines, secs = int(scal["export.lines"]), float(scal["export.secs"])
    row("audit export --format jsonl (one run)", f"{secs:.1f} s: {lines / secs:,.0f} events/s",
        f"{lines:,} events: {int(scal['export.journal_rows']):,} journal rows + lifecycle events of the env file",
        "", "", "")

# --- memory
mem = {}
for e, n in sizes:
    if "rss.get." + e in rss and "size." + e in scal:
        limit = 1.5 * int(scal["size." + e]) / MiB + 16
        m = statistics.median(rss["rss.get." + e])
        mem[n] = (m, limit)
        row(f"peak RSS, get, {n:,} keys", rss_cell("rss.get." + e), f"limit {limit:.1f} MiB (1.5x env file + 16 MiB)",
            "", "", "met" if m <= limit else "**not met**")
if "rss.get.scrypt" in rss:
    row("peak RSS, get with an scrypt unlock (no agent running), 10,000 keys", rss_cell("rss.get.scrypt"),
        "DESIGN §7: \"adds its own 256 MiB for about a second\"", "", "", "")
if "rss.get.agent" in rss:
    row("peak RSS, get through the agent, 10,000 keys", rss_cell("rss.get.agent"), "", "", "", "")

# --- scan
scan = None
if has("scan.rg", "scan.kw") and "scan.bytes" in scal:
    mib = int(scal["scan.bytes"]) / MiB
    scan = ratio("scan.rg", "scan.kw")  # rg time / keyward time = keyward's throughput / rg's
    row(f"scan {mib:.0f} MiB ({int(scal['scan.files']):,} files), {int(scal['scan.patterns']):,} patterns",
        f"{cell('scan.kw')}: {mib / med('scan.kw') * 1000:.0f} MiB/s",
        f"rg -F -f {cell('scan.rg')}: {mib / med('scan.rg') * 1000:.0f} MiB/s",
        rcell(*scan) + f" of rg's throughput; {len(w('scan.kw'))} rounds", "≥ 0.8x",
        status(*scan, 0.8, at_most=False))

# --- round 3: where a small read goes, sops, passage, list vs age, merge, scale, history, signed
small = None
if has("get.k100", "show.k100", "version", "true.r"):
    v, sh, g, tr = med("version"), med("show.k100"), med("get.k100"), med("true.r")
    small = (v, sh, g, tr)
    row("where a 100-key get goes (medians, same rounds)",
        f"start a process that does nothing (`true`) {ms(tr)} ms; start keyward (`--version`: exec, "
        f"loading, argument parsing) {ms(v)} ms; open + read one key (`show` minus `--version`) "
        f"{ms(sh - v)} ms; the journal append (`get` minus `show`) {ms(g - sh)} ms",
        "age -d " + cell("age.k100"), "", "", "")
if has("passage.show", "get.k100"):
    x, per = ratio("get.k100", "passage.show")
    row("get vs passage show, 100 keys", cell("get.k100"), "passage show " + cell("passage.show"),
        rcell(x, per), "≤ 1.0x", status(x, per, 1.0))
sops_get, sops_run, run_10k = {}, {}, None
for e, n in (("k100", 100), ("k1k", 1000), ("k10k", 10_000)):
    if has(f"s.get.{e}", f"s.sops.get.{e}"):
        x, per = ratio(f"s.get.{e}", f"s.sops.get.{e}")
        sops_get[n] = (x, per)
        row(f"get vs sops decrypt --extract, {n:,} keys", cell(f"s.get.{e}"),
            "sops " + cell(f"s.sops.get.{e}"), rcell(x, per), "", "")
    if has(f"s.run.{e}", f"s.sops.exec.{e}"):
        x, per = ratio(f"s.run.{e}", f"s.sops.exec.{e}")
        sops_run[n] = (x, per)
        lim = "≤ 0.3x (round 3)" if n == 10_000 else ""
        row(f"run -- true vs sops exec-env -- true, {n:,} keys", cell(f"s.run.{e}"),
            "sops exec-env " + cell(f"s.sops.exec.{e}"), rcell(x, per), lim,
            status(x, per, 0.3) if n == 10_000 else "")
        if n == 10_000:
            run_10k = (x, per)
list_age = None
if has("list.kbig", "age.kbig"):
    list_age = ratio("list.kbig", "age.kbig")
    row(f"list --json vs age -d of the same file, {big:,} keys", cell("list.kbig"), "age -d " + cell("age.kbig"),
        rcell(*list_age), "≤ 5x (round 3)", status(*list_age, 5.0))
merge = None
if has("merge.10k", "merge.rotate"):
    mk, mc = int(scal.get("merge.keys", 10000)), int(scal.get("merge.changes", 100))
    merge = ratio("merge.10k", "merge.rotate")
    row(f"git merge of two {mk:,}-key sides, {mc} changes each, on OURS's machine", cell("merge.10k"),
        "one rotate of the same env " + cell("merge.rotate"), rcell(*merge), "≤ 3x (round 3)", status(*merge, 3.0))
    if has("merge.unseen"):
        unseen = ratio("merge.unseen", "merge.rotate")
        row("the same merge where no side was seen before (a CI runner)", cell("merge.unseen"),
            "the same rotate " + cell("merge.rotate"), rcell(*unseen), "", "")
huge = int(scal.get("keys.khuge", 1_000_000))
scale_get = scale_rot = None
if has("get.khuge", "get.k100.s"):
    scale_get = ratio("get.khuge", "get.k100.s")
    row(f"get, {huge:,} keys vs 100 keys", cell("get.khuge"), "100 keys " + cell("get.k100.s"),
        rcell(*scale_get), "≤ 1.2x (round 3)", status(*scale_get, 1.2))
if has("rotate.khuge", "age.e.khuge"):
    scale_rot = ratio("rotate.khuge", "age.e.khuge")
    plain = int(scal.get("size.khuge.plain", 0)) / MiB
    row(f"rotate of one key, {huge:,} keys", cell("rotate.khuge"),
        f"age -e of the same file's plaintext ({plain:.0f} MiB) " + cell("age.e.khuge"),
        rcell(*scale_rot), "≤ 3x (round 3)", status(*scale_rot, 3.0))
for name, what in (("rss.get.khuge", "get"), ("rss.rotate.khuge", "rotate")):
    if name in rss and "size.khuge" in scal:
        limit = 1.5 * int(scal["size.khuge"]) / MiB + 16
        m = statistics.median(rss[name])
        mem[huge] = (m, limit) if what == "get" else mem.get(huge, (m, limit))
        row(f"peak RSS, {what}, {huge:,} keys", rss_cell(name), f"limit {limit:.1f} MiB (1.5x env file + 16 MiB)",
            "", "", "met" if m <= limit else "**not met**")
history = None
if has("history.again", "history.one"):
    history = ratio("history.again", "history.one")
    hc = int(scal.get("history.commits", 0))
    row(f"audit verify --git again after one new commit, {hc:,}-commit history "
        f"({scal.get('history.again_checked', '?')} checked, the rest remembered)", cell("history.again"),
        "that one commit checked alone (`--full HEAD^!`) " + cell("history.one"), rcell(*history),
        "≤ 1.5x (round 3)", status(*history, 1.5))
    if "history.full_secs" in scal:
        fs = float(scal["history.full_secs"])
        row(f"audit verify --git --full, {hc:,}-commit history (one run)", f"{fs:.1f} s",
            f"{fs * 1000 / max(hc, 1):.2f} ms per commit", "", "", "")
signed = signed_rows.rows(T, scal)
for r in signed:
    row(*r)


# --- targets
def summary(d, limit, at_most=True):
    parts, ok = [], True
    for n, (x, per) in d.items():
        ok &= x <= limit if at_most else x >= limit
        parts.append(f"{x:.2f}x at {n:,}")
    return "; ".join(parts), ("met" if ok else "**not met**")


def one(r, limit, at_most=True):
    if r is None:
        return "not measured", "not measured"
    return rcell(*r), status(*r, limit, at_most)


big_get = None
if "get.kbig" in times:
    big_get = (f"{cell('get.kbig')}",
               "met" if med("get.kbig") < 50 else "**not met**")
if get_age:
    f, s = summary({n: v for n, v in get_age.items() if n >= 10_000}, 1.1)
    targets.append(("`get` within 1.1x of `age -d`, at 10,000 and 100,000 keys", f, s))
if get_pass:
    targets.append(("`get` faster than `pass show` at every size", *summary(get_pass, 1.0)))
if "passage.show" not in times:
    targets.append(("`passage show`", "not installed (not packaged for Debian: the package of that name is a game)", "not measured"))
if per_key:
    targets.append(("≤ 200 bytes per key beyond the value",
                    "; ".join(f"{b:.0f} B at {n:,}" for n, b in per_key.items()),
                    "met" if all(b <= 200 for b in per_key.values()) else "**not met**"))
if big_get:
    targets.append((f"`get` at {big:,} keys under 50 ms (median; min–max)", *big_get))
targets.append((f"`get` with 1,000,000 journal events within 1.1x of none (here {jfull[0]:,} rows vs {jnone[0]:,})",
                *one(journal, 1.1)))
targets.append(("the journal append adds at most 1.2x (get vs show)", *one(append, 1.2)))
targets.append(("`rotate --all` over 10,000 keys within 3x of one `rotate`", *one(rotate, 3.0)))
targets.append(("`verify` within 1.2x of `get`", *one(verify, 1.2)))
targets.append(("`run -- true` at most 1.2x over `get`", *one(run, 1.2)))
targets.append(("`scan` at least 0.8x the throughput of `rg -F -f`", *one(scan, 0.8, at_most=False)))
if mem:
    targets.append(("peak memory ≤ 1.5x plaintext + 16 MiB (plain identity)",
                    "; ".join(f"{m:.1f} of {l:.1f} MiB at {n:,}" for n, (m, l) in mem.items()),
                    "met" if all(m <= l for m, l in mem.values()) else "**not met**"))
targets.append(("agent `get` within 1.2x of a plain identity", *one(agent, 1.2)))
targets.append((f"round 2: `get` at {big:,} keys within 1.2x of 100 keys", *one(scale, 1.2)))
targets.append((f"round 2: `get` at least 3x faster than `age -d` ({big:,} keys)",
                *one(age_speed, 3.0, at_most=False)))
if list_get:
    targets.append(("round 2: `list --json` within 2x of one `get`", *summary(list_get, 2.0)))
targets.append(("round 2: `run` with a 64 KiB value within 1.2x of a 64-byte one", *one(redact, 1.2)))
if "size.empty" in scal:
    targets.append(("round 2: an empty env file at most 8 KB", f"{int(scal['size.empty']):,} bytes",
                    "met" if int(scal["size.empty"]) <= 8192 else "**not met**"))
targets.append(("round 2: git grows ≤ 16 KB per rotation of a 100-key env", "not measured by compare.sh",
                "not measured"))
# round 3 (DESIGN §7)
targets.append(("round 3: `get` at 100 keys within 1.2x of `age -d`", *(summary({100: get_age[100]}, 1.2) if 100 in get_age else ("not measured", "not measured"))))
targets.append(("round 3: the journal append (get vs show) within 1.2x", *one(append, 1.2)))
targets.append(("round 3: `run -- true` within 1.2x of `get` (100 keys)", *one(run, 1.2)))
targets.append(("round 3: `run -- true` over 10,000 keys within 0.3x of `sops exec-env`", *one(run_10k, 0.3)))
targets.append(("round 3: `rotate --all` within 3x of one `rotate` in every run", *one(rotate, 3.0)))
targets.append((f"round 3: `list --json` at {big:,} keys within 5x of `age -d`", *one(list_age, 5.0)))
targets.append(("round 3: merge of two 10,000-key sides within 3x of one `rotate`", *one(merge, 3.0)))
targets.append(("round 3: `audit verify --git` after one new commit within 1.5x of checking one commit", *one(history, 1.5)))
targets.append((f"round 3: `get` at {huge:,} keys within 1.2x of `get` at 100 keys", *one(scale_get, 1.2)))
targets.append((f"round 3: `rotate` at {huge:,} keys within 3x of `age -e` of the same file", *one(scale_rot, 3.0)))
for r in signed:
    if r[4]:
        targets.append((f"round 3 (signed writes): {r[0]} {r[4]}", r[3], r[5]))


# --- the document
m = scal.get
quick = m("meta.quick") == "1"
peers = ", ".join(x for x in (m("meta.age"), m("meta.sops"), m("meta.pass"), m("meta.gpg"), m("meta.passage"),
                                m("meta.rg")) if x)
print("# Benchmark results\n")
if quick:
    print("**QUICK=1 smoke run: small fixtures and 3 rounds; these figures are not results.**\n")
print(f"Recorded by `bash benches/compare.sh > benches/RESULTS.md` (which also runs "
      f"`benches/scan.sh`, `benches/history.sh` and `benches/signed.sh`) on {m('meta.date')}.\n")
load0 = float((m("meta.load.start") or "0").split()[0])
if load0 > 1.5:
    print(f"**Taken on a loaded machine** (load average {m('meta.load.start')} at the start: other builds and "
          f"tests were running on the same cores). Ratios within one interleaved group stay roughly fair, "
          f"since drift hits both sides of a ratio; absolute times and fsync waits do not. Re-run on a quiet "
          f"machine for figures to quote.\n")
print(f"- machine: {m('meta.cpu')}, {m('meta.mem')}, {m('meta.kernel')}; files on {m('meta.fs')}")
print(f"- load average (1/5/15 min) at the start {m('meta.load.start')}, at the end {m('meta.load.end')}")
print(f"- {m('meta.keyward')} at {m('meta.commit')}, release build; {m('meta.rustc')}; {m('meta.python')}")
print(f"- peers: {peers or 'none installed'}")
print(f"""
**Method.** Commands are timed in groups by `benches/interleave.py`: each round runs each
command of a group once, in alternating order (A B …, … B A), after {m('meta.warmup')} discarded
warm-up round(s); {m('meta.runs')} rounds per group (the scrypt unlock and the scan fewer, see their rows).
Each run is spawned directly (no shell) and timed from spawn to exit, so a few hundred µs of
spawn cost are in every figure alike (see `true` alone). A figure is the **median, with
min–max in parentheses**. A ratio compares two commands of the **same group**, so drift hits
both; it is the ratio of the medians, with the min–max of the per-round ratios in
parentheses. "within noise" marks a status whose target lies inside the middle half
(p25–p75) of the per-round ratios. Peak RSS is GNU time's maximum resident set size of the
command, median (min–max) of a few runs.

Fixtures are built through the library (`benches/fixture.rs`): generated token keys (43-byte
values), each with its lifecycle event. Journal sizes are rows of the SQLite journal
(`SELECT count(*) FROM journal`) counted before and after the group that reads them (each
timed `get` appends one). The scrypt rows are measured with a passphrase-protected identity
and **no agent running** (`keyward lock` first, and `identity show --json` reporting no agent).
""")
print("| measurement | keyward | compared with | ratio (per-round min–max) | target | status |")
print("|---|---|---|---|---|---|")
for r in rows:
    print(r)
print("\nThe in-process criterion figures (`cargo bench --bench vault`) are not part of this run.")
print("\n## Targets (DESIGN §7)\n")
print("| target | figure | status |")
print("|---|---|---|")
for t, f, s in targets:
    print(f"| {t} | {f} | {s} |")
print("\nWhere the time goes, and why each target not met is not: "
      "[docs/reference/performance.md](../docs/reference/performance.md).")
