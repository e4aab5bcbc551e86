"""The Ferry image beside Kafka Connect, in one run: image size, start to REST-ready, idle RSS.

    python3 bench/container.py [--runs 3]

Needs Docker and the image `ferry:latest` (the docker tests build it, or
`docker build -f docker/Dockerfile --target prebuilt -t ferry:latest .`).
Each run alternates the order of the two workers, each on a fresh broker
(noida-db); both run standalone with a file source posted at start.
Kafka Connect 3.9 runs as a process (the reference launcher, given by
REFERENCE_CONNECT, default ../shared/tools/reference-connect.sh): no image
of it can be pulled here, so its image size is the published one, marked as
such. Ferry runs in its container with host networking.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(__file__))
from common import free_port, http, rss_kb, start_broker, stop, wait  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# confluentinc/cp-kafka-connect 7.x as Docker Hub lists it (compressed); not measured here.
CP_PUBLISHED = "about 1.5-2 GB (published)"


def ready(url):
    status, _ = http("GET", url + "/")
    return status == 200


def ferry_run(work, bootstrap):
    port = free_port()
    name = f"ferry-bench-{os.getpid()}-{port}"
    env = {"CONNECT_BOOTSTRAP_SERVERS": bootstrap, "CONNECT_LISTENERS": f"http://127.0.0.1:{port}",
           "CONNECT_OFFSET_STORAGE_FILE_FILENAME": "/tmp/offsets"}
    args = ["docker", "run", "-d", "--rm", "--name", name, "--network", "host"]
    for k, v in env.items():
        args += ["-e", f"{k}={v}"]
    t0 = time.monotonic()
    subprocess.run(args + ["ferry:latest"], check=True, capture_output=True)
    wait("Ferry's REST API", lambda: ready(f"http://127.0.0.1:{port}"), 60, 0.01)
    started = time.monotonic() - t0
    rss = idle_rss(lambda: container_rss(name))
    subprocess.run(["docker", "stop", name], capture_output=True)
    return started, rss


def container_rss(name):
    pid = subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", name], capture_output=True, text=True).stdout.strip()
    return rss_kb(int(pid), "VmRSS") if pid.isdigit() else 0


def connect_run(work, bootstrap, launcher):
    port = free_port()
    worker = os.path.join(work, f"connect-{port}.properties")
    with open(worker, "w") as f:
        f.write(f"bootstrap.servers={bootstrap}\nlisteners=http://127.0.0.1:{port}\nplugin.discovery=service_load\n"
                f"offset.storage.file.filename={work}/connect-{port}.offsets\n"
                "key.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\n")
    t0 = time.monotonic()
    proc = subprocess.Popen(["bash", launcher, "standalone", worker], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    wait("Kafka Connect's REST API", lambda: ready(f"http://127.0.0.1:{port}"), 180, 0.05)
    started = time.monotonic() - t0
    rss = idle_rss(lambda: rss_kb(proc.pid, "VmRSS"))
    stop(proc)
    return started, rss


def idle_rss(measure):
    """RSS after the worker has been idle for a few seconds (the JVM settles slowly)."""
    time.sleep(5)
    return measure()


def image_size(tag):
    out = subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", tag], capture_output=True, text=True)
    return int(out.stdout.strip()) if out.returncode == 0 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    size = image_size("ferry:latest")
    if size is None:
        sys.exit("no image ferry:latest: build it first (see the docstring)")
    launcher = os.environ.get("REFERENCE_CONNECT", os.path.join(ROOT, "..", "shared", "tools", "reference-connect.sh"))
    have_connect = os.path.exists(launcher)
    results = {"ferry": [], "connect": []}
    with tempfile.TemporaryDirectory() as work:
        for i in range(args.runs):
            order = ["ferry", "connect"] if i % 2 == 0 else ["connect", "ferry"]
            for who in order:
                if who == "connect" and not have_connect:
                    continue
                bootstrap, broker = start_broker(os.path.join(work, f"{who}-{i}"))
                try:
                    run = ferry_run if who == "ferry" else (lambda w, b: connect_run(w, b, launcher))
                    results[who].append(run(work, bootstrap))
                finally:
                    if broker:
                        stop(broker)
    print(f"image: ferry:latest {size / 1e6:.1f} MB; confluentinc/cp-kafka-connect {CP_PUBLISHED}")
    print("| worker | start to REST ready (median s) | idle RSS (median MB) |")
    print("|---|---|---|")
    med = {}
    for who, rows in results.items():
        if rows:
            med[who] = (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows) / 1024)
            label = "Ferry (container)" if who == "ferry" else "Kafka Connect 3.9 (JVM process)"
            print(f"| {label} | {med[who][0]:.2f} | {med[who][1]:.0f} |")
    if len(med) == 2:
        print(f"same run: Connect takes {med['connect'][0] / med['ferry'][0]:.0f}x as long to be ready "
              f"and {med['connect'][1] / med['ferry'][1]:.0f}x the memory when idle")
    print(json.dumps({k: v for k, v in results.items()}))


if __name__ == "__main__":
    main()
