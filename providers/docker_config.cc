#include "providers/docker_config.h"

#include <filesystem>

namespace occam {

using nlohmann::json;

std::string ImageReference(const json& resource) {
  std::string image = resource.value("image", "");
  std::string tag = "latest";
  if (resource.contains("tag") && !resource["tag"].is_null()) {
    tag = resource["tag"].is_string() ? resource["tag"].get<std::string>()
                                      : resource["tag"].dump();
  }
  return image + ":" + tag;
}

namespace {
std::string Text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}
}  // namespace

std::vector<std::string> ContainerEnv(const json& env) {
  std::vector<std::string> out;
  if (env.is_array()) {
    for (const json& e : env) out.push_back(Text(e));
  } else if (env.is_object()) {
    for (const auto& [k, v] : env.items()) out.push_back(k + "=" + Text(v));
  }
  return out;
}

Status ContainerCommand(const json& command, std::vector<std::string>* argv) {
  argv->clear();
  if (command.is_null()) return Status::Ok();
  if (command.is_array()) {
    for (const json& a : command) argv->push_back(Text(a));
    return Status::Ok();
  }
  std::string text = Text(command), word;
  bool in_word = false;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) argv->push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) {
    return Status::InvalidArgument("command '" + text +
                                   "' has an unclosed quote");
  }
  if (in_word) argv->push_back(word);
  return Status::Ok();
}

json Labels(const OwnershipTags& tags) {
  json labels = json::object();
  for (const auto& [k, v] : tags) labels[k] = v;
  return labels;
}

OwnershipTags TagsFromLabels(const json& labels) {
  OwnershipTags tags;
  if (!labels.is_object()) return tags;
  for (const char* key : {kLineageTag, kAddressTag}) {
    if (labels.contains(key) && labels[key].is_string()) {
      tags[key] = labels[key].get<std::string>();
    }
  }
  return tags;
}

std::string LabelFilter(const OwnershipTags& tags) {
  json labels = json::array();
  for (const auto& [k, v] : tags) labels.push_back(k + "=" + v);
  return UrlEncode(json{{"label", labels}}.dump());
}

namespace {
bool ParsePort(const json& v, int* port) {
  if (v.is_number_integer()) {
    *port = v.get<int>();
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos ||
        s.size() > 5) {
      return false;
    }
    *port = std::stoi(s);
  } else {
    return false;
  }
  return *port > 0 && *port < 65536;
}
}  // namespace

Status ParsePorts(const json& ports, std::vector<PortMapping>* out) {
  out->clear();
  if (ports.is_null()) return Status::Ok();
  if (!ports.is_array()) {
    return Status::InvalidArgument("ports must be a list such as [\"8080:80\"]");
  }
  for (const json& p : ports) {
    PortMapping m;
    bool ok;
    if (p.is_object()) {
      ok = ParsePort(p.value("published", json()), &m.published) &&
           ParsePort(p.value("target", json()), &m.target);
    } else if (p.is_string() && p.get<std::string>().find(':') !=
                                    std::string::npos) {
      std::string s = p.get<std::string>();
      size_t colon = s.find(':');
      ok = ParsePort(s.substr(0, colon), &m.published) &&
           ParsePort(s.substr(colon + 1), &m.target);
    } else {
      ok = ParsePort(p, &m.target);
      m.published = m.target;
    }
    if (!ok) {
      return Status::InvalidArgument(
          "port " + p.dump() +
          " is not HOST:CONTAINER, a port number or {published, target}");
    }
    out->push_back(m);
  }
  return Status::Ok();
}

namespace {

Status ImportImage(const DockerClient& client, const std::string& reference,
                   const std::string& origin, const std::string& base_dir) {
  size_t colon = reference.rfind(':');
  std::string query = "repo=" + UrlEncode(reference.substr(0, colon)) +
                      "&tag=" + UrlEncode(reference.substr(colon + 1));
  json answer;
  if (origin == "dockerhub") {
    return client.Call("POST",
                       "/images/create?fromImage=" +
                           UrlEncode(reference.substr(0, colon)) + "&tag=" +
                           UrlEncode(reference.substr(colon + 1)),
                       json(), &answer, 600);
  }
  if (origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0) {
    return client.Call("POST",
                       "/images/create?fromSrc=" + UrlEncode(origin) + "&" +
                           query,
                       json(), &answer, 600);
  }
  std::string path = origin.rfind("file://", 0) == 0 ? origin.substr(7)
                                                      : origin;
  std::filesystem::path file(path);
  if (file.is_relative()) file = std::filesystem::path(base_dir) / file;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Status::NotFound("image " + reference + " is not on the engine " +
                            "and origin '" + origin +
                            "' is not a tarball occam can read (" +
                            file.string() + ")");
  }
  return client.Upload("/images/create?fromSrc=-&" + query, file.string(),
                       &answer);
}

}  // namespace

Status EnsureImage(const DockerClient& client, const std::string& reference,
                   const std::string& origin, const std::string& base_dir,
                   std::mutex* mu) {
  std::lock_guard<std::mutex> lock(*mu);
  json answer;
  Status s = client.Call("GET", "/images/" + reference + "/json", json(),
                         &answer);
  if (s.ok() || !s.IsNotFound()) return s;
  if (origin.empty() || origin == "local") {
    return Status::NotFound(
        "image " + reference + " is not on the Docker Engine at " +
        client.endpoint().display +
        "; load it there (docker load, docker import) or set the resource's "
        "origin to a tarball (a path or URL) or to dockerhub");
  }
  s = ImportImage(client, reference, origin, base_dir);
  if (!s.ok()) {
    return Status::Unavailable("cannot get image " + reference + " from " +
                               origin + ": " + s.message());
  }
  return Status::Ok();
}

}  // namespace occam
