#!/usr/bin/env python3
"""Times whole `occam apply --auto-approve` runs creating 10,000 dummy
instances (100 node types x 100, 200 dependencies) from an empty state,
a new state every run. Usage: bench/apply_command.py [OCCAM] [--runs N]"""
import argparse
import os
import subprocess
import sys
import tempfile

from timing import default_occam, report, time_command

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("occam", nargs="?", default=default_occam(HERE))
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, os.path.join(HERE,
                        "generate_descriptor.py"), out, "--nodes", "100",
                        "--dependencies", "200", "--min", "100", "--max",
                        "100"], check=True)
        infra = os.path.join(out, "infra.yaml")
        runs = []
        for i in range(args.runs):
            state = os.path.join(out, f"run{i}.db")
            runs.append(time_command([args.occam, "apply", "-f", infra,
                                      "--auto-approve", "--state", state], 1))
        times = sorted(r[0] for r in runs)
        median = times[len(times) // 2]
        report(f"occam apply, 10,000 dummy instances from nothing "
               f"({args.runs} runs, a new state each)",
               (median, times[0], times[-1], max(r[3] for r in runs)))


if __name__ == "__main__":
    main()
