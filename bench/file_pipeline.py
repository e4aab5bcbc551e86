#!/usr/bin/env python3
"""File → Kafka → file: Ferry against the reference Kafka Connect, same broker, same input.

Prints, for each worker: lines/s through the whole pipeline, start-to-REST-ready
time, idle RSS and peak RSS.

    python3 bench/file_pipeline.py [--lines 1000000] [--only ferry|connect|embedded]

`embedded` runs Ferry on its embedded log (no broker) for comparison.

Needs: `cargo build --release -p ferry` (target/release/ferry), a broker
(started here with noida-db from the test-server cache, or FERRY_BENCH_KAFKA=host:port),
and for the Connect side the reference launcher given by REFERENCE_CONNECT
(default: ../shared/tools/reference-connect.sh next to the repository).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

from common import count_lines, free_port, http, rss_kb, start_broker, stop, wait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE_BYTES = 100


def make_input(path, n):
    body = "x" * (LINE_BYTES - 12)
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"{i:010d} {body}\n")


def run(name, cmd, work, bootstrap, input_path, lines, embedded=False):
    port = free_port()
    out = os.path.join(work, f"{name}-out.txt")
    topic = f"bench-{name}-{int(time.time())}"
    props = os.path.join(work, f"{name}-worker.properties")
    with open(props, "w") as f:
        f.write(("" if embedded else f"bootstrap.servers={bootstrap}\n") + f"listeners=http://127.0.0.1:{port}\n"
                f"offset.storage.file.filename={work}/{name}.offsets\noffset.flush.interval.ms=10000\n"
                "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
                "value.converter=org.apache.kafka.connect.json.JsonConverter\nplugin.discovery=service_load\n")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd + [props], stdout=open(os.path.join(work, f"{name}.log"), "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait(f"{name} REST", lambda: http("GET", base + "/")[0] == 200, 120, 0.002)
    ready_ms = (time.monotonic() - t0) * 1000
    time.sleep(2)
    idle_kb = rss_kb(proc.pid, "VmRSS")
    t1 = time.monotonic()
    http("POST", base + "/connectors", {"name": "bench-source", "config": {
        "connector.class": "FileStreamSource", "file": input_path, "topic": topic, "batch.size": "2000"}})
    http("POST", base + "/connectors", {"name": "bench-sink", "config": {
        "connector.class": "FileStreamSink", "file": out, "topics": topic}})
    wait(f"{name} to write {lines} lines", lambda: count_lines(out) >= lines, 1800, 0.2)
    elapsed = time.monotonic() - t1
    peak_kb = rss_kb(proc.pid, "VmHWM")
    stop(proc)
    return {"worker": name, "lines_per_s": round(lines / elapsed), "seconds": round(elapsed, 2),
            "rest_ready_ms": round(ready_ms, 1), "idle_rss_mb": round(idle_kb / 1024, 1), "peak_rss_mb": round(peak_kb / 1024, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--only", choices=["ferry", "connect", "embedded"])
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ferry-bench-")
    bootstrap, broker = start_broker(work)
    input_path = os.path.join(work, "input.txt")
    make_input(input_path, args.lines)
    results = []
    try:
        ferry = os.path.join(ROOT, "target", "release", "ferry")
        if args.only in (None, "ferry", "embedded") and not os.path.exists(ferry):
            sys.exit("build first: cargo build --release -p ferry")
        if args.only in (None, "ferry"):
            results.append(run("ferry", [ferry, "standalone"], work, bootstrap, input_path, args.lines))
        if args.only in (None, "embedded"):
            results.append(run("embedded", [ferry, "standalone"], work, bootstrap, input_path, args.lines, embedded=True))
        if args.only in (None, "connect"):
            ref = os.environ.get("REFERENCE_CONNECT", os.path.join(ROOT, "..", "shared", "tools", "reference-connect.sh"))
            if os.path.exists(ref):
                results.append(run("connect", ["bash", ref, "standalone"], work, bootstrap, input_path, args.lines))
            else:
                print(f"(reference Kafka Connect not found at {ref}; skipped)", file=sys.stderr)
    finally:
        if broker:
            os.killpg(broker.pid, 9)
        shutil.rmtree(work, ignore_errors=True)
    print(f"file -> kafka -> file, {args.lines} lines of {LINE_BYTES} bytes, broker {bootstrap}")
    print(f"{'worker':8} {'lines/s':>10} {'seconds':>8} {'REST ready ms':>14} {'idle RSS MB':>12} {'peak RSS MB':>12}")
    for r in results:
        print(f"{r['worker']:8} {r['lines_per_s']:>10} {r['seconds']:>8} {r['rest_ready_ms']:>14} {r['idle_rss_mb']:>12} {r['peak_rss_mb']:>12}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
