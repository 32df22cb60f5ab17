#!/usr/bin/env python3
"""Times whole `occam validate` runs on a generated descriptor of 10,000
node types and 30,000 dependencies. Usage: bench/compile_command.py [OCCAM]"""
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
                        "generate_descriptor.py"), out, "--nodes", "10000",
                        "--dependencies", "30000"], check=True)
        report(f"occam validate, 10,000 node types / 30,000 dependencies "
               f"({args.runs} runs)",
               time_command([args.occam, "validate", "-f",
                             os.path.join(out, "infra.yaml")], args.runs))


if __name__ == "__main__":
    main()
