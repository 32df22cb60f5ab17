#include "providers/docker_engines.h"

namespace occam {

bool DockerEngines::IsDefault(const std::string& endpoint) const {
  DockerEndpoint e;
  return endpoint.empty() ||
         (ParseDockerEndpoint(endpoint, default_socket_, &e).ok() &&
          e.socket_path == default_socket_);
}

Status DockerEngines::ClientFor(const std::string& endpoint,
                                DockerClient* out) {
  DockerEndpoint e;
  Status s = ParseDockerEndpoint(endpoint, default_socket_, &e);
  if (!s.ok()) return s;
  if (!IsDefault(endpoint)) {
    std::lock_guard<std::mutex> lock(mu_);
    others_.insert(endpoint);
  }
  *out = DockerClient(e);
  return Status::Ok();
}

std::string DockerEngines::MakeId(const std::string& endpoint,
                                  const std::string& object) const {
  return IsDefault(endpoint) ? object : endpoint + "#" + object;
}

Status DockerEngines::Locate(const std::string& id, DockerClient* client,
                             std::string* object) {
  size_t hash = id.rfind('#');
  *object = hash == std::string::npos ? id : id.substr(hash + 1);
  if (object->empty() || object->find('/') != std::string::npos) {
    return Status::InvalidArgument("'" + id + "' is not a docker object id");
  }
  return ClientFor(hash == std::string::npos ? "" : id.substr(0, hash),
                   client);
}

std::vector<std::string> DockerEngines::Known() {
  std::vector<std::string> out{""};
  std::lock_guard<std::mutex> lock(mu_);
  out.insert(out.end(), others_.begin(), others_.end());
  return out;
}

}  // namespace occam
