// DockerEngines are the Docker Engines a provider talks to: the default
// local socket, and any endpoint an instance's configuration names. Object
// ids carry their engine when it is not the default ("ENDPOINT#ID"), since
// Read and Delete get only the id. Thread-safe.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "providers/docker_client.h"

namespace occam {

class DockerEngines {
 public:
  explicit DockerEngines(std::string default_socket)
      : default_socket_(std::move(default_socket)) {}

  // The client for `endpoint` ("" = the default socket); remembers it.
  Status ClientFor(const std::string& endpoint, DockerClient* out);
  // The id of object `object` on `endpoint`.
  std::string MakeId(const std::string& endpoint,
                     const std::string& object) const;
  // The client and object id named by `id`.
  Status Locate(const std::string& id, DockerClient* client,
                std::string* object);
  // "" (the default) and every other endpoint used so far.
  std::vector<std::string> Known();

 private:
  bool IsDefault(const std::string& endpoint) const;

  std::string default_socket_;
  std::mutex mu_;
  std::set<std::string> others_;
};

}  // namespace occam
