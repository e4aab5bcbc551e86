#!/usr/bin/env python3
"""Replication, the main use case: a 1,000,000-row MariaDB table copied into
PostgreSQL and into MariaDB by Ferry (JDBC source -> log -> JDBC sink, one
worker, JsonConverter with schemas, `auto.create`, `insert`), through the
embedded log and through a broker, side by side in the same run with:

  - sling (`pip install sling-linux-amd64`), a copy tool that reads and
    writes without any log in between;
  - for MariaDB -> MariaDB, the database's own `mariadb-dump | mariadb`;
  - the machine's limits for these rows: the database client's read
    (`mariadb --quick`), PostgreSQL's `\\copy … FROM` and MariaDB's
    `LOAD DATA LOCAL INFILE` of the same rows from a file.

Every run of Ferry on a broker gets a fresh broker: noida-db. (tansu, the
other test broker, lost 3-10 % of the rows in this pipeline whenever the
sink read while the source wrote, which the row count check catches; the
same records written first and read afterwards all arrive. noida-db answers
a fetch with the whole rest of the partition, so the worker's peak memory
on it is mostly those answers.) With `--repeat N` every
run is repeated N times, the order reversed in every other round, and the
table shows each run; a ratio is always between runs of the same round.

    cargo build --release -p ferry
    pip install sling-linux-amd64
    python3 bench/replication.py [--rows 1000000] [--repeat 1] [--target postgres|mariadb] [--log embedded|broker]

A run ends when the target table holds the last row (a primary-key lookup
every 0.1 s, which favours the peer, timed to its exit); the row count is
then checked.
"""
import argparse, glob, json, os, shutil, subprocess, sys, sysconfig, tempfile, time

from common import cpu_seconds, rss_kb, start_broker, wait
from jdbc_sink import Worker, bulk_load_limit, drop, scalar, sink_config, source_config, target_count
from jdbc_source import COLUMNS, MYSQL, POSTGRES, TABLE, load, mysql, psql

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COPY_DB = "ferry_bench_copy"


def sling_binary():
    found = glob.glob(os.path.join(sysconfig.get_paths()["purelib"], "sling_linux_amd64", "bin", "sling-linux-amd64"))
    return os.environ.get("FERRY_SLING_BIN") or (found[0] if found else None)


def timed(cmd, env=None, shell=False):
    """Runs a command to its end: wall seconds, CPU seconds and peak RSS (MB) of it and its children."""
    t = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd} failed: {err.decode()[-2000:]}")
    return time.monotonic() - t, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def max_id(db, table):
    return scalar(db, f"SELECT COALESCE(MAX(id), 0) FROM {table}")


