#!/usr/bin/env python3
"""Times whole `occam validate` runs on a generated descriptor of 10,000
node types and 30,000 dependencies and reports the median wall time and the
peak resident memory. Usage: bench/compile_command.py [OCCAM] [--runs N]"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("occam", nargs="?",
                        default=os.path.join(HERE, "..", "build", "release",
                                             "cli", "occam"))
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--nodes", type=int, default=10000)
    parser.add_argument("--dependencies", type=int, default=30000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, os.path.join(HERE,
                        "generate_descriptor.py"), out,
                        "--nodes", str(args.nodes),
                        "--dependencies", str(args.dependencies)], check=True)
        infra = os.path.join(out, "infra.yaml")
        size = sum(os.path.getsize(os.path.join(d, f))
                   for d, _, fs in os.walk(out) for f in fs)
        times, peaks = [], []
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            subprocess.run([args.occam, "validate", "-f", infra], check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
            peaks.append(max(before,
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
        print(f"occam validate: {args.nodes} node types, {args.dependencies} "
              f"dependencies, {size / 1e6:.1f} MB of YAML, {args.runs} runs")
        print(f"  wall: median {statistics.median(times) * 1000:.0f} ms, "
              f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
        print(f"  peak RSS: {max(peaks) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
