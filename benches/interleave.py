#!/usr/bin/env python3
"""Time a group of commands interleaved: one run of each per round, so that drift on a
shared machine (other builds, fsync latency, CPU frequency) hits every command of the group
alike and their ratios stay comparable. Needs nothing but Python 3.8+ (no hyperfine).

    interleave.py --out FILE [--runs N] [--warmup W] [--prepare SH] [--ok-exit N]… \
                  [--group G] NAME CMD [NAME CMD ...]

Each round runs every command once; the order alternates (A B C, C B A, A B C, …) so that
no command always follows the same one. Warm-up rounds are run and discarded. Each run is
started with posix_spawn and reaped with waitpid; its wall time is taken around the two
calls with perf_counter_ns. The spawn itself is part of every figure alike (measure `true`
to see that floor). No peak RSS here: a child spawned from this process inherits Python's
~15 MiB high-water mark until exec, which would hide any smaller peak (use /usr/bin/time).

CMD is split like a shell word list but run without a shell (no fork of sh in the figure).
Understood: leading `env [-u NAME]… [NAME=VALUE]…` (applied here, not exec'd), and a
trailing `< FILE` and/or `> FILE` (stdout and stderr go to /dev/null otherwise).
--prepare runs through `sh -c` before every timed run of every command, untimed.
A run that exits other than 0 (or an --ok-exit code) stops everything: it measured nothing.

Appends one JSON line per command to FILE: name, group and round-indexed wall_ns,
so per-round ratios between two commands of one group can be formed later.
"""
import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time


def parse(cmd):
    words = shlex.split(cmd)
    env = dict(os.environ)
    if words and words[0] == "env":
        words = words[1:]
        while words:
            if words[0] == "-u" and len(words) > 1:
                env.pop(words[1], None)
                words = words[2:]
            elif "=" in words[0] and not words[0].startswith("="):
                k, v = words[0].split("=", 1)
                env[k] = v
                words = words[1:]
            else:
                break
    stdin = stdout = None
    while len(words) >= 2 and words[-2] in ("<", ">"):
        if words[-2] == "<":
            stdin = words[-1]
        else:
            stdout = words[-1]
        words = words[:-2]
    if not words:
        sys.exit(f"interleave: empty command: {cmd!r}")
    path = shutil.which(words[0], path=env.get("PATH"))
    if path is None:
        sys.exit(f"interleave: not found: {words[0]}")
    return {"path": path, "argv": words, "env": env, "stdin": stdin, "stdout": stdout}


def run_once(c):
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, c["stdin"] or os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, c["stdout"] or os.devnull,
         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(c["path"], c["argv"], c["env"], file_actions=actions)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    return t1 - t0, os.waitstatus_to_exitcode(status)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--prepare")
    ap.add_argument("--ok-exit", type=int, action="append", default=[0])
    ap.add_argument("--group")
    ap.add_argument("pairs", nargs="+", metavar="NAME CMD")
    a = ap.parse_args()
    if len(a.pairs) % 2:
        sys.exit("interleave: NAME CMD arguments must come in pairs")
    names = a.pairs[0::2]
    cmds = [parse(c) for c in a.pairs[1::2]]
    group = a.group or "+".join(names)
    wall = {n: [] for n in names}
    order = list(range(len(names)))
    for rnd in range(a.warmup + a.runs):
        for i in (order if rnd % 2 == 0 else order[::-1]):
            if a.prepare:
                subprocess.run(["sh", "-c", a.prepare], check=True)
            ns, code = run_once(cmds[i])
            if code not in a.ok_exit:
                sys.exit(f"interleave: {names[i]} exited {code}: {a.pairs[2 * i + 1]}")
            if rnd >= a.warmup:
                wall[names[i]].append(ns)
    with open(a.out, "a") as f:
        for n in names:
            f.write(json.dumps({"name": n, "group": group, "wall_ns": wall[n]}) + "\n")
    for n in names:
        s = sorted(wall[n])
        print(f"  {n}: median {statistics.median(s) / 1e6:.1f} ms "
              f"({s[0] / 1e6:.1f}–{s[-1] / 1e6:.1f})", file=sys.stderr)


if __name__ == "__main__":
    main()
