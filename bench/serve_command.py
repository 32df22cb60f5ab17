#!/usr/bin/env python3
"""occam serve under alerts, with the process provider (real processes).

Latency: an overload alert (a new fingerprint each round, cooldown 0s) is
posted as Alertmanager would; measured from just before the POST to
  - create: the new instance's process starting (its first command writes
    the time; an upper bound of the provider's create call), and
  - ready: the Occopus REST API counting the instance as running (polled
    every 2 ms).
Storm: STORM webhook posts from CLIENTS concurrent keep-alive clients (a mix
of overloaded/underloaded, repeated fingerprints, other infrastructures),
while /healthz is polled and the app's counts are sampled. Checked: every
post answered 200, the counts always within [min, max], /healthz always
answering, and one event per alert in the state's event log.
Usage: bench/serve_command.py [OCCAM] [--rounds N] [--storm N] [--clients N]"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time

from timing import default_occam

HERE = os.path.dirname(os.path.abspath(__file__))

INFRA = """user_id: bench
infra_name: serve-bench
nodes:
  - name: app
    type: app
    scaling:
      min: {min}
      max: {max}
      policy:
        query: avg(load)
        overloaded_above: 0.8
        underloaded_below: 0.2
        cooldown: {cooldown}
"""
NODES = """'node_def:app':
  - resource:
      type: process
      command: date +%s%N > "started/$OCCAM_ADDRESS"; exec sleep 100000
      grace_period: 1
    health_check:
      ping: false
