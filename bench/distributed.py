#!/usr/bin/env python3
"""Distributed mode: three `ferry distributed` workers of one group on tansu
(which evicts dead members), with file pipelines running.

- Failover: each trial kill -9s a worker, the leader and the busiest follower
  in turn, and times how long until every task is RUNNING on the others (read
  through a survivor's REST API), then starts the killed worker again and
  waits for the group to settle before the next trial.
- REST latency: config writes (`PUT /connectors/<n>/config`) sent to a worker
  that is not the leader, which forwards them to the leader, timed end to end.

    cargo build --release -p ferry
    python3 bench/distributed.py [--trials 10] [--writes 10]

`FERRY_BIN` names another build of the binary (the tests' `ferry-e2e` is the same program).

The group's timing keys are those of the test (`session.timeout.ms=6000`,
`heartbeat.interval.ms=1000`, `scheduled.rebalance.max.delay.ms=5000`).
"""
import argparse, json, os, signal, statistics, subprocess, sys, tempfile, time

from common import free_port, http, start_broker, stop, wait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FERRY = os.environ.get("FERRY_BIN") or os.path.join(ROOT, "target", "release", "ferry")
SETTINGS = {
    "session.timeout.ms": "6000",
    "heartbeat.interval.ms": "1000",
    "rebalance.timeout.ms": "10000",
    "scheduled.rebalance.max.delay.ms": "5000",
    "offset.flush.interval.ms": "1000",
    "consumer.session.timeout.ms": "6000",
}


