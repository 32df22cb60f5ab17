#!/usr/bin/env python3
"""Writes a large Occopus descriptor for benchmarks: N node types, each with
its own node definition, and D dependencies that keep the graph acyclic
(a node only depends on nodes with a smaller number)."""
import argparse
import os
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--nodes", type=int, default=10000)
    parser.add_argument("--dependencies", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min", type=int, default=1)
    parser.add_argument("--max", type=int, default=3)
    parser.add_argument("--templates", action="store_true",
                        help="render a variable and the address of one "
                             "dependency in every node's attributes")
    parser.add_argument("--contexts", action="store_true",
                        help="give every node definition a cloud-init context "
                             "(a mapping, dumped and rendered as Occopus does)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out_dir, "nodes"), exist_ok=True)

    with open(os.path.join(args.out_dir, "infra.yaml"), "w") as f:
        f.write("infra_name: bench\nuser_id: bench\n")
        f.write("variables:\n  region: eu\n  image: app:1\n")
        f.write("nodes:\n")
        for i in range(args.nodes):
            f.write(f"  - name: n{i}\n    type: t{i}\n"
                    f"    scaling: {{min: {args.min}, max: {args.max}}}\n")
        f.write("dependencies:\n")
        pairs = set()
        while len(pairs) < args.dependencies:
            a = rng.randrange(1, args.nodes)
            b = rng.randrange(0, a)
            pairs.add((a, b))
        for a, b in sorted(pairs):
            f.write(f"  - [n{a}, n{b}]\n")

    with open(os.path.join(args.out_dir, "nodes", "node_definitions.yaml"),
              "w") as f:
        for i in range(args.nodes):
            extra = ""
            if args.templates:
                extra = ", region: '{{ variables.region }}'"
                if i > 0:
                    extra += f", peer: \"{{{{ getip('n{i // 2}') }}}}\""
            f.write(f"'node_def:t{i}':\n  - resource:\n      type: dummy\n"
                    f"      attributes: {{size: small, index: {i}{extra}}}\n"
                    f"    health_check: {{ping: false, timeout: 60}}\n")
            if args.contexts:
                peer = f"{{{{getip('n{i // 2}')}}}}" if i > 0 else "none"
                f.write("    contextualisation:\n      type: cloudinit\n"
                        "      context_template:\n"
                        "        write_files:\n"
                        "        - path: /etc/app.conf\n"
                        "          content: |\n"
                        "            region={{variables.region}}\n"
                        f"            peer={peer}\n"
                        "            id={{node_id}}\n"
                        "          permissions: '0644'\n"
                        "        runcmd:\n"
                        "        - echo started {{ name }} in {{ variables.region }}\n"
                        "        packages: [curl, haproxy]\n")


if __name__ == "__main__":
    main()
