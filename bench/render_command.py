#!/usr/bin/env python3
"""Times whole `occam validate` and `occam plan` (from an empty state) runs on
a generated descriptor of 10,000 node types and 30,000 dependencies whose
every node definition has a cloud-init mapping context: each is dumped to
YAML as Occopus dumps it and rendered as one template (validate renders it
once per node type, plan once per instance).
Usage: bench/render_command.py [OCCAM]"""
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
        subprocess.run([sys.executable, os.path.join(HERE, "generate_descriptor.py"), out,
                        "--nodes", "10000", "--dependencies", "30000", "--contexts"],
                       check=True)
        infra = os.path.join(out, "infra.yaml")
        report(f"occam validate, 10,000 node types with cloud-init contexts ({args.runs} runs)",
               time_command([args.occam, "validate", "-f", infra], args.runs))
        state = os.path.join(out, "bench.db")
        report(f"occam plan from an empty state, the same ({args.runs} runs)",
               time_command([args.occam, "plan", "-f", infra, "--state", state,
                             ], args.runs))


if __name__ == "__main__":
    main()
