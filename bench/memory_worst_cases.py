#!/usr/bin/env python3
"""Peak memory of validate, plan and show on the largest inputs occam takes
and on the worst it refuses (issue: no input under the 64 MiB file limit
may make them use more than 2 GiB). Each case runs --runs times; the
figures are the median wall time and the largest resident set.
Usage: bench/memory_worst_cases.py [BUILD_DIR] [--runs N]"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT_MIB = 2048


def measure(argv, cwd, runs):
    """(median seconds, peak MiB, exit codes) of `runs` runs of argv."""
    times, peak, codes = [], 0, set()
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        codes.add(os.waitstatus_to_exitcode(status))
        peak = max(peak, usage.ru_maxrss // 1024)
    return statistics.median(times), peak, codes


def write(folder, infra, nodes):
    os.makedirs(os.path.join(folder, "nodes"), exist_ok=True)
    with open(os.path.join(folder, "infra.yaml"), "w") as f:
        f.write(infra)
    with open(os.path.join(folder, "nodes", "node_definitions.yaml"), "w") as f:
        f.write(nodes)


def head(nodes):
    return "user_id: u\ninfra_name: m\nnodes:\n" + nodes


def dummy(attribute):
    return ("'node_def:a':\n  - resource: {type: dummy, attributes: {x: '" +
            attribute + "'}}\n")


def cases(work, make):
    """(title, folder, [commands]) for each input; made in `work` when
    `make` (in a process of its own: a child's peak resident set counts
    the pages of the process it was forked from, so the measuring process
    must never hold the inputs)."""
    out = []

    def put(folder, infra, nodes):
        if make:
            write(folder, infra, nodes)
    d = os.path.join(work, "shared")
    put(d, head("  - {name: a, type: a, scaling: {min: 100000, max: 100000}}\n"),
          dummy("y" * 1024))
    out.append(("100,000 instances sharing a 1 KB attribute (accepted)", d,
                ["plan -f infra.yaml", "plan -f infra.yaml --out p.plan",
                 "show p.plan", "show --json p.plan"]))
    d = os.path.join(work, "per-instance")
    put(d, head("  - {name: a, type: a, scaling: {min: 200, max: 200}}\n"),
          dummy("{{node_id}}" + "y" * (10 << 20)))
    out.append(("200 instances of a 10 MiB attribute naming the instance "
                "(refused at 256 MiB)", d, ["validate -f infra.yaml",
                                            "plan -f infra.yaml"]))
    d = os.path.join(work, "node-types")
    put(d, head("".join(
        f"  - {{name: a{i}, type: a, scaling: {{min: 100000, max: 100000}}}}\n"
        for i in range(30))), dummy("y" * 1024))
    out.append(("30 node types of 100,000 (refused)", d,
                ["validate -f infra.yaml", "plan -f infra.yaml"]))
    d = os.path.join(work, "many-templates")
    put(d, head("  - {name: a, type: a}\n") + "variables:\n  v: '" +
        "z" * (1 << 20) + "'\n",
        "'node_def:a':\n  - resource: {type: dummy, attributes: {" +
        ", ".join(f"a{i}: '" + "{{variables.v}}" * 15 + "'" for i in range(300)) +
        "}}\n")
    out.append(("300 attributes rendering 15 MiB each (refused at 64 MiB "
                "per instance)", d, ["validate -f infra.yaml",
                                     "plan -f infra.yaml"]))
    d = os.path.join(work, "yaml-nodes")
    put(d, head("  - {name: a, type: a}\n") + "variables:\n  big: [" +
          ",".join(["1"] * 990000) + "]\n",
          dummy("{{ variables.big | length }}"))
    out.append(("990,000 YAML values in variables (accepted)", d,
                ["validate -f infra.yaml", "plan -f infra.yaml"]))
    d = os.path.join(work, "plan-file")
    if make:
        os.makedirs(d)
        with open(os.path.join(d, "bomb.plan"), "w") as f:
            f.write('{"format":"occam-plan","version":3,"checksum":"x",'
                    '"plan":{"values":[{}')
            for _ in range(64):
                f.write(",{}" * (((1 << 20) - 2) // 3))
            f.write("]}}")
    out.append(("a 64 MiB plan file of '{},' (refused)", d, ["show bomb.plan"]))
    # The template bombs of the third hardening round (issue: validate
    # under 300 MB and 5 s on the memory bomb).
    d = os.path.join(work, "template-bomb")
    put(d, head("  - {name: a, type: a}\n"), dummy(template_bomb(8)))
    out.append(("a {% set %} bomb of 8 levels joining the last 8 times "
                "(refused)", d, ["validate -f infra.yaml"]))
    d = os.path.join(work, "template-chain")
    put(d, head("  - {name: a, type: a}\n"), dummy("{{ 1" + "~1" * 6000 + " }}"))
    out.append(("a chain of 6,000 '~' (refused)", d, ["validate -f infra.yaml"]))
    d = os.path.join(work, "template-copies")
    put(d, head("  - {name: a, type: a}\n") + "variables:\n  v: '" +
        "z" * (1 << 20) + "'\n",
        dummy("{% for i in range(100000) %}{% set y = variables.v ~ i %}"
              "{% endfor %}"))
    out.append(("100,000 loop steps each building 1 MiB (refused)", d,
                ["validate -f infra.yaml"]))
    return out


def template_bomb(levels):
    """{% set %} levels each joining the last one 8 times: 8**levels bytes."""
    text = "{% set a = \"xxxxxxxx\" %}"
    last = "a"
    for level in range(levels):
        name = "l%d" % level
        text += "{% set " + name + " = " + "~".join([last] * 8) + " %}"
        last = name
    return text + "{{ " + last + " }}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build", nargs="?",
                        default=os.path.join(HERE, "..", "build", "release"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--make-inputs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_inputs:
        cases(args.make_inputs, make=True)
        return
    occam = os.path.abspath(os.path.join(args.build, "cli", "occam"))
    worst = 0
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([sys.executable, os.path.abspath(__file__),
                        "--make-inputs", work], check=True)
        for title, folder, commands in cases(work, make=False):
            print(title)
            for command in commands:
                seconds, peak, codes = measure([occam] + command.split(),
                                               folder, args.runs)
                worst = max(worst, peak)
                print(f"  occam {command}: median {seconds:.2f} s, peak RSS "
                      f"{peak} MiB, exit {sorted(codes)}")
    print(f"largest peak: {worst} MiB (limit {LIMIT_MIB} MiB)")
    if worst > LIMIT_MIB:
        raise SystemExit("over the memory limit")


if __name__ == "__main__":
    main()
