#!/usr/bin/env python3
"""Times whole `occam plan` runs against a state that already holds every
instance (bench/make_state):
  - 1,000 node types x 100 instances = 100,000, nothing changed;
  - the same with 1% of the instances' recorded attributes changed;
  - the seed-sized autoscaling-dataavenue tutorial (4 node types).
Usage: bench/plan_command.py [BUILD_DIR] [--corpus DIR]"""
import argparse
import os
import subprocess
import sys
import tempfile

from timing import report, time_command

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build", nargs="?",
                        default=os.path.join(HERE, "..", "build", "release"))
    parser.add_argument("--corpus", default=os.path.join(
        HERE, "..", "..", "shared", "corpus", "occopus"))
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    occam = os.path.join(args.build, "cli", "occam")
    make_state = os.path.join(args.build, "bench", "make_state")
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, os.path.join(HERE,
                        "generate_descriptor.py"), out, "--nodes", "1000",
                        "--dependencies", "3000", "--min", "100", "--max",
                        "100", "--templates"], check=True)
        infra = os.path.join(out, "infra.yaml")
        for name, percent in (("no change", 0), ("1% changed", 1)):
            state = os.path.join(out, f"state-{percent}.db")
            subprocess.run([make_state, infra, state] +
                           (["--change-percent", str(percent)] if percent
                            else []), check=True)
            report(f"occam plan, 1,000 node types / 100,000 instances, "
                   f"{name} ({args.runs} runs)",
                   time_command([occam, "plan", "-f", infra, "--state",
                                 state], args.runs))
        seed = os.path.join(args.corpus, "autoscaling-dataavenue",
                            "infra_as_dataavenue.yaml")
        state = os.path.join(out, "seed.db")
        subprocess.run([make_state, seed, state], check=True)
        # Its instances are ec2 ones with made-up ids: not refreshed.
        report(f"occam plan -refresh=false, autoscaling-dataavenue (4 node "
               f"types), no change ({args.runs * 3} runs)",
               time_command([occam, "plan", "-f", seed, "--state", state,
                             "-refresh=false"], args.runs * 3))


if __name__ == "__main__":
    main()