"""


class Serve:
    """occam serve in a fresh folder, stopped with SIGTERM."""

    def __init__(self, occam, folder, lo, hi, cooldown):
        self.occam, self.folder = occam, folder
        with open(os.path.join(folder, "infra.yaml"), "w") as f:
            f.write(INFRA.format(min=lo, max=hi, cooldown=cooldown))
        os.makedirs(os.path.join(folder, "nodes"))
        os.makedirs(os.path.join(folder, "started"))
        with open(os.path.join(folder, "nodes", "node_definitions.yaml"), "w") as f:
            f.write(NODES)
        self.log = open(os.path.join(folder, "serve.log"), "w+")
        self.proc = subprocess.Popen(
            [occam, "serve", "-f", "infra.yaml", "--listen", "127.0.0.1:0",
             "--interval", "30s"], cwd=folder, stdout=self.log,
            stderr=subprocess.STDOUT)
        self.port = None
        for _ in range(400):
            self.log.seek(0)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.log.read())
            if m:
                self.port = int(m.group(1))
                break
            time.sleep(0.05)
        if not self.port:
            raise SystemExit("occam serve did not start")
        with open(os.path.join(folder, "occam-serve.token")) as f:
            self.token = f.read().strip()
        self.infra_id = json.loads(self.get("/infrastructures/")[1])["infrastructures"][0]

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def get(self, path, conn=None):
        c = conn or self.connection()
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()

    def post(self, path, body, conn=None):
        c = conn or self.connection()
        c.request("POST", path, body=body,
                  headers={"Authorization": "Bearer " + self.token,
                           "Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, r.read()

    def scaling(self, conn=None):
        status, body = self.get("/infrastructures/" + self.infra_id, conn)
        return json.loads(body)["app"]["scaling"] if status == 200 else None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=120)
        subprocess.run([self.occam, "destroy", "--auto-approve"], cwd=self.folder,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return code


def alert(infra_id, direction, fingerprint, starts_at="2026-11-28T00:00:00Z"):
    return json.dumps({
        "version": "4", "status": "firing",
        "alerts": [{"status": "firing", "fingerprint": fingerprint,
                    "startsAt": starts_at,
                    "labels": {"alertname": "app_" + direction,
                               "alert": direction, "node": "app",
                               "infra_id": infra_id}}]})


def wait_until(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.002)
    return False


def latency(occam, rounds):
    with tempfile.TemporaryDirectory() as folder:
        serve = Serve(occam, folder, 1, rounds + 1, "0s")
        conn = serve.connection()
        if not wait_until(lambda: serve.scaling(conn)["actual"] == 1):
            raise SystemExit("the first instance never ran")
        create, ready = [], []
        for i in range(rounds):
            address = f"app[{i + 1}]"
            t0 = time.time_ns()
            status, body = serve.post("/api/v1/alerts",
                                      alert(serve.infra_id, "overloaded", f"l{i}"), conn)
            if status != 200 or b'"scaled"' not in body:
                raise SystemExit(f"round {i}: {status} {body}")
            if not wait_until(lambda: serve.scaling(conn)["actual"] == i + 2):
                raise SystemExit(f"round {i}: {address} never ran")
            ready.append((time.time_ns() - t0) / 1e6)
            with open(os.path.join(folder, "started", address)) as f:
                create.append((int(f.read()) - t0) / 1e6)
        code = serve.stop()
    print(f"webhook -> process started (create call): median "
          f"{statistics.median(create):.1f} ms, min {min(create):.1f}, "
          f"max {max(create):.1f} ({rounds} alerts)")
    print(f"webhook -> instance ready (REST):          median "
          f"{statistics.median(ready):.1f} ms, min {min(ready):.1f}, "
          f"max {max(ready):.1f}")
    if code != 0:
        raise SystemExit(f"occam serve exited {code} on SIGTERM")


def storm(occam, posts, clients):
    lo, hi = 1, 5
    with tempfile.TemporaryDirectory() as folder:
        serve = Serve(occam, folder, lo, hi, "0s")
        if not wait_until(lambda: serve.scaling()["actual"] == 1):
            raise SystemExit("the first instance never ran")
        stop = threading.Event()
        problems, health_ms, samples = [], [], []

        def health():
            conn = serve.connection()
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    status, _ = serve.get("/healthz", conn)
                except OSError as e:
                    problems.append(f"/healthz: {e}")
                    conn = serve.connection()
                    continue
                health_ms.append((time.perf_counter() - t) * 1000)
                if status != 200:
                    problems.append(f"/healthz answered {status}")
                s = serve.scaling(conn)
                samples.append(s)
                if not (lo <= s["target"] <= hi and lo <= s["actual"] <= hi):
                    problems.append(f"count out of range: {s}")
                time.sleep(0.01)

        statuses = []
        lock = threading.Lock()

        def client(k):
            rng = random.Random(k)
            conn = serve.connection()
            for i in range(k, posts, clients):
                infra = serve.infra_id if i % 10 else "another-infrastructure"
                body = alert(infra, rng.choice(["overloaded", "underloaded"]),
                             f"s{i % 200}")
                try:
                    status, _ = serve.post("/api/v1/alerts", body, conn)
                except OSError:
                    conn = serve.connection()
                    status, _ = serve.post("/api/v1/alerts", body, conn)
                with lock:
                    statuses.append(status)

        watcher = threading.Thread(target=health)
        watcher.start()
        start = time.perf_counter()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - start
        time.sleep(1)
        stop.set()
        watcher.join()
        code = serve.stop()
        db = sqlite3.connect(os.path.join(folder, "occam.db"))
        logged = db.execute(
            "SELECT COUNT(*) FROM events WHERE kind = 'alert' OR (kind = 'scale' "
            "AND json_extract(detail, '$.cause') = 'alert')").fetchone()[0]
        outcomes = dict(db.execute(
            "SELECT COALESCE(json_extract(detail, '$.outcome'), '?'), COUNT(*) "
            "FROM events WHERE kind IN ('alert', 'scale') GROUP BY 1").fetchall())
        db.close()
    ok = sum(1 for s in statuses if s == 200)
    print(f"storm: {posts} posts from {clients} clients in {seconds:.1f} s "
          f"({posts / seconds:.0f}/s); {ok} answered 200")
    print(f"  decisions in the event log: {logged} ({outcomes})")
    print(f"  /healthz: {len(health_ms)} answers, median "
          f"{statistics.median(health_ms):.1f} ms, max {max(health_ms):.1f} ms")
    print(f"  counts sampled {len(samples)} times: target "
          f"{min(s['target'] for s in samples)}..{max(s['target'] for s in samples)}, "
          f"actual {min(s['actual'] for s in samples)}..{max(s['actual'] for s in samples)}"
          f" (range [{lo}, {hi}])")
    failures = problems[:5]
    if ok != posts:
        failures.append(f"{posts - ok} posts not answered 200")
    if logged != posts:
        failures.append(f"{logged} decisions logged for {posts} alerts")
    if code != 0:
        failures.append(f"occam serve exited {code} on SIGTERM")
    if failures:
        raise SystemExit("storm FAILED: " + "; ".join(failures))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("occam", nargs="?", default=default_occam(HERE))
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--storm", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    latency(os.path.abspath(args.occam), args.rounds)
    storm(os.path.abspath(args.occam), args.storm, args.clients)


if __name__ == "__main__":
    main()
