#include "providers/swarm_configs.h"

#include "base/base64.h"
#include "base/json_fields.h"
#include "base/sha256.h"
#include "providers/docker_config.h"

namespace occam {
namespace {

using nlohmann::json;

constexpr size_t kMaxConfigBytes = 500 * 1024;

std::string Text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// The id of config `name`, made with `data` unless it exists.
Status EnsureConfig(const DockerClient& client, const std::string& name,
                    const std::string& data, const OwnershipTags& tags,
                    std::string* id) {
  json created;
  Status s = client.Call("POST", "/configs/create",
                         {{"Name", name},
                          {"Labels", Labels(tags)},
                          {"Data", Base64Encode(data)}},
                         &created);
  if (s.ok()) {
    *id = JsonString(created, "ID");
    return Status::Ok();
  }
  if (s.code() != Status::Code::kBusy) return s;  // 409: it exists, with this very content
  json found;
  s = client.Call("GET",
                  "/configs?filters=" + UrlEncode(json{{"name", {name}}}.dump()),
                  json(), &found);
  if (!s.ok()) return s;
  for (const json& c : found) {
    if (JsonString(JsonField(c, "Spec"), "Name") == name) {
      *id = JsonString(c, "ID");
      return Status::Ok();
    }
  }
  return Status::Unavailable("swarm config " + name + " vanished while in use");
}

}  // namespace

Status CheckServiceFiles(const json& files, const std::string& address) {
  if (files.is_null()) return Status::Ok();
  if (!files.is_object()) {
    return Status::InvalidArgument(address + ": files must map paths to texts");
  }
  for (const auto& [path, text] : files.items()) {
    if (path.empty() || path[0] != '/' || path.find("/../") != std::string::npos ||
        (path.size() >= 3 && path.compare(path.size() - 3, 3, "/..") == 0)) {
      return Status::InvalidArgument(
          address + ": files: '" + path +
          "' must be an absolute path in the container, without '..'");
    }
    if (Text(text).size() > kMaxConfigBytes) {
      return Status::InvalidArgument(address + ": files: '" + path +
                                     "' is larger than a swarm config may be "
                                     "(500 KiB)");
    }
  }
  return Status::Ok();
}

Status MakeSwarmConfigs(const DockerClient& client, const json& files,
                        const std::string& service_name,
                        const OwnershipTags& tags, json* refs) {
  *refs = json::array();
  if (files.is_null()) return Status::Ok();
  for (const auto& [path, text] : files.items()) {
    std::string data = Text(text);
    std::string name =
        service_name + "-" + Sha256Hex(path + '\0' + data).substr(0, 16);
    std::string id;
    Status s = EnsureConfig(client, name, data, tags, &id);
    if (!s.ok()) return s;
    refs->push_back({{"File", {{"Name", path}, {"UID", "0"}, {"GID", "0"},
                               {"Mode", 0444}}},
                     {"ConfigID", id},
                     {"ConfigName", name}});
  }
  return Status::Ok();
}

std::set<std::string> SwarmConfigIds(const json& spec) {
  std::set<std::string> ids;
  const json& refs = JsonField(
      JsonField(JsonField(spec, "TaskTemplate"), "ContainerSpec"), "Configs");
  if (!refs.is_array()) return ids;
  for (const json& r : refs) ids.insert(JsonString(r, "ConfigID"));
  ids.erase("");
  return ids;
}

void RemoveSwarmConfigs(const DockerClient& client,
                        const std::set<std::string>& ids) {
  for (const std::string& id : ids) {
    client.Call("DELETE", "/configs/" + id, json(), nullptr);
  }
}

}  // namespace occam
