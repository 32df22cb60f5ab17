// An instance's `files` in a swarm service: one swarm config per file
// (POST /configs/create), mounted at its path in every task. Configs are
// named by the service and their content, so an update that leaves the
// files alone leaves the service's task template alone (no restart); a
// changed file is a new config, and the swarm rolls the tasks onto it —
// the docker_service provider's "restart" reload.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "base/status.h"
#include "providers/docker_client.h"
#include "providers/provider.h"

namespace occam {

// Checks `files` (null: none): absolute paths, at most 500 KiB each (the
// swarm's limit); `address` names the instance in errors.
Status CheckServiceFiles(const nlohmann::json& files, const std::string& address);

// Makes (or finds) the configs of `files` for service `service_name` and
// sets `*refs` to the task template's ContainerSpec.Configs.
Status MakeSwarmConfigs(const DockerClient& client, const nlohmann::json& files,
                        const std::string& service_name,
                        const OwnershipTags& tags, nlohmann::json* refs);

// The config ids a ServiceSpec refers to.
std::set<std::string> SwarmConfigIds(const nlohmann::json& spec);

// Removes the configs `ids` no service uses any more; configs still in use
// (or already gone) are left alone.
void RemoveSwarmConfigs(const DockerClient& client,
                        const std::set<std::string>& ids);

}  // namespace occam
