#!/usr/bin/env python3
"""The one copy of what every benches/*.sh report needs: reading the times that
benches/interleave.py appends, medians with min–max, ratios within one interleaved group
(the ratio of the medians with the min–max of the per-round ratios), a target's status,
peak RSS and CPU cells, and markdown tables. Python 3.8+, standard library only.

Scripts use it from their inline reports with `PYTHONPATH=$ROOT/benches python3 - …`:

    from benchlib import Times
    t = Times(sys.argv[1])
    print(t.cell("get"), t.rcell("get", "age"), t.status("get", "age", 1.2))
"""
import json
import statistics

MiB = 1048576


def ms(x):
    """A duration in ms, with one decimal below 100 ms."""
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}"


def spread(values, unit=1.0, fmt=ms, suffix=""):
    """`median (min–max)` of values divided by unit."""
    v = [x / unit for x in values]
    return f"{fmt(statistics.median(v))}{suffix} ({fmt(min(v))}–{fmt(max(v))})"


def rcell(x, per):
    """A ratio with the min–max of its per-round ratios."""
    return f"{x:.2f}x ({min(per):.2f}–{max(per):.2f})"


def status(x, per, limit, at_most=True):
    """"met" / "**not met**" on the ratio of medians; says when the middle half of the
    per-round ratios (p25–p75) spans the target."""
    ok = x <= limit if at_most else x >= limit
    s = "met" if ok else "**not met**"
    if len(per) >= 4:
        q = statistics.quantiles(per, n=4)
        if q[0] <= limit <= q[2]:
            s += " (within noise: p25–p75 of the rounds spans it)"
    return s


def read_tsv(path, parse=str):
    """`name <TAB> value` lines as a dict; parse turns each value."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                if line.strip():
                    k, v = line.rstrip("\n").split("\t", 1)
                    out[k] = parse(v)
    except FileNotFoundError:
        pass
    return out


def read_list_tsv(path, scale=1.0):
    """`name <TAB> v1,v2,…` lines (peak RSS in KiB, CPU ms) as name → [floats / scale]."""
    return read_tsv(path, lambda v: [float(x) / scale for x in v.split(",") if x])


class Times:
    """The wall times of interleaved groups (one JSON line per command, from
    benches/interleave.py: name, group, wall_ns per round)."""

    def __init__(self, path):
        self.t = {}
        try:
            with open(path) as f:
                for line in f:
                    if line.strip():
                        d = json.loads(line)
                        self.t[d["name"]] = d
        except FileNotFoundError:
            pass

    def __contains__(self, name):
        return name in self.t

    def has(self, *names):
        return all(n in self.t for n in names)

    def w(self, n):
        """Wall times of each round, in ns."""
        return self.t[n]["wall_ns"]

    def med(self, n):
        """Median wall time in ms."""
        return statistics.median(self.w(n)) / 1e6

    def cell(self, n):
        """`median ms (min–max)`, or n/a."""
        if n not in self.t:
            return "n/a"
        return spread(self.w(n), 1e6, suffix=" ms")

    def ratio(self, a, b):
        """median(a)/median(b) and the per-round ratios; a and b must share a group."""
        if self.t[a]["group"] != self.t[b]["group"]:
            raise SystemExit(f"benchlib: {a} and {b} were not timed interleaved")
        per = [x / y for x, y in zip(self.w(a), self.w(b))]
        return statistics.median(self.w(a)) / statistics.median(self.w(b)), per

    def rcell(self, a, b):
        return rcell(*self.ratio(a, b))

    def status(self, a, b, limit, at_most=True):
        return status(*self.ratio(a, b), limit, at_most)

    def rounds(self, n):
        return len(self.w(n))


class Table:
    """A markdown table: Table(["a", "b"]).row(1, 2).print()."""

    def __init__(self, header):
        self.header = header
        self.rows = []

    def row(self, *cells):
        cells = list(cells) + [""] * (len(self.header) - len(cells))
        self.rows.append(cells)
        return self

    def lines(self):
        out = ["| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        out += ["| " + " | ".join(str(c) for c in r) + " |" for r in self.rows]
        return out

    def print(self):
        print("\n".join(self.lines()))


def settle(paths):
    """Drop each file's page cache and read it back in one piece: a binary just written
    (by the linker or by `cp`) keeps its cache in the pieces it was written in, and every
    start of it is slower until then (see compare.sh)."""
    import os
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        with open(p, "rb") as f:
            f.read()
