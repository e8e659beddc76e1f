#!/usr/bin/env python3
"""The module graph of a crate's `src/`, read from its own `use crate::…` paths.

Prints the arrows between modules (a module is a top-level file or directory under
src/, with `vault/`, `ops/` and the like split one level deeper), the arrows that point
up a layer, every circle (strongly connected component of more than one module), and
the source files over 600 lines. Layers (lowest first) follow STYLE.md.

    python3 scripts/modgraph.py [SRC_DIR]        # default: src
"""
import os
import re
import sys
from collections import defaultdict

SRC = sys.argv[1] if len(sys.argv) > 1 else "src"
# Lowest first; a module may use those at its layer or below.
LAYERS = [
    {"sys", "fsutil", "secret", "signing", "codes", "text", "names", "error", "token", "redact", "dotenv", "shell"},
    {"audit", "recipient", "identity", "plugin", "input"},
    {"vault", "agent", "scan", "verifier"},
    {"ops"},
    {"output", "cmd", "cli", "lib", "main"},
]


def layer_of(module):
    top = module.split("::")[0]
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    return None


def module_of(path):
    rel = os.path.relpath(path, SRC)[:-3]
    parts = rel.split(os.sep)
    if parts[-1] == "mod":
        parts = parts[:-1]
    if not parts:
        return "lib"
    # one level inside the big layers: vault::merge, ops::rotate
    return "::".join(parts[:2])


def uses(text):
    out = set()
    for m in re.finditer(r"crate::([a-z_]+)(?:::([a-z_]+))?", text):
        a, b = m.group(1), m.group(2)
        out.add(f"{a}::{b}" if b and os.path.exists(os.path.join(SRC, a)) and
                (os.path.exists(os.path.join(SRC, a, b + ".rs")) or
                 os.path.isdir(os.path.join(SRC, a, b))) else a)
    return out


def main():
    edges = defaultdict(set)
    big = []
    for root, _, files in os.walk(SRC):
        for f in files:
            if not f.endswith(".rs"):
                continue
            p = os.path.join(root, f)
            text = open(p, encoding="utf-8").read()
            n = text.count("\n")
            if n > 600:
                big.append((n, os.path.relpath(p)))
            me = module_of(p)
            # tests inside a file are not part of the graph
            body = text.split("#[cfg(test)]")[0]
            for u in uses(body):
                if u != me and not me.startswith(u + "::") and not u.startswith(me + "::"):
                    edges[me].add(u)
    arrows = sorted((a, b) for a in edges for b in edges[a])
    up = [(a, b) for a, b in arrows
          if layer_of(a) is not None and layer_of(b) is not None and layer_of(b) > layer_of(a)]
    # circles: Tarjan's SCC
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
    nodes = set(edges) | {b for a in edges for b in edges[a]}

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            strong(v)
    print(f"modules: {len(nodes)}  arrows: {len(arrows)}  up a layer: {len(up)}  circles: {len(sccs)}")
    for a, b in up:
        print(f"  up: {a} -> {b}")
    for c in sccs:
        print(f"  circle ({len(c)}): {', '.join(c)}")
    print(f"files over 600 lines: {len(big)}")
    for n, p in sorted(big, reverse=True):
        print(f"  {n:5} {p}")


main()
