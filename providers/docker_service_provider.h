// The docker_service provider: a node type is one Docker Swarm service.
// In `mode: replicated` (the default) the service's replica count is the
// node type's count, which the planner puts in the configuration as
// `replicas`, so scaling is an in-place update of the service, not a new
// object; `mode: global` runs one task per swarm node. Published ports use
// host mode (the ingress routing mesh needs IPVS, which not every kernel
// has) and bind on every address of the node: use them on hosts you trust.
//
// Create and update wait until the service's tasks run (at most
// `converge_timeout` seconds, default 120); delete waits until its
// containers are gone. Ownership tags are service and container labels.
#pragma once

#include <mutex>

#include "providers/docker_engines.h"
#include "providers/provider.h"

namespace occam {

class DockerServiceProvider : public Provider {
 public:
  explicit DockerServiceProvider(ProviderOptions options)
      : options_(std::move(options)), engines_(options_.docker_socket) {}

  Status Create(const ResourceRequest& request, ResourceObject* out) override;
  Status Read(const std::string& id, ResourceObject* out) override;
  // Image, tag, env, command, ports and replicas change in place.
  Status Update(const std::string& id, const ResourceRequest& request,
                ResourceObject* out) override;
  Status Delete(const std::string& id) override;
  // A service's name or id: its image, command and replica count stand
  // in for the configured ones.
  Status Import(const std::string& user_id, const nlohmann::json& config,
                ResourceObject* out, nlohmann::json* observed) override;
  Status FindByTags(const OwnershipTags& tags,
                    std::vector<ResourceObject>* out) override;

 private:
  Status Describe(const DockerClient& client, const std::string& service,
                  const std::string& id, ResourceObject* out);

  ProviderOptions options_;
  DockerEngines engines_;
  std::mutex image_mu_;
};

}  // namespace occam
