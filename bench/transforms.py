#!/usr/bin/env python3
"""The cost of a 5-transform chain: a 1,000,000-row MariaDB table through the
JDBC source into the embedded log, with and without the chain.

The chain is the common one of a replication pipeline:
  ValueToKey(id) → ExtractField$Key(id) → ReplaceField$Value(drop note, rename qty)
  → InsertField$Value(static source + record timestamp) → Cast$Value(price to string)

Runs alternate (plain, chain, plain, chain, …) so that a busy machine weighs on
both alike; the report gives the best run of each, rows/s and CPU seconds, and
the chain's cost in both terms.

    cargo build --release -p ferry
    python3 bench/transforms.py [--rows 1000000] [--runs 2]
    python3 bench/transforms.py --rows 100000 --runs 1 --callgrind

With --callgrind, Ferry runs under `valgrind --tool=callgrind` and the report
adds the instructions Ferry executed: a count that a busy machine does not
change, for the chain's cost alone.

Needs MariaDB as for jdbc_source.py. No broker: records go to the embedded log.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

from common import cpu_seconds, free_port, http, rss_kb, stop, wait
from jdbc_source import TABLE, connection_url, load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
T = "org.apache.kafka.connect.transforms."
CHAIN = {
    "transforms": "createKey,extractId,replace,insert,cast",
    "transforms.createKey.type": T + "ValueToKey", "transforms.createKey.fields": "id",
    "transforms.extractId.type": T + "ExtractField$Key", "transforms.extractId.field": "id",
    "transforms.replace.type": T + "ReplaceField$Value", "transforms.replace.exclude": "note",
    "transforms.replace.renames": "qty:quantity",
    "transforms.insert.type": T + "InsertField$Value", "transforms.insert.static.field": "source",
    "transforms.insert.static.value": "mariadb-1", "transforms.insert.timestamp.field": "ingested",
    "transforms.cast.type": T + "Cast$Value", "transforms.cast.spec": "price:string",
}


def run(rows, work, name, transforms, callgrind=False):
    ferry = os.path.join(ROOT, "target", "release", "ferry")
    counts = os.path.join(work, f"{name}.callgrind")
    wrap = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={counts}"] if callgrind else []
    port = free_port()
    props = os.path.join(work, f"{name}.properties")
    with open(props, "w") as f:
        f.write(f"listeners=http://127.0.0.1:{port}\nlog.dir={work}/{name}-log\n"
                f"offset.storage.file.filename={work}/{name}.offsets\noffset.flush.interval.ms=100\n"
                "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
                "value.converter=org.apache.kafka.connect.json.JsonConverter\n")
    proc = subprocess.Popen(wrap + [ferry, "standalone", props], stdout=open(os.path.join(work, f"{name}.log"), "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait("Ferry's REST API", lambda: http("GET", base + "/")[0] == 200, 120, 0.01)
        config = {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": connection_url("mariadb"),
                  "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": TABLE,
                  "topic.prefix": f"bench-{name}-", "tasks.max": "1", "batch.max.rows": "1000"}
        if transforms:
            config.update(CHAIN)
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        status, body = http("POST", base + "/connectors", {"name": "bench", "config": config})
        if status != 201:
            sys.exit(f"creating the connector failed: {status} {body.decode()}")

        def done():
            status, body = http("GET", base + "/connectors/bench/offsets")
            return status == 200 and any(o["offset"].get("incrementing") == rows for o in json.loads(body)["offsets"])

        wait(f"{rows} rows committed", done, 1800, 0.02)
        elapsed, cpu = time.monotonic() - t0, cpu_seconds(proc.pid) - cpu0
        result = {"transforms": transforms, "rows_per_s": round(rows / elapsed), "cpu_seconds": round(cpu, 2),
                  "peak_rss_mb": round(rss_kb(proc.pid, "VmHWM") / 1024, 1)}
    finally:
        stop(proc, 120)
    if callgrind:
        totals = [l for l in open(counts) if l.startswith(("summary:", "totals:"))]
        result["instructions"] = int(totals[0].split()[1])
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=2, help="runs of each kind, alternating")
    ap.add_argument("--callgrind", action="store_true", help="count Ferry's instructions with valgrind")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(ROOT, "target", "release", "ferry")):
        sys.exit("build first: cargo build --release -p ferry")
    work = tempfile.mkdtemp(prefix="ferry-bench-transforms-")
    results = []
    try:
        load("mariadb", args.rows)
        for i in range(args.runs):
            for transforms in (False, True):
                results.append(run(args.rows, work, f"run{i}-{'chain' if transforms else 'plain'}", transforms, args.callgrind))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    best = {t: max((r for r in results if r["transforms"] == t), key=lambda r: r["rows_per_s"]) for t in (False, True)}
    cpu = {t: min(r["cpu_seconds"] for r in results if r["transforms"] == t) for t in (False, True)}
    print(f"JDBC source (MariaDB, {args.rows} rows, JsonConverter with schemas) → embedded log, best of {args.runs}")
    print(f"{'chain':>6} {'rows/s':>9} {'CPU s':>6} {'peak RSS MB':>11}")
    for t in (False, True):
        print(f"{'5 SMTs' if t else 'none':>6} {best[t]['rows_per_s']:>9} {cpu[t]:>6} {best[t]['peak_rss_mb']:>11}")
    print(f"cost of the chain: {100 * (1 - best[True]['rows_per_s'] / best[False]['rows_per_s']):.1f} % of throughput, "
          f"{100 * (cpu[True] / cpu[False] - 1):.1f} % more CPU")
    if args.callgrind:
        ins = {t: min(r["instructions"] for r in results if r["transforms"] == t) for t in (False, True)}
        print(f"instructions: {ins[False]:,} without, {ins[True]:,} with the chain: {100 * (ins[True] / ins[False] - 1):.1f} % more")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
