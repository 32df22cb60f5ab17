#!/usr/bin/env python3
"""A starting point for Occopus's `nova` resource as an occam exec provider:
OpenStack servers through Keystone v3 and the Compute API, with the Python
standard library only. It speaks the protocol of docs/providers.md (one
JSON request on stdin, one JSON answer on stdout).

Use it in a node definition as

    resource:
      type: exec
      program: [python3, examples/exec-provider/nova_provider.py]
      config:
        endpoint: https://keystone.example.org:5000   # Occopus's `endpoint`
        project_id: 0123abcd…
        image_id: 5b6f…
        flavor_name: m1.small
        key_name: my-key                 # optional
        security_groups: [default]       # optional
        network_id: 9a8b…                # optional
        server_name: app                 # optional
    contextualisation: {type: cloudinit, context_template: …}

The password comes from the environment as OpenStack's openrc sets it:
OS_USERNAME, OS_PASSWORD, OS_USER_DOMAIN_NAME (default "Default"),
OS_REGION_NAME (optional); `find` looks at OS_AUTH_URL and OS_PROJECT_ID.
Ids are SERVER@ENDPOINT@PROJECT so that read and delete need nothing else.

What this sample does not do (yet): floating IPs, volumes (volume_size),
application credentials, pagination of more than 1,000 servers. It is
tested against a stand-in of the two APIs (tests/nova_exec_provider_test.py),
not against a real OpenStack.
"""
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request

TIMEOUT_S = 280  # occam kills an exec run after 300 s


def http(method, url, body=None, token=None):
    """(status, headers, parsed JSON or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json")
    if token:
        request.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            text = answer.read()
            return answer.status, answer.headers, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = {"message": text.decode(errors="replace")[:200]}
        return e.code, e.headers, parsed


def fault(status, body):
    """OpenStack's error message from an answer."""
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return f"HTTP {status}: {value['message']}"
        if "message" in body:
            return f"HTTP {status}: {body['message']}"
    return f"HTTP {status}"


def session(endpoint, project_id):
    """A Keystone token and the Compute API's URL."""
    user = os.environ.get("OS_USERNAME")
    password = os.environ.get("OS_PASSWORD")
    if not user or not password:
        raise ValueError("set OS_USERNAME and OS_PASSWORD (OpenStack's openrc) "
                         "for the nova provider")
    domain = os.environ.get("OS_USER_DOMAIN_NAME", "Default")
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": domain}, "password": password}}},
        "scope": {"project": {"id": project_id}}}}
    status, headers, answer = http("POST", endpoint.rstrip("/") + "/v3/auth/tokens", body)
    if status != 201:
        raise ValueError(f"Keystone at {endpoint} refused the login of {user}: "
                         f"{fault(status, answer)}")
    region = os.environ.get("OS_REGION_NAME")
    for service in answer["token"].get("catalog", []):
        if service.get("type") != "compute":
            continue
        for e in service.get("endpoints", []):
            if e.get("interface") == "public" and (not region or e.get("region") == region):
                return headers["X-Subject-Token"], e["url"].rstrip("/")
    raise ValueError(f"Keystone at {endpoint} lists no public compute endpoint"
                     + (f" in region {region}" if region else ""))


def split_id(object_id):
    server, _, rest = object_id.partition("@")
    endpoint, _, project = rest.rpartition("@")
    if not server or not endpoint or not project:
        raise ValueError(f"bad id {object_id!r}")
    return server, endpoint, project


def describe(server, object_id):
    """The protocol's answer for a server."""
    fixed, floating = "", ""
    for addresses in server.get("addresses", {}).values():
        for a in addresses:
            if a.get("version", 4) != 4:
                continue
            if a.get("OS-EXT-IPS:type") == "floating":
                floating = floating or a["addr"]
            else:
                fixed = fixed or a["addr"]
    tags = {k: v for k, v in server.get("metadata", {}).items() if k.startswith("occam.")}
    return {"id": object_id, "tags": tags,
            "outputs": {"ip": floating or fixed, "private_ip": fixed,
                        "server_id": server["id"], "status": server.get("status", "")}}


