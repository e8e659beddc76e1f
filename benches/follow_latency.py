#!/usr/bin/env python3
"""How soon `keyward audit follow` delivers an event, and what it costs while idle.

    follow_latency.py KEYWARD ENV KEY ROUNDS OUT.json

Starts `KEYWARD -e ENV audit follow` (the vault, identity and state come from the
environment), then ROUNDS times: waits 0.3 s (so every event finds the follower idle,
asleep in poll), runs `KEYWARD -e ENV get KEY` and waits for the line it causes.

Latency of a round = wall clock when the line is read here − the event's own `time`
field. The event's time is read by `get` when it starts, before it decrypts the
environment and before the journal commit, so this is an upper bound on
commit-to-delivery (it includes the rest of `get`'s own run up to its commit).

Idle cost: the follower's CPU time (utime + stime from /proc) over IDLE seconds with no
event. Writes medians, min, max, p95 and the idle figures to OUT.json.
"""
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

IDLE = 10.0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    # fields 14 and 15 (utime, stime) are 12 and 13 after the command name
    return int(rest[11]) + int(rest[12])


def main():
    kw, env, key, rounds, out = sys.argv[1:6]
    rounds = int(rounds)
    follow = subprocess.Popen(
        [kw, "-e", env, "audit", "follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)  # let it start and take its first look
        latencies = []
        for _ in range(rounds):
            time.sleep(0.3)
            r = subprocess.run(
                [kw, "-e", env, "get", key],
                # a pipe: `get` refuses a read-write /dev/null (what a closed stdout
                # becomes), which is what DEVNULL opens
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            if r.returncode != 0:
                sys.exit(f"get failed ({r.returncode}): {r.stderr.decode()}")
            line = follow.stdout.readline()
            arrived = time.time()
            ev = json.loads(line)
            t = datetime.datetime.strptime(ev["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
            t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
            latencies.append((arrived - t) * 1000.0)
        hz = os.sysconf("SC_CLK_TCK")
        before = cpu_ticks(follow.pid)
        time.sleep(IDLE)
        idle_cpu_ms = (cpu_ticks(follow.pid) - before) * 1000.0 / hz
    finally:
        follow.terminate()
        follow.wait(timeout=10)
    latencies.sort()
    res = {
        "rounds": rounds,
        "median_ms": statistics.median(latencies),
        "min_ms": latencies[0],
        "max_ms": latencies[-1],
        "p95_ms": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))],
        "idle_seconds": IDLE,
        "idle_cpu_ms": idle_cpu_ms,
        "exit_on_sigterm": follow.returncode,
    }
    with open(out, "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
