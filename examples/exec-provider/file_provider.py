#!/usr/bin/env python3
"""A sample occam exec provider, in Python: each instance is a JSON file in
a folder (resource.config.dir, default ./objects). It speaks the protocol of
docs/providers.md: one JSON request on stdin, one JSON answer on stdout."""
import json
import os
import sys
import uuid


def folder(request):
    config = request.get("config", {}).get("resource", {}).get("config", {})
    return config.get("dir") or os.environ.get("FILE_PROVIDER_DIR", "objects")


def path_of(directory, object_id):
    if not object_id or "/" in object_id or object_id.startswith("."):
        raise ValueError(f"bad id {object_id!r}")
    return os.path.join(directory, object_id + ".json")


def answer(obj):
    return {"id": obj["id"], "outputs": obj["outputs"], "tags": obj["tags"]}


def create(request):
    directory = folder(request)
    os.makedirs(directory, exist_ok=True)
    obj = {"id": uuid.uuid4().hex, "dir": directory,
           "address": request["address"], "tags": request.get("tags", {}),
           "content": request["config"].get("resource", {}).get("config", {}),
           "outputs": {"ip": "127.0.0.1"}}
    obj["outputs"]["path"] = os.path.abspath(path_of(directory, obj["id"]))
    with open(path_of(directory, obj["id"]), "w") as f:
        json.dump(obj, f)
    return answer(obj)


def load(object_id):
    # Ids are unique across folders; look in the folders we were told of.
    directory = os.environ.get("FILE_PROVIDER_DIR", "objects")
    with open(path_of(directory, object_id)) as f:
        return json.load(f)


def read(request):
    try:
        return answer(load(request["id"]))
    except FileNotFoundError:
        return {"exists": False}


def update(request):
    obj = load(request["id"])
    obj["content"] = request["config"].get("resource", {}).get("config", {})
    with open(path_of(obj["dir"], obj["id"]), "w") as f:
        json.dump(obj, f)
    return answer(obj)


def delete(request):
    try:
        os.remove(path_of(os.environ.get("FILE_PROVIDER_DIR", "objects"),
                          request["id"]))
    except FileNotFoundError:
        pass
    return {}


def find(request):
    directory = os.environ.get("FILE_PROVIDER_DIR", "objects")
    wanted = request.get("tags", {})
    found = []
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            with open(os.path.join(directory, name)) as f:
                obj = json.load(f)
            if all(obj["tags"].get(k) == v for k, v in wanted.items()):
                found.append(answer(obj))
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
        print(json.dumps({"error": str(e)}))


if __name__ == "__main__":
    main()
