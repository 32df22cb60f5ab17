#!/usr/bin/env python3
"""The ec2 provider against moto_server (the EC2 API emulator the tests
use): `occam apply` of an ec2 node type with count 30 from nothing, `occam
refresh` of the 30, and `occam destroy` of the 30, against the floor the
issue sets: 30 bare RunInstances calls made 10 at a time (signed here with
the standard library; no waiting, no tags, no state). moto_server is reset
between rounds (not timed); medians over the rounds are reported.
Usage: bench/ec2_command.py [OCCAM] [--runs N] [--parallelism N]"""
import argparse
import concurrent.futures
import datetime
import hashlib
import hmac
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

from timing import default_occam

HERE = os.path.dirname(os.path.abspath(__file__))
COUNT = 30

INFRA = f"""user_id: bench
infra_name: ec2-bench
nodes:
  - name: app
    type: app
    scaling: {{min: {COUNT}, max: {COUNT}}}
"""
NODES = """'node_def:app':
  - resource:
      type: ec2
      endpoint: {url}
      regionname: us-east-1
      image_id: ami-1e749f67
      instance_type: t3.micro
    contextualisation:
      type: cloudinit
      context_template:
        write_files:
          - path: /etc/app
            content: "hello from {{{{node_id}}}}"
    health_check:
      ping: false
"""


def find_moto():
    for candidate in [os.environ.get("OCCAM_MOTO_SERVER"), shutil.which("moto_server"),
                      os.path.expanduser("~/.pyenv/shims/moto_server"),
                      os.path.expanduser("~/.local/bin/moto_server")]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("moto_server is not installed: pip install 'moto[server]'")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_post(url, body, region="us-east-1", key="test", secret="test"):
    """One EC2 Query API POST with SigV4, as any client would send it."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    host = urllib.parse.urlparse(url).netloc
    headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8",
               "host": host, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["POST", "/", ""] +
                          [f"{k}:{headers[k]}" for k in sorted(headers)] +
                          ["", signed, hashlib.sha256(body.encode()).hexdigest()])
    scope = f"{amz_date[:8]}/{region}/ec2/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (amz_date[:8], region, "ec2", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
                                f"SignedHeaders={signed}, Signature={signature}")
    request = urllib.request.Request(url + "/", data=body.encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.read()


def bare_run_instances(url):
    body = urllib.parse.urlencode({"Action": "RunInstances", "Version": "2016-11-15",
                                   "ImageId": "ami-1e749f67", "InstanceType": "t3.micro",
                                   "MinCount": "1", "MaxCount": "1"})
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda _: signed_post(url, body), range(COUNT)))
    return time.perf_counter() - start


def timed(argv, cwd, env):
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def reset(url):
    urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", data=b""),
                           timeout=30).read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("occam", nargs="?", default=default_occam(HERE))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--parallelism", type=int, default=10)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as work:
        moto = subprocess.Popen([find_moto(), "-H", "127.0.0.1", "-p", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    reset(url)
                    break
                except OSError:
                    time.sleep(0.1)
            with open(os.path.join(work, "infra.yaml"), "w") as f:
                f.write(INFRA)
            os.makedirs(os.path.join(work, "nodes"))
            with open(os.path.join(work, "nodes", "node_definitions.yaml"), "w") as f:
                f.write(NODES.format(url=url))
            env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
            occam = os.path.abspath(args.occam)
            par = f"--parallelism={args.parallelism}"
            figures = {"bare": [], "apply": [], "refresh": [], "destroy": []}
            for _ in range(args.runs):
                figures["bare"].append(bare_run_instances(url))
                reset(url)
                figures["apply"].append(timed([occam, "apply", "-f", "infra.yaml",
                                               "--auto-approve", par], work, env))
                figures["refresh"].append(timed([occam, "refresh"], work, env))
                figures["destroy"].append(timed([occam, "destroy", "-f", "infra.yaml",
                                                 "--auto-approve", par], work, env))
                reset(url)
                os.remove(os.path.join(work, "occam.db"))
        finally:
            moto.terminate()
            moto.wait()
    names = {"bare": f"{COUNT} bare RunInstances, 10 at a time",
             "apply": f"occam apply of {COUNT} ec2 instances from nothing ({par})",
             "refresh": f"occam refresh of {COUNT}",
             "destroy": f"occam destroy of {COUNT} ({par})"}
    for key, title in names.items():
        times = figures[key]
        print(f"{title}: median {statistics.median(times) * 1000:.0f} ms "
              f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; {args.runs} runs)")
    ratio = statistics.median(figures["apply"]) / statistics.median(figures["bare"])
    print(f"apply / bare RunInstances: {ratio:.2f} (goal: at most 1.5)")


if __name__ == "__main__":
    main()