def flavor_id(compute, token, name):
    status, _, answer = http("GET", compute + "/flavors", token=token)
    if status != 200:
        raise ValueError(f"listing flavors: {fault(status, answer)}")
    for f in answer.get("flavors", []):
        if f.get("name") == name:
            return f["id"]
    names = ", ".join(sorted(f.get("name", "") for f in answer.get("flavors", [])))
    raise ValueError(f"no flavor named {name!r}; this cloud has: {names}")


def create(request):
    config = request["config"]["resource"].get("config", {})
    endpoint, project = config["endpoint"], config["project_id"]
    token, compute = session(endpoint, project)
    server = {"name": config.get("server_name") or request["address"],
              "imageRef": config["image_id"],
              "flavorRef": flavor_id(compute, token, config["flavor_name"]),
              "metadata": request.get("tags", {})}
    context = request["config"].get("contextualisation", {}).get("context_template")
    if isinstance(context, str) and context:
        server["user_data"] = base64.b64encode(context.encode()).decode()
    if config.get("key_name"):
        server["key_name"] = config["key_name"]
    if config.get("security_groups"):
        server["security_groups"] = [{"name": g} for g in config["security_groups"]]
    server["networks"] = ([{"uuid": config["network_id"]}] if config.get("network_id")
                          else "auto")
    status, _, answer = http("POST", compute + "/servers", {"server": server}, token)
    if status != 202:
        raise ValueError(f"creating the server: {fault(status, answer)}")
    object_id = f"{answer['server']['id']}@{endpoint}@{project}"
    deadline = time.monotonic() + TIMEOUT_S
    delay = 0.2
    while True:
        status, _, answer = http("GET", f"{compute}/servers/{object_id.split('@')[0]}",
                                 token=token)
        if status == 200 and answer["server"].get("status") == "ACTIVE":
            return describe(answer["server"], object_id)
        if status == 200 and answer["server"].get("status") == "ERROR":
            message = answer["server"].get("fault", {}).get("message", "no reason given")
            raise ValueError(f"the server went to ERROR: {message}")
        if time.monotonic() + delay > deadline:
            raise ValueError(f"the server is not ACTIVE after {TIMEOUT_S} s")
        time.sleep(delay)
        delay = min(delay * 2, 5)


def read(request):
    server, endpoint, project = split_id(request["id"])
    token, compute = session(endpoint, project)
    status, _, answer = http("GET", f"{compute}/servers/{server}", token=token)
    if status == 404 or (status == 200 and answer["server"].get("status") == "DELETED"):
        return {"exists": False}
    if status != 200:
        raise ValueError(f"reading server {server}: {fault(status, answer)}")
    return describe(answer["server"], request["id"])


def update(request):
    raise ValueError("nova servers are replaced, not updated")


def delete(request):
    server, endpoint, project = split_id(request["id"])
    token, compute = session(endpoint, project)
    status, _, answer = http("DELETE", f"{compute}/servers/{server}", token=token)
    if status not in (202, 204, 404):
        raise ValueError(f"deleting server {server}: {fault(status, answer)}")
    return {}


def find(request):
    endpoint, project = os.environ.get("OS_AUTH_URL"), os.environ.get("OS_PROJECT_ID")
    if not endpoint or not project:
        return {"objects": []}  # nowhere to look; say so in your own provider
    token, compute = session(endpoint, project)
    status, _, answer = http("GET", compute + "/servers/detail?limit=1000", token=token)
    if status != 200:
        raise ValueError(f"listing servers: {fault(status, answer)}")
    wanted = request.get("tags", {})
    found = [describe(s, f"{s['id']}@{endpoint}@{project}") for s in answer.get("servers", [])
             if all(s.get("metadata", {}).get(k) == v for k, v in wanted.items())]
    return {"objects": found}


def main():
    request = json.load(sys.stdin)
    operations = {"create": create, "read": read, "update": update,
                  "delete": delete, "find": find}
    operation = operations.get(request.get("operation"))
    if operation is None:
        print(json.dumps({"error": f"unknown operation {request.get('operation')!r}"}))
        return
    try:
        print(json.dumps(operation(request)))
    except (OSError, ValueError, KeyError) as e:
        print(json.dumps({"error": f"{type(e).__name__}: {e}" if isinstance(e, KeyError)
                          else str(e)}))


if __name__ == "__main__":
    main()
