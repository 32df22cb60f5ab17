#include "providers/provider.h"

#include "providers/docker_provider.h"
#include "providers/docker_service_provider.h"
#include "providers/dummy_provider.h"
#include "providers/ec2_provider.h"
#include "providers/exec_provider.h"
#include "providers/process_provider.h"
#include "providers/resource_schema.h"

namespace occam {

OwnershipTags MakeOwnershipTags(const std::string& lineage,
                                const std::string& address) {
  return {{kLineageTag, lineage}, {kAddressTag, address}};
}

void Provider::ReadMany(const std::vector<std::string>& ids,
                        std::vector<Status>* statuses,
                        std::vector<ResourceObject>* objects) {
  statuses->assign(ids.size(), Status::Ok());
  objects->assign(ids.size(), ResourceObject());
  for (size_t i = 0; i < ids.size(); ++i) {
    (*statuses)[i] = Read(ids[i], &(*objects)[i]);
  }
}

ProviderRegistry::ProviderRegistry(ProviderOptions options)
    : options_(std::move(options)) {}

void ProviderRegistry::Set(const std::string& type,
                           std::unique_ptr<Provider> provider) {
  std::lock_guard<std::mutex> lock(mu_);
  providers_[type] = std::move(provider);
}

Provider* ProviderRegistry::Find(const std::string& type, std::string* why) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = providers_.find(type);
  if (it != providers_.end()) return it->second.get();
  std::unique_ptr<Provider> made;
  if (type == "dummy") made = std::make_unique<DummyProvider>();
  if (type == "process") made = std::make_unique<ProcessProvider>(options_);
  if (type == "exec") made = std::make_unique<ExecProvider>();
  if (type == "ec2") made = std::make_unique<Ec2Provider>(options_);
  if (type == "docker") made = std::make_unique<DockerProvider>(options_);
  if (type == "docker_service") {
    made = std::make_unique<DockerServiceProvider>(options_);
  }
  if (!made) {
    const ResourceSchema* schema = FindResourceSchema(type);
    *why = schema && schema->cloud
               ? "occam can plan resource type '" + type +
                     "' but has no provider to apply it yet; use ec2, process, "
                     "docker, docker_service, exec or dummy, or write an exec "
                     "provider for it (docs/providers.md)"
               : "no provider for resource type '" + type + "'";
    return nullptr;
  }
  Provider* out = made.get();
  providers_[type] = std::move(made);
  return out;
}

}  // namespace occam

namespace occam {

Status Provider::Import(const std::string& user_id, const nlohmann::json& config,
                        ResourceObject* out, nlohmann::json* observed) {
  (void)user_id;
  (void)config;
  (void)out;
  (void)observed;
  return Status::InvalidArgument(
      "this resource type cannot import existing objects yet (occam imports "
      "process and docker objects)");
}

}  // namespace occam
