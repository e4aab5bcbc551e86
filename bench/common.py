"""Helpers shared by the benchmarks: ports, waiting, HTTP, process memory and CPU, the broker."""
import json, os, socket, subprocess, sys, time, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(what, fn, timeout=600, every=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(every)
    sys.exit(f"timed out waiting for {what}")


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return None, b""


def stop(proc, timeout=30):
    """Stops a process started in its own session (SIGTERM, then SIGKILL after `timeout` s)."""
    os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)


def rss_kb(pid, field):
    """VmRSS or VmHWM of a process and its children (the JVM runs under a shell)."""
    total = 0
    for p in [pid] + children(pid):
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    kids = [int(x) for x in out]
    return kids + [g for k in kids for g in children(k)]


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except OSError:
        return 0


def start_broker(work, kind="noida"):
    """A broker on a free port: noida-db, or tansu (in memory), which keeps to
    the fetch limits a consumer asks for (noida-db sends the whole rest of a
    partition, which a sink far behind cannot take)."""
    if os.environ.get("FERRY_BENCH_KAFKA"):
        return os.environ["FERRY_BENCH_KAFKA"], None
    if kind == "tansu":
        tansu = os.environ.get("FERRY_TANSU_BIN") or os.path.expanduser("~/.cache/ferry/test-servers/bin/tansu")
        port = free_port()
        url = f"tcp://127.0.0.1:{port}"
        proc = subprocess.Popen([tansu, "broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait("the broker", lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, 60)
        return f"127.0.0.1:{port}", proc
    noida = os.environ.get("FERRY_NOIDA_BIN") or find_noida()
    port = free_port()
    proc = subprocess.Popen([noida, "start", "--only", "kafka", "--kafka-port", str(port), "--data-dir", os.path.join(work, "broker")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait("the broker", lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, 60)
    return f"127.0.0.1:{port}", proc


def find_noida():
    venv = os.path.expanduser("~/.cache/ferry/test-servers/noida-venv/bin/python")
    if not os.path.exists(venv):
        sys.exit("noida-db not found: run the tests once (they install it) or set FERRY_NOIDA_BIN / FERRY_BENCH_KAFKA")
    return subprocess.run([venv, "-c", "import noida_db,os;print(os.path.join(os.path.dirname(noida_db.__file__),'noida-db'))"],
                          capture_output=True, text=True, check=True).stdout.strip()


def cpu_seconds(pid):
    """User + system CPU time of a process and its children so far."""
    total = 0
    for p in [pid] + children(pid):
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")
