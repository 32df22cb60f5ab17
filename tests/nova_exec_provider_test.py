#!/usr/bin/env python3
"""examples/exec-provider/nova_provider.py against a stand-in of Keystone v3
and the Compute API (no OpenStack runs here): the exec protocol's create,
read, find and delete, what reaches the API (the flavor looked up by name,
the rendered context as base64 user data, occam's tags as metadata), the
wait for ACTIVE, and the errors a user meets. Exit 0 when all hold.
Usage: nova_exec_provider_test.py [SOURCE_DIR]"""
import base64
import http.server
import json
import os
import subprocess
import sys
import threading

SOURCE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
PROVIDER = os.path.join(SOURCE, "examples", "exec-provider", "nova_provider.py")


class Cloud:
    def __init__(self):
        self.servers = {}
        self.polls = {}
        self.logins = []
        self.next = 1


CLOUD = Cloud()


class Api(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def authorized(self):
        if self.headers.get("X-Auth-Token") != "tok":
            self.reply(401, {"error": {"message": "bad token"}})
            return False
        return True

    def do_POST(self):
        if self.path == "/v3/auth/tokens":
            auth = self.body()["auth"]
            user = auth["identity"]["password"]["user"]
            CLOUD.logins.append((user["name"], auth["scope"]["project"]["id"]))
            if user["password"] != "pw":
                return self.reply(401, {"error": {"message": "The request you have made "
                                                  "requires authentication."}})
            port = self.server.server_address[1]
            return self.reply(201, {"token": {"catalog": [{"type": "compute", "endpoints": [
                {"interface": "public", "region": "RegionOne",
                 "url": f"http://127.0.0.1:{port}/compute/v2.1"}]}]}},
                {"X-Subject-Token": "tok"})
        if self.path == "/compute/v2.1/servers" and self.authorized():
            server = self.body()["server"]
            sid = f"srv-{CLOUD.next}"
            CLOUD.next += 1
            server.update(id=sid, status="BUILD", addresses={})
            CLOUD.servers[sid] = server
            CLOUD.polls[sid] = 0
            return self.reply(202, {"server": {"id": sid}})
        self.reply(404, {"itemNotFound": {"message": "no route"}})

    def do_GET(self):
        if not self.authorized():
            return
        if self.path == "/compute/v2.1/flavors":
            return self.reply(200, {"flavors": [{"id": "f1", "name": "m1.small"},
                                                {"id": "f2", "name": "m1.large"}]})
        if self.path.startswith("/compute/v2.1/servers/detail"):
            return self.reply(200, {"servers": list(CLOUD.servers.values())})
        if self.path.startswith("/compute/v2.1/servers/"):
            sid = self.path.rsplit("/", 1)[1]
            server = CLOUD.servers.get(sid)
            if not server:
                return self.reply(404, {"itemNotFound": {"message": f"{sid} not found"}})
            CLOUD.polls[sid] += 1
            if CLOUD.polls[sid] >= 2 and server["status"] == "BUILD":  # boots on the 2nd look
                server["status"] = "ACTIVE"
                server["addresses"] = {"private": [
                    {"addr": "10.0.0.5", "version": 4, "OS-EXT-IPS:type": "fixed"},
                    {"addr": "172.24.4.9", "version": 4, "OS-EXT-IPS:type": "floating"}]}
            return self.reply(200, {"server": server})
        self.reply(404, {"itemNotFound": {"message": "no route"}})

    def do_DELETE(self):
        if not self.authorized():
            return
        sid = self.path.rsplit("/", 1)[1]
        if CLOUD.servers.pop(sid, None) is None:
            return self.reply(404, {"itemNotFound": {"message": f"{sid} not found"}})
        self.reply(204)


def run(request, env):
    out = subprocess.run([sys.executable, PROVIDER], input=json.dumps(request),
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    keystone = f"http://127.0.0.1:{server.server_address[1]}"
    env = dict(os.environ, OS_USERNAME="demo", OS_PASSWORD="pw",
               OS_AUTH_URL=keystone, OS_PROJECT_ID="p1")
    context = "#cloud-config\nruncmd:\n- echo hi\n"
    config = {"resource": {"type": "exec", "config": {
        "endpoint": keystone, "project_id": "p1", "image_id": "img-1",
        "flavor_name": "m1.small", "key_name": "k", "security_groups": ["default"]}},
        "contextualisation": {"type": "cloudinit", "context_template": context}}
    tags = {"occam.lineage": "L", "occam.address": "vm[0]"}
    failures = []

    def check(what, ok):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    made = run({"protocol": 1, "operation": "create", "address": "vm[0]",
                "config": config, "tags": tags}, env)
    check("create answers an id, ip (floating) and private_ip",
          made.get("id") == f"srv-1@{keystone}@p1" and
          made["outputs"]["ip"] == "172.24.4.9" and made["outputs"]["private_ip"] == "10.0.0.5")
    sent = CLOUD.servers["srv-1"]
    check("the flavor is looked up by name", sent["flavorRef"] == "f1")
    check("the context is the user data, base64",
          base64.b64decode(sent["user_data"]).decode() == context)
    check("occam's tags are the server's metadata", sent["metadata"] == tags)
    check("key and security groups are passed",
          sent["key_name"] == "k" and sent["security_groups"] == [{"name": "default"}])
    check("create waited for ACTIVE", CLOUD.polls["srv-1"] >= 2)
    check("the login is scoped to the project", CLOUD.logins[0] == ("demo", "p1"))

    read = run({"protocol": 1, "operation": "read", "id": made["id"]}, env)
    check("read gives the same object", read["id"] == made["id"] and read["tags"] == tags)
    found = run({"protocol": 1, "operation": "find", "tags": tags}, env)
    check("find returns it by its tags", [o["id"] for o in found["objects"]] == [made["id"]])
    other = run({"protocol": 1, "operation": "find", "tags": {"occam.lineage": "other"}}, env)
    check("find of other tags returns nothing", other["objects"] == [])

    check("delete answers {}", run({"protocol": 1, "operation": "delete", "id": made["id"]}, env) == {})
    check("read of a deleted server says it is gone",
          run({"protocol": 1, "operation": "read", "id": made["id"]}, env) == {"exists": False})
    check("deleting again is not an error",
          run({"protocol": 1, "operation": "delete", "id": made["id"]}, env) == {})

    bad = json.loads(json.dumps(config))
    bad["resource"]["config"]["flavor_name"] = "m1.huge"
    error = run({"protocol": 1, "operation": "create", "address": "vm[1]",
                 "config": bad, "tags": tags}, env)
    check("an unknown flavor names the ones there are",
          error.get("error") == "no flavor named 'm1.huge'; this cloud has: m1.large, m1.small")
    error = run({"protocol": 1, "operation": "create", "address": "vm[1]", "config": config,
                 "tags": tags}, dict(env, OS_PASSWORD="wrong"))
    check("a refused login says so, without the password",
          "refused the login of demo: HTTP 401" in error.get("error", "") and
          "wrong" not in error["error"])
    error = run({"protocol": 1, "operation": "create", "address": "vm[1]", "config": config,
                 "tags": tags}, {k: v for k, v in env.items() if k != "OS_PASSWORD"})
    check("no password says what to set", "set OS_USERNAME and OS_PASSWORD" in error.get("error", ""))
    server.shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
