#!/usr/bin/env python3
"""The pull-request workflow of docs/ci.md, run as GitHub Actions would run
its shell steps: the YAML is read from the page itself, each job's `run:`
steps run in order with bash -e in their working-directory, with the
workflow's, job's and step's env (GitHub's ${{ }} values given here), on a
descriptor of real processes. GitHub itself is not here: `gh` is a stand-in
that keeps the comment body. Checks: a pull request's plan comment, the
merge applying the saved plan, a second pull request with no changes, and a
broken descriptor failing the plan job. Exit 0 when all hold, 77 to skip.
Usage: pr_workflow_test.py OCCAM_BINARY SOURCE_DIR"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

OCCAM, SOURCE = sys.argv[1], sys.argv[2]
try:
    from ruamel.yaml import YAML
except ImportError:
    if os.environ.get("CI") == "true":
        sys.exit("python3-ruamel.yaml is missing (scripts/setup installs it)")
    print("skipped: python3-ruamel.yaml is not installed")
    sys.exit(77)

INFRA = """user_id: ci
infra_name: shop
nodes:
  - &APP {name: app, type: app, scaling: {min: 2, max: 4}}
"""
NODES = """'node_def:app':
  - resource:
      type: process
      command: [sleep, "100000"]
"""

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def workflow():
    page = open(os.path.join(SOURCE, "docs", "ci.md")).read()
    block = re.search(r"```yaml\n(.*?)```", page, re.S)
    return YAML(typ="safe").load(block.group(1))


def github_value(text, values):
    """${{ github.… }} as GitHub would give it here."""
    return re.sub(r"\$\{\{\s*([^}]*?)\s*\}\}", lambda m: values[m.group(1)], str(text))


def run_job(flow, name, checkout, bin_dir, values):
    """Runs the job's run: steps in order; returns the exit code of the first
    that fails (0 when all pass)."""
    job = flow["jobs"][name]
    env = dict(os.environ)
    env["PATH"] = bin_dir + ":" + env["PATH"]
    for scope in (flow, job):
        for k, v in (scope.get("env") or {}).items():
            env[k] = github_value(v, values)
    env.update(values["overrides"])
    for step in job["steps"]:
        if "run" not in step:
            check(step.get("uses", "").startswith("actions/checkout"),
                  "a step of job %s is neither run: nor checkout" % name)
            continue
        step_env = dict(env)
        for k, v in (step.get("env") or {}).items():
            step_env[k] = github_value(v, values)
        cwd = os.path.join(checkout, step.get("working-directory", "."))
        # GitHub runs `run:` with bash -e {0}.
        result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd,
                                env=step_env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                timeout=120)
        print("[%s] %s: exit %d" % (name, step.get("name", "run"), result.returncode))
        if result.returncode != 0:
            print(result.stdout.decode(errors="replace"))
            return result.returncode
    return 0


def main():
    flow = workflow()
    check(set(flow["jobs"]) == {"plan", "apply"}, "the workflow has a plan and an apply job")
    work = tempfile.mkdtemp(prefix="occam-pr-")
    state = os.path.join(work, "runner", "infrastructure.db")
    try:
        checkout = os.path.join(work, "checkout")
        os.makedirs(os.path.join(checkout, "infra", "nodes"))
        open(os.path.join(checkout, "infra", "infra.yaml"), "w").write(INFRA)
        open(os.path.join(checkout, "infra", "nodes", "node_definitions.yaml"), "w").write(NODES)
        bin_dir = os.path.join(work, "bin")
        os.makedirs(bin_dir)
        os.symlink(os.path.abspath(OCCAM), os.path.join(bin_dir, "occam"))
        comments = os.path.join(work, "comments")
        # gh pr comment NUMBER --body-file FILE: keeps the body, as GitHub would.
        open(os.path.join(bin_dir, "gh"), "w").write(
            "#!/bin/sh\n[ \"$1 $2\" = 'pr comment' ] && [ \"$4\" = --body-file ] || exit 3\n"
            "[ -n \"$GH_TOKEN\" ] || exit 4\n"
            "cat \"$5\" > \"%s.$3\"\n" % comments)
        os.chmod(os.path.join(bin_dir, "gh"), 0o755)
        os.makedirs(os.path.dirname(state))
        values = {"github.token": "token-of-the-run",
                  "github.event.pull_request.number": "7",
                  "overrides": {"STATE": state}}

        # A pull request: the plan is posted as a comment, nothing is built.
        check(run_job(flow, "plan", checkout, bin_dir, values) == 0, "the plan job passes")
        body = open(comments + ".7").read() if os.path.exists(comments + ".7") else ""
        check(body.startswith("### occam plan: `shop`"), "the comment is the plan's Markdown")
        check("| `app` | 2 | 0 | 0 | 0 | 0 → 2 |" in body, "the comment sums up app: 2 new")
        check("| create | `app[0]` |" in body, "the comment lists app[0]")
        check(len(body) <= 60000, "the comment fits a GitHub comment")
        listed = subprocess.run([OCCAM, "state", "list", "-state=" + state],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        check(listed.stdout.decode().strip() == "", "planning built nothing")

        # The merge: the saved plan is applied.
        check(run_job(flow, "apply", checkout, bin_dir, values) == 0, "the apply job passes")
        listed = subprocess.run([OCCAM, "state", "list", "-state=" + state],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        check(listed.stdout.decode().split() == ["app[0]", "app[1]"],
              "the merge built app[0] and app[1]: " + listed.stdout.decode())

        # Another pull request that changes nothing the state does not have.
        values["github.event.pull_request.number"] = "8"
        check(run_job(flow, "plan", checkout, bin_dir, values) == 0, "a no-change plan job passes")
        body = open(comments + ".8").read() if os.path.exists(comments + ".8") else ""
        check("**No changes.**" in body, "the second comment says No changes")

        # A broken descriptor fails the plan job (exit 1 is not "changes").
        open(os.path.join(checkout, "infra", "infra.yaml"), "a").write("  - {name: broken\n")
        values["github.event.pull_request.number"] = "9"
        check(run_job(flow, "plan", checkout, bin_dir, values) != 0, "a broken descriptor fails the plan job")
        check(not os.path.exists(comments + ".9"), "a failed plan posts no comment")
        open(os.path.join(checkout, "infra", "infra.yaml"), "w").write(INFRA)
    finally:
        subprocess.run([OCCAM, "destroy", "-auto-approve", "-state=" + state],
                       cwd=os.path.join(work, "checkout", "infra"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit("%d check(s) failed" % len(failures))
    print("ok: the workflow of docs/ci.md plans, comments and applies")


main()
