#!/usr/bin/env python3
"""JDBC source: a 1,000,000-row table from MariaDB and from PostgreSQL into the broker.

One task, incrementing mode, JsonConverter with schemas on and off. For each
database the run also measures, on the same machine in the same run:
  - the database's own read limit: `mariadb --quick -e 'SELECT …' > /dev/null`
    and `psql -c 'COPY (SELECT …) TO STDOUT' > /dev/null`;
  - the broker's ingest ceiling for the very records Ferry wrote (a plain
    producer of the pre-serialized messages, `ferry-broker-ceiling`).
The pipeline's limit is the lower of the two.

    cargo build --release -p ferry -p ferry-tests
    python3 bench/jdbc_source.py [--rows 1000000] [--only mariadb|postgres] [--batch-max-rows 100]

Needs MariaDB (FERRY_BENCH_MYSQL, default 127.0.0.1:3306 root, database test)
and PostgreSQL (FERRY_BENCH_POSTGRES, default 127.0.0.1:5432 postgres, database
test), and a broker as for file_pipeline.py.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

from common import cpu_seconds, free_port, http, rss_kb, stop, start_broker, wait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = "ferry_bench_rows"
COLUMNS = "id, name, qty, price, amount, created, note, active"
MYSQL = os.environ.get("FERRY_BENCH_MYSQL", "127.0.0.1:3306")
POSTGRES = os.environ.get("FERRY_BENCH_POSTGRES", "127.0.0.1:5432")

# ~200 bytes of text per row, varying so nothing compresses to nothing.
NOTE = "REPEAT(CONCAT('note ', {i}, ' '), 20)"


def mysql(sql, quick=False, out=subprocess.DEVNULL, batch=False, local_infile=False):
    host, port = MYSQL.split(":")
    cmd = (["mariadb", "-h", host, "-P", port, "-uroot", "test"] + (["--quick"] if quick else []) + (["-N", "-B"] if batch else [])
           + (["--local-infile=1"] if local_infile else []) + ["-e", sql])
    subprocess.run(cmd, check=True, stdout=out)


def psql(sql, out=subprocess.DEVNULL):
    host, port = POSTGRES.split(":")
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "postgres", "test", "-c", sql],
                   check=True, stdout=out)


def load(db, rows):
    if db == "mariadb":
        mysql(f"DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, "
              "qty INT NOT NULL, price DOUBLE NOT NULL, amount DECIMAL(12,2) NOT NULL, created DATETIME NOT NULL, "
              "note TEXT NOT NULL, active BOOLEAN NOT NULL); "
              f"INSERT INTO {TABLE} SELECT seq, CONCAT('name-', seq), seq % 100000, seq * 1.25, (seq % 1000000) / 100, "
              f"'2024-01-01' + INTERVAL seq SECOND, {NOTE.format(i='seq')}, seq % 2 = 0 FROM seq_1_to_{rows}")
    else:
        psql(f"DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, "
             "qty INT NOT NULL, price DOUBLE PRECISION NOT NULL, amount DECIMAL(12,2) NOT NULL, created TIMESTAMP NOT NULL, "
             "note TEXT NOT NULL, active BOOLEAN NOT NULL); "
             f"INSERT INTO {TABLE} SELECT i, 'name-' || i, i % 100000, i * 1.25, (i % 1000000) / 100.0, "
             f"TIMESTAMP '2024-01-01' + i * INTERVAL '1 second', {NOTE.format(i='i')}, i % 2 = 0 "
             f"FROM generate_series(1, {rows}) i")
        psql(f"VACUUM ANALYZE {TABLE}")  # not inside the transaction -c makes of several statements


def database_limit(db, rows):
    """Rows/s of the database's own client reading the whole table and throwing it away."""
    t = time.monotonic()
    if db == "mariadb":
        mysql(f"SELECT {COLUMNS} FROM {TABLE} ORDER BY id", quick=True)
    else:
        psql(f"COPY (SELECT {COLUMNS} FROM {TABLE} ORDER BY id) TO STDOUT")
    return rows / (time.monotonic() - t)


def connection_url(db):
    if db == "mariadb":
        return f"jdbc:mariadb://{MYSQL}/test?user=root"
    return f"jdbc:postgresql://{POSTGRES}/test?user=postgres"


