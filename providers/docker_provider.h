// The docker provider: each instance is a container on a Docker Engine, as
// Occopus's docker resource describes it (endpoint, origin, image, tag;
// contextualisation env and command), made through the Engine's HTTP API.
// occam adds `ports` (published on 127.0.0.1), `grace_period` (seconds
// between SIGTERM and SIGKILL on delete, default 2), and `files` with
// `reload` (container_files.h), so that a change to the files only is
// made in place.
//
// Ownership tags are container labels. Containers run with an init process
// (HostConfig.Init), so that a shell or httpd as the command still stops on
// SIGTERM. A container that has exited reads as drifted.
//
// Ids are the container id for the default engine, "ENDPOINT#ID" for
// others; FindByTags searches the default engine and every engine this
// provider has used.
#pragma once

#include <mutex>

#include "providers/docker_engines.h"
#include "providers/provider.h"

namespace occam {

class DockerProvider : public Provider {
 public:
  explicit DockerProvider(ProviderOptions options)
      : options_(std::move(options)), engines_(options_.docker_socket) {}

  Status Create(const ResourceRequest& request, ResourceObject* out) override;
  Status Read(const std::string& id, ResourceObject* out) override;
  // Rewrites `files` and carries out `reload` (container_files.h); any
  // other change replaces the container.
  Status Update(const std::string& id, const ResourceRequest& request,
                ResourceObject* out) override;
  Status Delete(const std::string& id) override;
  // A container's name or id on the configured engine: its image and
  // command stand in for the configured ones.
  Status Import(const std::string& user_id, const nlohmann::json& config,
                ResourceObject* out, nlohmann::json* observed) override;
  Status FindByTags(const OwnershipTags& tags,
                    std::vector<ResourceObject>* out) override;

 private:
  Status Inspect(const DockerClient& client, const std::string& container,
                 const std::string& id, ResourceObject* out);

  ProviderOptions options_;
  DockerEngines engines_;
  std::mutex image_mu_;  // one image import at a time
};

}  // namespace occam
