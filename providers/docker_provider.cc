#include "providers/docker_provider.h"

#include <cctype>

#include "base/json_fields.h"
#include "base/uuid.h"
#include "providers/container_files.h"
#include "providers/docker_config.h"

namespace occam {
namespace {

using nlohmann::json;

constexpr double kDefaultGraceSeconds = 2;

// A container name from the address: "App[2]" -> "app-2-1a2b3c4d"; the
// random part keeps a replacement from colliding with its predecessor.
// Occopus names may hold capitals and start with '-'; Docker's may not
// start with '-', and lower case reads as every other Docker name.
std::string ContainerName(const std::string& address) {
  std::string name;
  for (char c : address) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (c == '[') {
      name += '-';
    }
  }
  if (name.empty() || name[0] == '-') name = "occam" + name;
  return name + "-" + NewUuid().substr(0, 8);
}

std::string ConfigText(const json& section, const char* key) {
  if (!section.is_object() || !section.contains(key)) return "";
  const json& v = section[key];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

// The Engine's create body for the instance.
Status ContainerSpec(const ResourceRequest& request, const std::string& image,
                     json* body) {
  const json& resource = request.config.value("resource", json::object());
  json context = request.config.value("contextualisation", json::object());
  std::vector<std::string> argv;
  Status s = ContainerCommand(context.value("command", json()), &argv);
  std::vector<PortMapping> ports;
  if (s.ok()) s = ParsePorts(resource.value("ports", json()), &ports);
  if (!s.ok()) return s;
  double grace = resource.value("grace_period", kDefaultGraceSeconds);
  json host = {{"Init", true}, {"PortBindings", json::object()}};
  json exposed = json::object();
  for (const PortMapping& p : ports) {
    std::string key = std::to_string(p.target) + "/tcp";
    exposed[key] = json::object();
    host["PortBindings"][key] = json::array(
        {{{"HostIp", "127.0.0.1"}, {"HostPort", std::to_string(p.published)}}});
  }
  *body = {{"Image", image},
           {"Env", ContainerEnv(context.value("env", json()))},
           {"Labels", Labels(request.tags)},
           {"StopTimeout", static_cast<int>(grace + 0.999)},
           {"ExposedPorts", exposed},
           {"HostConfig", host}};
  if (!argv.empty()) (*body)["Cmd"] = argv;
  return Status::Ok();
}

// ip (the container's address on its network), name, image and the
// published ports of an inspected container.
json ContainerOutputs(const json& info) {
  json outputs = json::object();
  const json& net = info.value("NetworkSettings", json::object());
  std::string ip = net.value("IPAddress", "");
  if (ip.empty() && net.contains("Networks") && net["Networks"].is_object()) {
    for (const auto& [name, n] : net["Networks"].items()) {
      ip = n.value("IPAddress", "");
      if (!ip.empty()) break;
    }
  }
  outputs["ip"] = ip.empty() ? "127.0.0.1" : ip;
  std::string name = info.value("Name", "");
  outputs["name"] = name.rfind('/', 0) == 0 ? name.substr(1) : name;
  outputs["image"] = info.value("Config", json::object()).value("Image", "");
  json published = json::object();
  if (net.contains("Ports") && net["Ports"].is_object()) {
    for (const auto& [key, bindings] : net["Ports"].items()) {
      if (!bindings.is_array() || bindings.empty()) continue;
      published[key] = bindings[0].value("HostPort", "");
    }
  }
  if (!published.empty()) outputs["ports"] = published;
  return outputs;
}

}  // namespace

Status DockerProvider::Create(const ResourceRequest& request,
                              ResourceObject* out) {
  const json& resource = request.config.value("resource", json::object());
  std::string endpoint = ConfigText(resource, "endpoint");
  DockerClient client{DockerEndpoint{}};
  Status s = engines_.ClientFor(endpoint, &client);
  std::string image = ImageReference(resource);
  if (s.ok()) {
    s = EnsureImage(client, image, ConfigText(resource, "origin"),
                    options_.state_dir, &image_mu_);
  }
  json body;
  std::string files;
  if (s.ok()) s = ContainerSpec(request, image, &body);
  if (s.ok()) {
    s = ContainerFilesArchive(JsonField(resource, "files"), request.address,
                              &files);
  }
  if (s.ok()) s = CheckContainerReload(JsonField(resource, "reload"), request.address);
  json created;
  if (s.ok()) {
    s = client.Call("POST",
                    "/containers/create?name=" +
                        UrlEncode(ContainerName(request.address)),
                    body, &created);
  }
  if (!s.ok()) return s;
  std::string container = created.value("Id", "");
  s = PutContainerFiles(client, container, files);
  if (s.ok()) {
    s = client.Call("POST", "/containers/" + container + "/start", json(),
                    nullptr);
  }
  if (!s.ok()) {
    client.Call("DELETE", "/containers/" + container + "?force=1&v=1", json(),
                nullptr);
    return Status::Unavailable("container for " + request.address +
                               " did not start: " + s.message());
  }
  return Inspect(client, container, engines_.MakeId(endpoint, container), out);
}

Status DockerProvider::Import(const std::string& user_id, const json& config,
                              ResourceObject* out, json* observed) {
  const json& resource = config.value("resource", json::object());
  std::string endpoint = ConfigText(resource, "endpoint");
  DockerClient client{DockerEndpoint{}};
  Status s = engines_.ClientFor(endpoint, &client);
  json info;
  if (s.ok()) {
    s = client.Call("GET", "/containers/" + UrlEncode(user_id) + "/json", json(), &info);
  }
  if (s.IsNotFound() || (s.ok() && info.value("Id", "").empty())) {
    return Status::NotFound("no container " + user_id + " on " +
                            (endpoint.empty() ? "the local Docker Engine" : endpoint));
  }
  if (s.ok()) s = Inspect(client, info["Id"], engines_.MakeId(endpoint, info["Id"]), out);
  if (!s.ok()) return s;
  *observed = config;
  const json& seen = info.value("Config", json::object());
  std::string image = seen.value("Image", "");
  if (image != ImageReference(resource)) {
    (*observed)["resource"]["image"] = image;
    (*observed)["resource"].erase("tag");
  }
  json context = config.value("contextualisation", json::object());
  std::vector<std::string> configured;
  if (context.contains("command") && ContainerCommand(context["command"], &configured).ok()) {
    json cmd = seen.value("Cmd", json::array());
    if (cmd != json(configured)) (*observed)["contextualisation"]["command"] = cmd;
  }
  return Status::Ok();
}

Status DockerProvider::Inspect(const DockerClient& client,
                               const std::string& container,
                               const std::string& id, ResourceObject* out) {
  json info;
  Status s = client.Call("GET", "/containers/" + container + "/json", json(),
                         &info);
  if (!s.ok()) return s;
  out->id = id;
  out->outputs = ContainerOutputs(info);
  out->tags = TagsFromLabels(
      info.value("Config", json::object()).value("Labels", json::object()));
  out->drift.clear();
  const json& state = info.value("State", json::object());
  if (!state.value("Running", false)) {
    out->drift = "container " + out->outputs["name"].get<std::string>() +
                 " is " + state.value("Status", "not running") +
                 " (exit code " + std::to_string(state.value("ExitCode", 0)) +
                 ")";
  }
  return Status::Ok();
}

Status DockerProvider::Read(const std::string& id, ResourceObject* out) {
  DockerClient client{DockerEndpoint{}};
  std::string container;
  Status s = engines_.Locate(id, &client, &container);
  if (!s.ok()) return s;
  return Inspect(client, container, id, out);
}

// Only `files` change in place, and only with `reload` (the planner
// replaces the container for anything else): write them, then reload.
Status DockerProvider::Update(const std::string& id,
                              const ResourceRequest& request,
                              ResourceObject* out) {
  const json& resource = JsonField(request.config, "resource");
  const json& reload = JsonField(resource, "reload");
  if (!reload.is_object()) {
    return Status::InvalidArgument("container " + id + " cannot change in "
                                   "place without reload; it is replaced");
  }
  DockerClient client{DockerEndpoint{}};
  std::string container;
  std::string files;
  Status s = ContainerFilesArchive(JsonField(resource, "files"),
                                   request.address, &files);
  if (s.ok()) s = engines_.Locate(id, &client, &container);
  if (s.ok()) s = PutContainerFiles(client, container, files);
  double grace = resource.value("grace_period", kDefaultGraceSeconds);
  if (s.ok()) {
    s = ReloadContainer(client, container, reload,
                        static_cast<int>(grace + 0.999), request.address);
  }
  if (!s.ok()) return s;
  return Inspect(client, container, id, out);
}

Status DockerProvider::Delete(const std::string& id) {
  DockerClient client{DockerEndpoint{}};
  std::string container;
  Status s = engines_.Locate(id, &client, &container);
  if (!s.ok()) return s;
  // SIGTERM, then SIGKILL after the container's StopTimeout.
  s = client.Call("POST", "/containers/" + container + "/stop", json(),
                  nullptr);
  if (s.IsNotFound()) return Status::Ok();
  s = client.Call("DELETE", "/containers/" + container + "?force=1&v=1",
                  json(), nullptr);
  return s.IsNotFound() ? Status::Ok() : s;
}

Status DockerProvider::FindByTags(const OwnershipTags& tags,
                                  std::vector<ResourceObject>* out) {
  out->clear();
  for (const std::string& endpoint : engines_.Known()) {
    DockerClient client{DockerEndpoint{}};
    Status s = engines_.ClientFor(endpoint, &client);
    json list;
    if (s.ok()) {
      s = client.Call("GET",
                      "/containers/json?all=1&filters=" + LabelFilter(tags),
                      json(), &list);
    }
    if (!s.ok()) return s;
    for (const json& c : list) {
      ResourceObject o;
      o.id = engines_.MakeId(endpoint, c.value("Id", ""));
      o.tags = TagsFromLabels(c.value("Labels", json::object()));
      if (c.value("State", "") != "running") o.drift = "not running";
      out->push_back(std::move(o));
    }
  }
  return Status::Ok();
}

}  // namespace occam