def run_sling(target, rows, work):
    table = f"sling_{TABLE}"
    drop(target, table)
    env = dict(os.environ, SLING_HOME_DIR=os.path.join(work, "sling"), SRC=f"mysql://root@{MYSQL}/test",
               TGT=f"postgresql://postgres@{POSTGRES}/test?sslmode=disable" if target == "postgres" else f"mysql://root@{MYSQL}/test")
    wall, cpu, rss = timed([sling_binary(), "run", "--src-conn", "SRC", "--src-stream", f"test.{TABLE}", "--tgt-conn", "TGT",
                            "--tgt-object", f"public.{table}" if target == "postgres" else f"test.{table}", "--mode", "full-refresh"], env=env)
    check_count(target, table, rows)
    drop(target, table)
    return {"rows_per_s": round(rows / wall), "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "peak_rss_mb": round(rss, 1)}


def run_dump(rows):
    host, port = MYSQL.split(":")
    mysql(f"DROP DATABASE IF EXISTS {COPY_DB}; CREATE DATABASE {COPY_DB}")
    conn = f"-h {host} -P {port} -uroot"
    wall, cpu, rss = timed(f"mariadb-dump {conn} --quick --single-transaction test {TABLE} | mariadb {conn} {COPY_DB}", shell=True)
    check_count("mariadb", f"{COPY_DB}.{TABLE}", rows)
    mysql(f"DROP DATABASE {COPY_DB}")
    return {"rows_per_s": round(rows / wall), "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "peak_rss_mb": round(rss, 1)}


def run_ferry(target, log, rows, work, round_no):
    broker = None
    bootstrap = None
    if log == "broker":
        bootstrap, broker = start_broker(os.path.join(work, f"broker-{target}-{round_no}"), "noida")
    prefix = f"repl{round_no}{target[:2]}{log[:2]}{int(time.time())}_"
    table = prefix + TABLE
    name = f"ferry-{target}-{log}-{round_no}"
    worker = Worker(work, name, log_dir=os.path.join(work, f"{name}-log") if log == "embedded" else None, bootstrap=bootstrap)
    try:
        cpu0, t0 = cpu_seconds(worker.proc.pid), time.monotonic()
        worker.create("source", source_config(prefix))
        worker.create("sink", sink_config(target, table, "insert"))

        def done():
            worker.failed()
            return max_id(target, table) >= rows

        wait(f"{rows} rows in {table}", done, 1800, 0.1)
        wall, cpu = time.monotonic() - t0, cpu_seconds(worker.proc.pid) - cpu0
        rss = rss_kb(worker.proc.pid, "VmHWM") / 1024
    finally:
        worker.stop()
        if broker:
            os.killpg(broker.pid, 9)
    check_count(target, table, rows)
    drop(target, table)
    return {"rows_per_s": round(rows / wall), "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "peak_rss_mb": round(rss, 1)}


def check_count(db, table, rows):
    n = target_count(db, table)
    if n != rows:
        sys.exit(f"{table} holds {n} rows, expected {rows}")


def client_read_limit(rows):
    t = time.monotonic()
    mysql(f"SELECT {COLUMNS} FROM {TABLE} ORDER BY id", quick=True)
    return round(rows / (time.monotonic() - t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--target", choices=["postgres", "mariadb"], action="append")
    ap.add_argument("--log", choices=["embedded", "broker"], action="append")
    ap.add_argument("--no-sling", action="store_true", help="Ferry and the database's own tools only")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(ROOT, "target", "release", "ferry")):
        sys.exit("build first: cargo build --release -p ferry")
    if not args.no_sling and not sling_binary():
        sys.exit("sling not found: pip install sling-linux-amd64 (or set FERRY_SLING_BIN), or pass --no-sling")
    targets, logs, rows = args.target or ["postgres", "mariadb"], args.log or ["embedded", "broker"], args.rows
    work = tempfile.mkdtemp(prefix="ferry-bench-repl-")
    results = []
    try:
        load("mariadb", rows)
        if "postgres" in targets:
            load("postgres", rows)  # the same rows, for PostgreSQL's own bulk load
        limits = {"mariadb read": client_read_limit(rows)}
        for db in targets:
            limits[f"{db} bulk load"] = bulk_load_limit(db, rows, work)
        print(json.dumps({"limits_rows_per_s": limits}), flush=True)
        for round_no in range(args.repeat):
            for target in targets:
                runs = [(f"ferry, {log} log", lambda log=log: run_ferry(target, log, rows, work, round_no)) for log in logs]
                runs += [] if args.no_sling else [("sling", lambda: run_sling(target, rows, work))]
                runs += [("mariadb-dump | mariadb", lambda: run_dump(rows))] if target == "mariadb" else []
                if round_no % 2 == 1:
                    runs.reverse()
                for who, fn in runs:
                    r = {"round": round_no, "target": target, "who": who, **fn()}
                    results.append(r)
                    print(json.dumps(r), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if "postgres" in targets:
            psql(f"DROP TABLE IF EXISTS {TABLE}")
    print(f"\nMariaDB -> {'/'.join(targets)}, {rows} rows (id, varchar, int, double, decimal(12,2), datetime, ~200 B text, boolean)")
    print("machine limits, same run: " + ", ".join(f"{k} {v} rows/s" for k, v in limits.items()))
    print("each Ferry run: rows/s as a multiple of each peer's in the same round (× sling, × dump)")
    print(f"{'round':>5} {'target':9} {'who':24} {'rows/s':>8} {'CPU s':>6} {'peak RSS MB':>11} {'× sling':>8} {'× dump':>7}")
    for r in results:
        def ratio(peer):
            p = next((x for x in results if x["who"] == peer and (x["round"], x["target"]) == (r["round"], r["target"])), None)
            return f"{r['rows_per_s'] / p['rows_per_s']:.2f}" if p and r["who"].startswith("ferry") else ""
        print(f"{r['round']:>5} {r['target']:9} {r['who']:24} {r['rows_per_s']:>8} {r['cpu_seconds']:>6} {r['peak_rss_mb']:>11} "
              f"{ratio('sling'):>8} {ratio('mariadb-dump | mariadb'):>7}")
    print(json.dumps({"limits": limits, "runs": results}))


if __name__ == "__main__":
    main()
