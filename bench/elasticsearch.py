#!/usr/bin/env python3
"""Elasticsearch sink: JSON records from a topic into one index, one task.

Three runs, each printing documents/s, CPU seconds and peak RSS:
- Ferry into noida-db, the test search server;
- a direct bulk client into noida-db, in the same run: the same documents,
  pre-built bulk bodies of 2,000 documents, 5 connections (the sink's
  defaults), no conversion at all — the server's ceiling;
- Ferry into `ferry-bulk-ack`, which acknowledges every operation at once and
  keeps nothing: the sink's own limit, with the server out of the way.

    cargo build --release -p ferry -p ferry-tests
    python3 bench/elasticsearch.py [--records 1000000] [--server-records 200000]

noida-db holds every document in memory and rewrites one data file with all
of them: a million of these documents took it past 20 GB on this machine, so
the runs against it use --server-records (200,000), each on a fresh server
(or FERRY_BENCH_ELASTICSEARCH_URL), and stop if it passes 8 GB.

The topics are filled first by FileStreamSource into Ferry's embedded log (the
lines are JSON, StringConverter keeps their bytes); each sink then runs alone
in a fresh process, JsonConverter with schemas.enable=false, key.ignore=true,
schema.ignore=true, so its memory is its own. A run is over when the sink's
committed offset reaches the end (it commits only what the server
acknowledged); the index's count is checked then. Polling _count during the
run would refresh the index all along, which slows noida-db.
"""
import argparse, json, os, shutil, socket, subprocess, sys, tempfile, threading, time
from http.client import HTTPConnection
from urllib.parse import urlparse

from common import cpu_seconds, find_noida, free_port, http, rss_kb, wait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FERRY = os.path.join(ROOT, "target", "release", "ferry")
ACK_ONLY = os.path.join(ROOT, "target", "release", "ferry-bulk-ack")
BULK_DOCS, IN_FLIGHT = 2000, 5


def document(i):
    """About 300 bytes, nested, as an application event would be."""
    return {"event_id": i, "user": {"id": i % 100_003, "name": f"user {i % 100_003}", "country": ["KR", "US", "FR", "JP"][i % 4]},
            "product": f"SKU-{i % 9973:05d}", "price": round((i % 50_000) / 100, 2), "quantity": i % 7 + 1,
            "tags": [f"t{i % 11}", f"t{i % 13}"], "in_stock": i % 3 != 0, "created_at": 1_719_849_600_000 + i * 37,
            "note": "lorem ipsum dolor sit amet, consectetur adipiscing elit " + str(i)}


