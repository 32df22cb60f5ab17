#!/usr/bin/env python3
"""The state in SQLite against the state in PostgreSQL (issue 26): whole
`occam plan` and `occam apply --auto-approve` runs with nothing to change on
a state that holds 10,000 dummy instances (100 node types x 100, made by
bench/make_state), and `occam apply` creating the 10,000 from nothing (a
new state each run), on a file and on a schema of PostgreSQL. Prints each
median and the PostgreSQL/SQLite ratio (target: within 2x).
Usage: bench/state_backends.py [BUILD_DIR] --postgres URL [--runs N]
(URL: a server you may create schemas in, e.g. scripts/postgres-up's)."""
import argparse
import os
import subprocess
import sys
import tempfile
import uuid

from timing import report, time_command

HERE = os.path.dirname(os.path.abspath(__file__))


def location(kind, out, postgres, name):
    if kind == "sqlite":
        return os.path.join(out, name + ".db")
    sep = "&" if "?" in postgres else "?"
    return f"{postgres}{sep}schema=b_{name}_{uuid.uuid4().hex[:8]}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build", nargs="?",
                        default=os.path.join(HERE, "..", "build", "release"))
    parser.add_argument("--postgres", default=os.environ.get("OCCAM_TEST_POSTGRES"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not args.postgres:
        raise SystemExit("name a PostgreSQL server: --postgres URL "
                         "(eval \"$(scripts/postgres-up)\")")
    occam = os.path.join(args.build, "cli", "occam")
    make_state = os.path.join(args.build, "bench", "make_state")
    medians = {}
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, os.path.join(HERE,
                        "generate_descriptor.py"), out, "--nodes", "100",
                        "--dependencies", "200", "--min", "100", "--max",
                        "100"], check=True)
        infra = os.path.join(out, "infra.yaml")
        for kind in ("sqlite", "postgres"):
            state = location(kind, out, args.postgres, "full")
            subprocess.run([make_state, infra, state], check=True)
            for what, argv in (
                    ("plan, no change", ["plan", "-detailed-exitcode"]),
                    ("apply, no change", ["apply", "--auto-approve"])):
                # A state in a database has no folder: the targets files go
                # where occam runs, the temporary folder.
                figures = time_command([occam] + argv + ["-f", infra, "--state", state],
                                       args.runs, cwd=out)
                medians[(kind, what)] = figures[0]
                report(f"occam {what}, 10,000 instances, {kind} ({args.runs} runs)",
                       figures)
            runs = []
            for i in range(args.runs):
                fresh = location(kind, out, args.postgres, f"new{i}")
                runs.append(time_command([occam, "apply", "-f", infra,
                                          "--auto-approve", "--state", fresh], 1,
                                         cwd=out))
            times = sorted(r[0] for r in runs)
            medians[(kind, "apply, from nothing")] = times[len(times) // 2]
            report(f"occam apply, 10,000 instances from nothing, {kind} "
                   f"({args.runs} runs, a new state each)",
                   (times[len(times) // 2], times[0], times[-1],
                    max(r[3] for r in runs)))
    for what in ("plan, no change", "apply, no change", "apply, from nothing"):
        ratio = medians[("postgres", what)] / medians[("sqlite", what)]
        print(f"{what}: postgres/sqlite = {ratio:.2f}")


if __name__ == "__main__":
    main()