class Worker:
    def __init__(self, work, n, bootstrap, group):
        self.port = free_port()
        self.id = f"127.0.0.1:{self.port}"
        self.base = f"http://{self.id}"
        self.props = os.path.join(work, f"worker{n}.properties")
        self.log = os.path.join(work, f"worker{n}.log")
        keys = {
            "bootstrap.servers": bootstrap, "group.id": group,
            "config.storage.topic": f"{group}-configs", "offset.storage.topic": f"{group}-offsets", "status.storage.topic": f"{group}-status",
            "config.storage.replication.factor": "1", "offset.storage.replication.factor": "1", "status.storage.replication.factor": "1",
            "listeners": self.base, **SETTINGS,
        }
        with open(self.props, "w") as f:
            f.write("".join(f"{k}={v}\n" for k, v in keys.items()))
        self.start()

    def start(self):
        self.proc = subprocess.Popen([FERRY, "distributed", self.props], stdout=open(self.log, "a"), stderr=subprocess.STDOUT, start_new_session=True)
        wait("Ferry's REST API", lambda: http("GET", self.base + "/")[0] == 200, 60, 0.01)

    def kill9(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def leads(self):
        """Whether the worker's last rebalance made it the group's leader, as its log says."""
        with open(self.log, errors="replace") as f:
            last = [l for l in f if "rebalanced" in l][-1:]
        return bool(last) and "leader=true" in last[0]

    def get(self, path):
        status, body = http("GET", self.base + path)
        return status, json.loads(body or b"null")


def placement(via, names):
    """Each task's worker, once every connector and task runs; else None."""
    out = {}
    for name in names:
        try:
            code, s = via.get(f"/connectors/{name}/status")
        except OSError:
            return None
        tasks = (s or {}).get("tasks", [])
        if code != 200 or s["connector"]["state"] != "RUNNING" or not tasks or any(t["state"] != "RUNNING" for t in tasks):
            return None
        out.update({f"{name}-{t['id']}": t["worker_id"] for t in tasks})
    return out


def put_until_taken(via, name, config, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        status, body = http("PUT", f"{via.base}/connectors/{name}/config", config)
        if status in (200, 201):
            return
        if status != 409:
            sys.exit(f"PUT {name} answered {status}: {body.decode()}")
        time.sleep(0.2)
    sys.exit(f"PUT {name} was refused with 409 for {timeout} s")


def summary(label, values, unit):
    print(f"{label}: median {statistics.median(values):.1f} {unit}, max {max(values):.1f} {unit}, min {min(values):.1f} {unit} over {len(values)} trials")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--writes", type=int, default=10)
    ap.add_argument("--pipelines", type=int, default=2)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ferry-bench-dist-")
    bootstrap, broker = start_broker(work, "tansu")
    group = f"bench-{os.getpid()}"
    workers = [Worker(work, n, bootstrap, group) for n in range(3)]
    try:
        names = []
        for n in range(args.pipelines):
            src, out = os.path.join(work, f"in{n}.txt"), os.path.join(work, f"out{n}.txt")
            open(src, "w").close()
            topic = f"{group}-topic-{n}"
            put_until_taken(workers[0], f"source-{n}", {"connector.class": "FileStreamSource", "tasks.max": "1", "file": src, "topic": topic})
            put_until_taken(workers[0], f"sink-{n}", {"connector.class": "FileStreamSink", "tasks.max": "1", "file": out, "topics": topic})
            names += [f"source-{n}", f"sink-{n}"]
        wait("every pipeline to run", lambda: placement(workers[0], names), 120, 0.1)

        # REST writes through a worker that is not the leader: the leader is
        # the one that takes a write with forward=false.
        probe = {"connector.class": "FileStreamSink", "tasks.max": "1", "file": os.path.join(work, "probe.txt"), "topics": f"{group}-probe"}
        def leader_index():
            for i, w in enumerate(workers):
                if http("PUT", f"{w.base}/connectors/probe/config?forward=false", probe)[0] in (200, 201):
                    return (i,)
            return None
        (leader,) = wait("a leader to take a write", leader_index, 60, 0.2)
        follower = workers[(leader + 1) % 3]
        latencies = []
        for i in range(args.writes):
            config = dict(probe, **{"file": os.path.join(work, f"probe{i}.txt")})
            started = time.perf_counter()
            put_until_taken(follower, "probe", config)
            latencies.append((time.perf_counter() - started) * 1000)
            # Let the change settle so the next write does not meet a rebalance.
            wait("the probe to run", lambda: placement(follower, ["probe"]), 60, 0.05)
        names.append("probe")
        summary("REST config write through a non-leader", latencies, "ms")

        # Trials alternate between killing the leader (its successor knows
        # nothing of the dead worker's work and places it at once) and the
        # busiest follower (the leader holds its work for the delay first).
        failovers = {"leader": [], "follower": []}
        for trial in range(args.trials):
            settled = wait("a settled cluster", lambda: placement(workers[0], names) or placement(workers[1], names), 120, 0.1)
            counts = {w.id: list(settled.values()).count(w.id) for w in workers}
            kind = "leader" if trial % 2 == 0 else "follower"
            candidates = [w for w in workers if w.leads() == (kind == "leader")] or workers
            victim = max(candidates, key=lambda w: counts[w.id])
            survivor = next(w for w in workers if w is not victim)
            victim.kill9()
            killed = time.perf_counter()
            wait("the killed worker's tasks to run elsewhere", lambda: (lambda p: p if p and victim.id not in p.values() else None)(placement(survivor, names)), 120, 0.05)
            took = time.perf_counter() - killed
            failovers[kind].append(took)
            print(f"trial {trial + 1}: every task RUNNING again {took:.1f} s after kill -9 of the {kind} with {counts[victim.id]} tasks", flush=True)
            victim.start()
            wait("the restarted worker to get work back", lambda: (lambda p: p if p and len(set(p.values())) == 3 else None)(placement(victim, names)), 120, 0.1)
        for kind, values in failovers.items():
            if values:
                summary(f"failover, {kind} killed (kill -9 to every task RUNNING)", values, "s")
        summary("failover, all trials", failovers["leader"] + failovers["follower"], "s")
    finally:
        for w in workers:
            stop(w.proc)
        if broker:
            stop(broker)


if __name__ == "__main__":
    main()