class Search:
    """A search server: noida-db on a free port with its own data directory,
    or (`ack_only`) ferry-bulk-ack, which acknowledges without indexing."""

    def __init__(self, work, name, ack_only=False):
        self.proc = None
        if ack_only:
            port = free_port()
            self.url = f"http://127.0.0.1:{port}"
            self.proc = subprocess.Popen([ACK_ONLY, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            wait("ferry-bulk-ack", lambda: http("GET", self.url + "/")[0] == 200, 60)
            return
        if os.environ.get("FERRY_BENCH_ELASTICSEARCH_URL"):
            self.url = os.environ["FERRY_BENCH_ELASTICSEARCH_URL"].rstrip("/")
            return
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        noida = os.environ.get("FERRY_NOIDA_BIN") or find_noida()
        self.proc = subprocess.Popen([noida, "start", "--only", "elasticsearch", "--elasticsearch-port", str(port),
                                      "--data-dir", os.path.join(work, f"search-{name}")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait("the search server", lambda: http("GET", self.url + "/")[0] == 200, 60)

    def check(self):
        """noida-db keeps every document in memory: stop before it takes the machine."""
        if self.proc and rss_kb(self.proc.pid, "VmRSS") > 8 * 1024 * 1024:
            self.stop()
            sys.exit("noida-db passed 8 GB of memory: use fewer --server-records")

    def count(self, index):
        http("POST", f"{self.url}/{index}/_refresh")
        status, body = http("GET", f"{self.url}/{index}/_count")
        return json.loads(body).get("count", 0) if status == 200 else 0

    def stop(self):
        if self.proc:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)


class Worker:
    """A standalone Ferry on the embedded log at `log_dir`."""

    def __init__(self, work, name, log_dir):
        self.port = free_port()
        props = os.path.join(work, f"{name}.properties")
        with open(props, "w") as f:
            f.write(f"log.dir={log_dir}\nlisteners=http://127.0.0.1:{self.port}\n"
                    f"offset.storage.file.filename={work}/{name}.offsets\noffset.flush.interval.ms=100\n")
        self.proc = subprocess.Popen([FERRY, "standalone", props], stdout=open(os.path.join(work, f"{name}.log"), "w"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        wait("Ferry's REST API", lambda: http("GET", self.base + "/")[0] == 200, 60, 0.01)

    def create(self, name, config):
        status, body = http("POST", self.base + "/connectors", {"name": name, "config": config})
        if status != 201:
            sys.exit(f"creating {name} failed: {status} {body.decode()}")

    def check(self, name):
        st = json.loads(http("GET", f"{self.base}/connectors/{name}/status")[1] or b"{}")
        for t in st.get("tasks", []):
            if t.get("state") == "FAILED":
                sys.exit(f"{name} failed: {t.get('trace', '')[:2000]}")

    def stop(self):
        os.killpg(self.proc.pid, 15)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)


def fill(work, log_dir, inputs):
    """Each (lines file, topic) into the embedded log, by FileStreamSource."""
    filler = Worker(work, "fill", log_dir)
    for n, (path, topic) in enumerate(inputs):
        filler.create(f"fill{n}", {"connector.class": "FileStreamSource", "file": path, "topic": topic, "batch.size": "2000",
                                   "value.converter": "org.apache.kafka.connect.storage.StringConverter"})
    for n, (path, _) in enumerate(inputs):
        size = os.path.getsize(path)
        wait("the topic to fill", lambda: any(o["offset"].get("position") == size for o in json.loads(
            http("GET", f"{filler.base}/connectors/fill{n}/offsets")[1] or b'{"offsets":[]}').get("offsets", [])), 1800, 0.2)
    filler.stop()


def sink(work, log_dir, topic, records, ack_only=False, extra=()):
    run = "sink-ack-only" if ack_only else "sink"
    search = Search(work, run, ack_only)
    worker = Worker(work, run, log_dir)
    index = topic.lower()
    cpu0, t0 = cpu_seconds(worker.proc.pid), time.monotonic()
    # Its own connector name: its own consumer group, from the start of the topic.
    worker.create(run, {"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "topics": topic,
                              "connection.url": search.url, "key.ignore": "true", "schema.ignore": "true",
                              "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
                         **dict(p.split("=", 1) for p in extra)})

    # Done when the consumer offset reaches the end: the sink commits only
    # what the cluster acknowledged. (Polling _count would refresh the index
    # all along, which slows noida-db's writes.)
    def done():
        worker.check(run)
        search.check()
        offsets = json.loads(http("GET", f"{worker.base}/connectors/{run}/offsets")[1] or b"{}").get("offsets", [])
        return sum(o["offset"].get("kafka_offset", 0) for o in offsets) >= records

    wait(f"{records} documents in {index}", done, 3600, 0.1)
    elapsed, cpu = time.monotonic() - t0, cpu_seconds(worker.proc.pid) - cpu0
    written = search.count(index)
    if written != records:
        sys.exit(f"{index} holds {written} documents, not {records}")
    peak = rss_kb(worker.proc.pid, "VmHWM") / 1024
    worker.stop()
    search.stop()
    return {"docs_per_s": round(records / elapsed), "seconds": round(elapsed, 1), "cpu_seconds": round(cpu, 1), "peak_rss_mb": round(peak, 1)}


def direct(work, records):
    """The server's ceiling: pre-built bulk bodies, IN_FLIGHT connections."""
    search = Search(work, "direct")
    index = f"direct{int(time.time())}"
    bodies = []
    for start in range(0, records, BULK_DOCS):
        lines = []
        for i in range(start, min(start + BULK_DOCS, records)):
            lines.append(json.dumps({"index": {"_index": index, "_id": f"{index}+0+{i}"}}))
            lines.append(json.dumps(document(i)))
        bodies.append(("\n".join(lines) + "\n").encode())
    url = urlparse(search.url)
    queue, errors = list(reversed(bodies)), []
    lock = threading.Lock()

    def client():
        conn = HTTPConnection(url.hostname, url.port, timeout=300)
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            conn.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
            resp = conn.getresponse()
            answer = json.loads(resp.read())
            if resp.status != 200 or answer.get("errors"):
                errors.append(resp.status)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(IN_FLIGHT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait("the direct documents", lambda: search.check() or search.count(index) >= records, 600, 0.5)
    elapsed = time.monotonic() - t0
    search.stop()
    if errors:
        sys.exit(f"the direct client's bulk requests failed: {errors[:5]}")
    return {"docs_per_s": round(records / elapsed), "seconds": round(elapsed, 1)}


def write_lines(path, records):
    with open(path, "w") as f:
        for i in range(records):
            f.write(json.dumps(document(i)) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000, help="records for the sink against ferry-bulk-ack")
    ap.add_argument("--server-records", type=int, default=200_000,
                    help="records for the runs against noida-db, which keeps everything in memory (1M of these documents take it past 20 GB)")
    ap.add_argument("--sink-prop", action="append", default=[], metavar="KEY=VALUE", help="an extra sink connector property")
    ap.add_argument("--skip-direct", action="store_true")
    args = ap.parse_args()
    if not (os.path.exists(FERRY) and os.path.exists(ACK_ONLY)):
        sys.exit("build first: cargo build --release -p ferry -p ferry-tests")
    work = tempfile.mkdtemp(prefix="ferry-bench-es-")
    try:
        stamp = int(time.time())
        big, small = os.path.join(work, "events.jsonl"), os.path.join(work, "events-server.jsonl")
        write_lines(big, args.records)
        write_lines(small, args.server_records)
        log_dir = os.path.join(work, "log")
        topic, server_topic = f"Events{stamp}", f"ServerEvents{stamp}"
        fill(work, log_dir, [(big, topic), (small, server_topic)])
        ceiling = {"docs_per_s": "-", "seconds": "-"} if args.skip_direct else direct(work, args.server_records)
        print(json.dumps({"direct_bulk": ceiling}), flush=True)
        ferry = sink(work, log_dir, server_topic, args.server_records, extra=args.sink_prop)
        print(json.dumps({"ferry": ferry}), flush=True)
        alone = sink(work, log_dir, topic, args.records, ack_only=True, extra=args.sink_prop)
        print(json.dumps({"ferry_ack_only": alone}), flush=True)
    finally:
        if not os.environ.get("FERRY_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept", work)
    print(f"\nElasticsearch sink: JSON records (~300 B) into one index, one task, defaults (batch.size 2000, 5 in flight)")
    print(f"{'writer':24} {'server':14} {'records':>8} {'docs/s':>8} {'seconds':>8} {'CPU s':>6} {'peak RSS MB':>11}")
    print(f"{'Ferry':24} {'noida-db':14} {args.server_records:>8} {ferry['docs_per_s']:>8} {ferry['seconds']:>8} {ferry['cpu_seconds']:>6} {ferry['peak_rss_mb']:>11}")
    print(f"{'direct bulk client':24} {'noida-db':14} {args.server_records:>8} {ceiling['docs_per_s']:>8} {ceiling['seconds']:>8} {'-':>6} {'-':>11}")
    print(f"{'Ferry':24} {'ferry-bulk-ack':14} {args.records:>8} {alone['docs_per_s']:>8} {alone['seconds']:>8} {alone['cpu_seconds']:>6} {alone['peak_rss_mb']:>11}")
    print(json.dumps({"ferry": ferry, "direct_bulk": ceiling, "ferry_ack_only": alone}))


if __name__ == "__main__":
    main()