def run_ferry(db, schemas, rows, work, bootstrap, batch_max_rows, extra_props):
    ferry = os.path.join(ROOT, "target", "release", "ferry")
    port = free_port()
    name = f"{db}-schemas-{'on' if schemas else 'off'}"
    props = os.path.join(work, f"{name}.properties")
    enable = "true" if schemas else "false"
    with open(props, "w") as f:
        f.write(f"bootstrap.servers={bootstrap}\nlisteners=http://127.0.0.1:{port}\n"
                f"offset.storage.file.filename={work}/{name}.offsets\noffset.flush.interval.ms=100\n"
                "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
                "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
                f"key.converter.schemas.enable={enable}\nvalue.converter.schemas.enable={enable}\n"
                + "".join(p + "\n" for p in extra_props))
    proc = subprocess.Popen([ferry, "standalone", props], stdout=open(os.path.join(work, f"{name}.log"), "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait("Ferry's REST API", lambda: http("GET", base + "/")[0] == 200, 60, 0.01)
        prefix = f"bench-{name}-{int(time.time())}-"
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        status, body = http("POST", base + "/connectors", {"name": "bench", "config": {
            "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
            "connection.url": connection_url(db), "mode": "incrementing", "incrementing.column.name": "id",
            "table.whitelist": TABLE, "topic.prefix": prefix, "tasks.max": "1",
            "batch.max.rows": str(batch_max_rows)}})
        if status != 201:
            sys.exit(f"creating the connector failed: {status} {body.decode()}")

        def done():
            status, body = http("GET", base + "/connectors/bench/offsets")
            if status != 200:
                return False
            offsets = json.loads(body)["offsets"]
            return any(o["offset"].get("incrementing") == rows for o in offsets)

        wait(f"{rows} rows committed", done, 1800, 0.02)
        elapsed, cpu = time.monotonic() - t0, cpu_seconds(proc.pid) - cpu0
        peak_kb = rss_kb(proc.pid, "VmHWM")
    finally:
        stop(proc)
    return {"database": db, "schemas": schemas, "rows_per_s": round(rows / elapsed), "seconds": round(elapsed, 2),
            "cpu_seconds": round(cpu, 2), "peak_rss_mb": round(peak_kb / 1024, 1), "topic": prefix + TABLE}


def broker_ceiling(bootstrap, topic, rows, consume=False):
    """Records/s the broker takes from a plain producer (or, with `consume`,
    the lower of that and what a plain consumer reads)."""
    tool = os.path.join(ROOT, "target", "release", "ferry-broker-ceiling")
    out = subprocess.run([tool, bootstrap, topic, topic + "-ceiling", str(rows)], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"ferry-broker-ceiling failed: {out.stderr}")
    r = json.loads(out.stdout)
    return min(r["records_per_s"], r["consume_records_per_s"]) if consume else r["records_per_s"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--only", choices=["mariadb", "postgres"])
    ap.add_argument("--batch-max-rows", type=int, default=100, help="the connector's batch.max.rows (Confluent's default: 100)")
    ap.add_argument("--worker-prop", action="append", default=[], metavar="KEY=VALUE", help="an extra worker property")
    ap.add_argument("--schemas", choices=["on", "off"], help="only this JsonConverter setting")
    args = ap.parse_args()
    for tool in ("ferry", "ferry-broker-ceiling"):
        if not os.path.exists(os.path.join(ROOT, "target", "release", tool)):
            sys.exit("build first: cargo build --release -p ferry -p ferry-tests")
    work = tempfile.mkdtemp(prefix="ferry-bench-jdbc-")
    bootstrap, broker = start_broker(work)
    results = []
    try:
        for db in [args.only] if args.only else ["mariadb", "postgres"]:
            load(db, args.rows)
            limit = database_limit(db, args.rows)
            for schemas in [args.schemas == "on"] if args.schemas else [True, False]:
                r = run_ferry(db, schemas, args.rows, work, bootstrap, args.batch_max_rows, args.worker_prop)
                r["database_rows_per_s"] = round(limit)
                r["broker_rows_per_s"] = round(broker_ceiling(bootstrap, r["topic"], args.rows))
                r["of_limit_pct"] = round(100 * r["rows_per_s"] / min(r["database_rows_per_s"], r["broker_rows_per_s"]))
                results.append(r)
    finally:
        if broker:
            os.killpg(broker.pid, 9)
        shutil.rmtree(work, ignore_errors=True)
    print(f"JDBC source, {args.rows} rows, one task, batch.max.rows={args.batch_max_rows}, JsonConverter, broker {bootstrap}")
    print(f"{'database':9} {'schemas':>7} {'rows/s':>9} {'CPU s':>6} {'peak RSS MB':>11} {'db rows/s':>10} {'broker rows/s':>13} {'% of limit':>10}")
    for r in results:
        print(f"{r['database']:9} {'on' if r['schemas'] else 'off':>7} {r['rows_per_s']:>9} {r['cpu_seconds']:>6} "
              f"{r['peak_rss_mb']:>11} {r['database_rows_per_s']:>10} {r['broker_rows_per_s']:>13} {r['of_limit_pct']:>10}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
