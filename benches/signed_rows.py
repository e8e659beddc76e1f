"""The rows of benches/signed.sh (signed writes against keyward before them), shared by its
own report and benches/report.py (RESULTS.md)."""
from benchlib import Table


def rows(t, s):
    """(measurement, figure, compared with, ratio, target, status) of what was timed."""
    out = []
    mid = int(s.get("signed.mid", 10000))
    big = int(s.get("signed.big", 100000))
    for e, n in (("k100", 100), ("kmid", mid)):
        a, b = f"signed.get.{e}", f"old.get.{e}"
        if t.has(a, b):
            out.append((f"get on an already verified file, {n:,} keys: now vs before signed writes",
                        t.cell(a), "before " + t.cell(b), t.rcell(a, b), "≤ 1.1x", t.status(a, b, 1.1)))
    for e, n in (("k100", 100), ("kmid", mid)):
        a, b = f"signed.show.{e}", f"old.show.{e}"
        if t.has(a, b):
            out.append((f"show (the read without the journal append), {n:,} keys: now vs before",
                        t.cell(a), "before " + t.cell(b), t.rcell(a, b), "", "the read path alone"))
    if t.has("signed.first.kbig", "signed.verify.kbig"):
        a, b = "signed.first.kbig", "signed.verify.kbig"
        out.append((f"first read (get) of a changed {big:,}-key env", t.cell(a),
                    "audit verify of it " + t.cell(b), t.rcell(a, b), "≤ 2x", t.status(a, b, 2.0)))
    if t.has("signed.again.kbig", "signed.verify2.kbig"):
        a, b = "signed.again.kbig", "signed.verify2.kbig"
        out.append((f"the next read of it (verified), {big:,} keys", t.cell(a),
                    "audit verify " + t.cell(b), t.rcell(a, b), "", "for reading only"))
    if t.has("signed.rotate.kmid", "old.rotate.kmid"):
        a, b = "signed.rotate.kmid", "old.rotate.kmid"
        out.append((f"rotate of one key, {mid:,} keys: now (signed) vs before", t.cell(a),
                    "before " + t.cell(b), t.rcell(a, b), "", ""))
    if t.has("signed.merge", "old.merge"):
        ch = int(s.get("signed.changes", 100))
        out.append((f"git merge of two {mid:,}-key sides, {ch} changes each: now vs before",
                    t.cell("signed.merge"), "before " + t.cell("old.merge"),
                    t.rcell("signed.merge", "old.merge"), "", ""))
    if t.has("signed.merge", "signed.merge.rotate"):
        out.append(("the same merge vs one rotate (now)", t.cell("signed.merge"),
                    "rotate " + t.cell("signed.merge.rotate"),
                    t.rcell("signed.merge", "signed.merge.rotate"), "≤ 3x",
                    t.status("signed.merge", "signed.merge.rotate", 3.0)))
    return out


def table(t, s):
    tb = Table(["measurement", "now", "compared with", "ratio (per-round min–max)", "target", "status"])
    for r in rows(t, s):
        tb.row(*r)
    return tb
