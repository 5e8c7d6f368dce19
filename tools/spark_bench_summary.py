"""Medians of tools/spark-standalone.sh's benchmark rounds, and where each Spark run's time went, from its event log.

    python3 tools/spark_bench_summary.py bench.tsv EVENTS_DIR

bench.tsv: one line per set, mode and round: SET MODE ROUND N T16 T_N IMAGES_PER_S (= (N - 16) / (T_N - T16)).
EVENTS_DIR/SET/MODE-N-ROUND/ holds the event log of the Spark run of N images (Spark's own JSON lines).
"""
import glob
import json
import statistics
import sys
from collections import defaultdict


def event_log_times(directory):
    """Seconds: application span, start-up before the first job, jobs, and the tasks' summed run/CPU/GC/deserialization."""
    files = glob.glob(directory + "/*")
    if len(files) != 1:
        return None
    app_start = app_end = None
    jobs = {}
    run = cpu = gc = deser = 0.0
    tasks = 0
    for line in open(files[0]):
        e = json.loads(line)
        kind = e["Event"]
        if kind == "SparkListenerApplicationStart":
            app_start = e["Timestamp"]
        elif kind == "SparkListenerApplicationEnd":
            app_end = e["Timestamp"]
        elif kind == "SparkListenerJobStart":
            jobs[e["Job ID"]] = [e["Submission Time"], None]
        elif kind == "SparkListenerJobEnd":
            jobs[e["Job ID"]][1] = e["Completion Time"]
        elif kind == "SparkListenerTaskEnd" and e.get("Task Metrics"):
            m = e["Task Metrics"]
            tasks += 1
            run += m["Executor Run Time"] / 1e3
            cpu += m["Executor CPU Time"] / 1e9
            gc += m["JVM GC Time"] / 1e3
            deser += m["Executor Deserialize Time"] / 1e3
    if app_start is None or app_end is None or not jobs:
        return None
    first_job = min(s for s, _ in jobs.values())
    return {
        "app": (app_end - app_start) / 1e3,
        "startup": (first_job - app_start) / 1e3,
        "jobs": sum((e - s) for s, e in jobs.values() if e) / 1e3,
        "tasks": tasks,
        "run": run,
        "cpu": cpu,
        "gc": gc,
        "deser": deser,
    }


def main(tsv, events):
    rows = defaultdict(list)
    images = {}
    for line in open(tsv):
        name, mode, _, n, t16, tn, rate = line.split()
        images[name] = int(n)
        rows[(name, mode)].append((float(t16), float(tn), float(rate)))
    med = {k: [statistics.median(c) for c in zip(*v)] for k, v in rows.items()}
    print(f"  {'set':12} {'mode':8} {'N':>6} {'T16':>6} {'T(N)':>6} {'images/s':>9} {'vs JVM':>7}   rounds (images/s)")
    for (name, mode), (t16, tn, rate) in med.items():
        ratio = rate / med[(name, "jvm")][2]
        each = " ".join(f"{r:.1f}" for _, _, r in rows[(name, mode)])
        print(f"  {name:12} {mode:8} {images[name]:6} {t16:6.1f} {tn:6.1f} {rate:9.1f} {ratio:6.0%}    {each}")
    print()
    print("  Spark runs from their event logs, medians over rounds, s; 'N - 16' = the N-image run minus the 16-image run:")
    print(f"  {'set':12} {'mode':8} {'images':>6} {'app':>6} {'startup':>7} {'jobs':>6} {'tasks':>5}"
          f" {'run':>6} {'CPU':>6} {'GC':>5} {'deser':>5}")
    for name, mode in med:
        if mode == "jvm":
            continue
        per_n = {}
        big = images[name]
        for n in (16, big):
            logs = [event_log_times(d) for d in sorted(glob.glob(f"{events}/{name}/{mode}-{n}-*"))]
            logs = [t for t in logs if t]
            if not logs:
                continue
            per_n[n] = {k: statistics.median(t[k] for t in logs) for k in logs[0]}
            t = per_n[n]
            print(f"  {name:12} {mode:8} {n:6} {t['app']:6.1f} {t['startup']:7.1f} {t['jobs']:6.1f} {t['tasks']:5.0f}"
                  f" {t['run']:6.1f} {t['cpu']:6.1f} {t['gc']:5.1f} {t['deser']:5.1f}")
        if len(per_n) == 2:
            d = {k: per_n[big][k] - per_n[16][k] for k in per_n[16]}
            print(f"  {name:12} {mode:8} {'N - 16':>6} {d['app']:6.1f} {d['startup']:7.1f} {d['jobs']:6.1f} {'':5}"
                  f" {d['run']:6.1f} {d['cpu']:6.1f} {d['gc']:5.1f} {d['deser']:5.1f}"
                  f"   -> {(big - 16) / d['jobs']:.1f} images/s inside the jobs")


if __name__ == "__main__":
    main(*sys.argv[1:3])
