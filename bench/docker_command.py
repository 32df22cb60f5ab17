#!/usr/bin/env python3
"""occam against docker-compose on the same Docker Engine, in the same run:
30 containers of occam-test/busybox:1 (scripts/docker-up) from nothing --
`occam apply` of a docker node type with count 30 against `docker-compose up
-d --scale app=30` -- and a no-change apply against compose's no-change
`up`. Rounds alternate between the two; medians are reported. Each side
removes its containers after its round (not timed).
Usage: bench/docker_command.py [OCCAM] [--runs N] [--parallelism N]"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

from timing import default_occam

HERE = os.path.dirname(os.path.abspath(__file__))
COUNT = 30

INFRA = f"""user_id: bench
infra_name: docker-bench
nodes:
  - name: app
    type: app
    scaling: {{min: {COUNT}, max: {COUNT}}}
"""
NODES = """'node_def:app':
  - resource:
      type: docker
      endpoint: unix:///var/run/docker.sock
      origin: local
      image: occam-test/busybox
      tag: "1"
      grace_period: 1
    contextualisation:
      type: docker
      env: ["message=hi"]
      command: "sleep 100000"
    health_check:
      ping: false
"""
COMPOSE = """version: "3"
services:
  app:
    image: occam-test/busybox:1
    init: true
    stop_grace_period: 1s
    environment: ["message=hi"]
    command: ["sleep", "100000"]
"""


def timed(argv, cwd):
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def running(label):
    out = subprocess.run(["docker", "ps", "-q", "--filter", f"label={label}"],
                         check=True, capture_output=True, text=True).stdout
    return len(out.split())


def occam_round(occam, work, parallelism):
    apply = [occam, "apply", "-f", "infra.yaml", "--auto-approve",
             "--parallelism", str(parallelism)]
    first = timed(apply, work)
    again = timed(apply, work)
    count = running("occam.address")
    subprocess.run([occam, "destroy", "--auto-approve"], cwd=work, check=True,
                   stdout=subprocess.DEVNULL)
    os.remove(os.path.join(work, "occam.db"))
    if count < COUNT:
        raise SystemExit(f"occam left {count} running containers, not {COUNT}")
    return first, again


def compose_round(work):
    up = ["docker-compose", "-p", "occambench", "up", "-d", "--scale",
          f"app={COUNT}"]
    first = timed(up, work)
    again = timed(up, work)
    count = running("com.docker.compose.project=occambench")
    subprocess.run(["docker-compose", "-p", "occambench", "down", "-t", "1"],
                   cwd=work, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    if count != COUNT:
        raise SystemExit(f"compose ran {count} containers, not {COUNT}")
    return first, again


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("occam", nargs="?", default=default_occam(HERE))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--parallelism", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        os.mkdir(os.path.join(work, "nodes"))
        with open(os.path.join(work, "infra.yaml"), "w") as f:
            f.write(INFRA)
        with open(os.path.join(work, "nodes", "node_definitions.yaml"), "w") as f:
            f.write(NODES)
        with open(os.path.join(work, "docker-compose.yml"), "w") as f:
            f.write(COMPOSE)
        occam, compose = [], []
        for _ in range(args.runs):
            occam.append(occam_round(args.occam, work, args.parallelism))
            compose.append(compose_round(work))
    for i, what in enumerate(["from nothing", "no change"]):
        o = statistics.median(r[i] for r in occam)
        c = statistics.median(r[i] for r in compose)
        print(f"{COUNT} containers, {what} ({args.runs} runs, medians): "
              f"occam apply {o * 1000:.0f} ms, docker-compose up "
              f"{c * 1000:.0f} ms, ratio {o / c:.2f}")


if __name__ == "__main__":
    main()
