#!/usr/bin/env python3
"""JDBC sink: 1,000,000 records of the JDBC source benchmark's row shape from a
topic into PostgreSQL and into MariaDB, insert and upsert, one task; then the
whole pipeline MariaDB -> log -> PostgreSQL, on the broker and on the embedded log.

Printed next to each database's own bulk-load limit, measured in the same run
on the same rows (`\\copy … FROM`, `LOAD DATA LOCAL INFILE`), and for the
broker pipeline next to the broker's ingest ceiling for the same records.

    cargo build --release -p ferry -p ferry-tests
    python3 bench/jdbc_sink.py [--rows 1000000] [--skip-e2e]

The topic the sink reads is filled first by Ferry's JDBC source into the
embedded log (the test broker, noida-db, answers a fetch with the whole rest
of a partition, so a sink starting a million records behind would get a
single frame of a gigabyte); the sink then runs alone in a fresh process,
so its memory is its own. The end-to-end run on a broker uses tansu, which
keeps to the fetch limits.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

from common import cpu_seconds, free_port, http, rss_kb, start_broker, stop, wait
from jdbc_source import COLUMNS, MYSQL, POSTGRES, TABLE, broker_ceiling, connection_url, load, mysql, psql

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FERRY = os.path.join(ROOT, "target", "release", "ferry")


class Worker:
    """A standalone Ferry on the embedded log at `log_dir` (or on a broker)."""

    def __init__(self, work, name, log_dir=None, bootstrap=None, extra=()):
        self.port = free_port()
        props = os.path.join(work, f"{name}.properties")
        with open(props, "w") as f:
            f.write("".join(p + "\n" for p in extra))
            f.write((f"bootstrap.servers={bootstrap}\n" if bootstrap else f"log.dir={log_dir}\n")
                    + f"listeners=http://127.0.0.1:{self.port}\noffset.storage.file.filename={work}/{name}.offsets\n"
                    "offset.flush.interval.ms=200\n")
        self.proc = subprocess.Popen([FERRY, "standalone", props], stdout=open(os.path.join(work, f"{name}.log"), "w"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        wait("Ferry's REST API", lambda: http("GET", self.base + "/")[0] == 200, 60, 0.01)

    def create(self, name, config):
        status, body = http("POST", self.base + "/connectors", {"name": name, "config": config})
        if status != 201:
            sys.exit(f"creating {name} failed: {status} {body.decode()}")

    def failed(self):
        for name in json.loads(http("GET", self.base + "/connectors")[1] or b"[]"):
            st = json.loads(http("GET", f"{self.base}/connectors/{name}/status")[1] or b"{}")
            for t in st.get("tasks", []):
                if t.get("state") == "FAILED":
                    sys.exit(f"{name} failed: {t.get('trace', '')[:2000]}")

    def stop(self):
        stop(self.proc)


def source_config(prefix):
    return {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": connection_url("mariadb"),
            "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": TABLE, "topic.prefix": prefix,
            "batch.max.rows": "1000"}


def sink_config(db, topic, mode, key=True):
    """`key`: the table gets a primary key (`id`); without, it is made as a copy tool makes it."""
    config = {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "connection.url": connection_url(db),
              "topics": topic, "insert.mode": mode, "auto.create": "true"}
    config.update({"pk.mode": "record_value", "pk.fields": "id"} if key else {"pk.mode": "none"})
    return config


def target_count(db, table):
    return scalar(db, f"SELECT COUNT(*) FROM {table}")


def scalar(db, sql):
    """The integer a query answers (0 when it fails, e.g. before the table exists)."""
    host, port = (POSTGRES if db == "postgres" else MYSQL).split(":")
    cmd = (["psql", "-At", "-h", host, "-p", port, "-U", "postgres", "test", "-c", sql] if db == "postgres"
           else ["mariadb", "-N", "-B", "-h", host, "-P", port, "-uroot", "test", "-e", sql])
    out = subprocess.run(cmd, capture_output=True, text=True)
    return int(out.stdout.strip() or 0) if out.returncode == 0 else 0


def drop(db, table):
    (psql if db == "postgres" else mysql)(f"DROP TABLE IF EXISTS {table}")


def measure(worker, db, table, rows, start):
    cpu0, t0 = cpu_seconds(worker.proc.pid), time.monotonic()
    start()

    def done():
        worker.failed()
        return target_count(db, table) >= rows

    wait(f"{rows} rows in {table}", done, 1800, 0.1)
    elapsed, cpu = time.monotonic() - t0, cpu_seconds(worker.proc.pid) - cpu0
    return {"rows_per_s": round(rows / elapsed), "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
            "peak_rss_mb": round(rss_kb(worker.proc.pid, "VmHWM") / 1024, 1)}


def bulk_load_limit(db, rows, work):
    """Rows/s of the database's own bulk load of the same rows, from a file."""
    dump = os.path.join(work, f"{db}.tsv")
    copy = f"{TABLE}_bulk"
    if db == "postgres":
        psql(f"DROP TABLE IF EXISTS {copy}; CREATE TABLE {copy} (LIKE {TABLE} INCLUDING ALL)")
        with open(dump, "w") as f:
            psql(f"COPY (SELECT {COLUMNS} FROM {TABLE} ORDER BY id) TO STDOUT", out=f)
        t = time.monotonic()
        psql(f"\\copy {copy} FROM '{dump}'")
    else:
        mysql(f"DROP TABLE IF EXISTS {copy}; CREATE TABLE {copy} LIKE {TABLE}")
        with open(dump, "w") as f:
            mysql(f"SELECT {COLUMNS} FROM {TABLE} ORDER BY id", quick=True, out=f, batch=True)
        t = time.monotonic()
        mysql(f"LOAD DATA LOCAL INFILE '{dump}' INTO TABLE {copy}", local_infile=True)
    limit = rows / (time.monotonic() - t)
    drop(db, copy)
    os.remove(dump)
    return round(limit)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--skip-e2e", action="store_true")
    ap.add_argument("--skip-sink", action="store_true", help="only the end-to-end runs")
    ap.add_argument("--worker-prop", action="append", default=[], metavar="KEY=VALUE", help="an extra property for the end-to-end worker")
    args = ap.parse_args()
    for tool in ("ferry", "ferry-broker-ceiling"):
        if not os.path.exists(os.path.join(ROOT, "target", "release", tool)):
            sys.exit("build first: cargo build --release -p ferry -p ferry-tests")
    work = tempfile.mkdtemp(prefix="ferry-bench-sink-")
    log_dir = os.path.join(work, "log")
    rows = args.rows
    results, e2e = [], []
    broker = None
    try:
        load("mariadb", rows)
        load("postgres", rows)
        if not args.skip_sink:
            limits = {db: bulk_load_limit(db, rows, work) for db in ("postgres", "mariadb")}

            # Fill the topic once.
            prefix = f"sinkbench{int(time.time())}_"
            topic = prefix + TABLE
            filler = Worker(work, "fill", log_dir=log_dir)
            filler.create("fill", source_config(prefix))
            wait("the topic to fill", lambda: any(o["offset"].get("incrementing") == rows for o in json.loads(
                http("GET", filler.base + "/connectors/fill/offsets")[1] or b'{"offsets":[]}').get("offsets", [])), 1800, 0.1)
            filler.stop()

        for db in () if args.skip_sink else ("postgres", "mariadb"):
            for mode in ("insert", "upsert"):
                drop(db, topic)
                worker = Worker(work, f"sink-{db}-{mode}", log_dir=log_dir)
                name = f"sink-{db}-{mode}"
                r = measure(worker, db, topic, rows, lambda: worker.create(name, sink_config(db, topic, mode)))
                worker.stop()
                results.append({"database": db, "mode": mode, **r, "bulk_load_rows_per_s": limits[db]})
                print(json.dumps(results[-1]), flush=True)
            drop(db, topic)

        if not args.skip_e2e:
            bootstrap, broker = start_broker(work, "tansu")
            for log in ("broker", "embedded"):
                prefix = f"e2e{log}{int(time.time())}_"
                topic = prefix + TABLE
                worker = Worker(work, f"e2e-{log}", log_dir=os.path.join(work, f"e2e-log-{log}") if log == "embedded" else None,
                                bootstrap=bootstrap if log == "broker" else None, extra=args.worker_prop)

                def start():
                    worker.create("e2e-source", source_config(prefix))
                    worker.create("e2e-sink", sink_config("postgres", topic, "insert"))

                r = measure(worker, "postgres", topic, rows, start)
                worker.stop()
                if log == "broker":
                    r["broker_rows_per_s"] = round(broker_ceiling(bootstrap, topic, rows, consume=True))
                e2e.append({"log": log, **r})
                print(json.dumps(e2e[-1]), flush=True)
                drop("postgres", topic)
    finally:
        if broker:
            os.killpg(broker.pid, 9)
        shutil.rmtree(work, ignore_errors=True)
    print(f"JDBC sink, {rows} records (id, varchar, int, double, decimal(12,2), datetime, ~200 B text, boolean), one task, JsonConverter with schemas")
    print(f"{'database':9} {'mode':7} {'rows/s':>8} {'CPU s':>6} {'peak RSS MB':>11} {'bulk load rows/s':>16}")
    for r in results:
        print(f"{r['database']:9} {r['mode']:7} {r['rows_per_s']:>8} {r['cpu_seconds']:>6} {r['peak_rss_mb']:>11} {r['bulk_load_rows_per_s']:>16}")
    if e2e:
        print(f"\nMariaDB -> log -> PostgreSQL, {rows} rows, source and sink in one worker")
        print(f"{'log':9} {'rows/s':>8} {'CPU s':>6} {'peak RSS MB':>11} {'broker rows/s':>13}")
        for r in e2e:
            print(f"{r['log']:9} {r['rows_per_s']:>8} {r['cpu_seconds']:>6} {r['peak_rss_mb']:>11} {r.get('broker_rows_per_s', '-'):>13}")
    print(json.dumps({"sink": results, "end_to_end": e2e}))


if __name__ == "__main__":
    main()
