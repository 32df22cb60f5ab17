// An instance's `files` inside a container, and its `reload`: how the
// docker provider reconfigures a container in place instead of replacing
// it (the load balancer that follows the app instances).
//
//   files:  {"/usr/local/etc/haproxy/haproxy.cfg": "{{ ... }}"}
//           absolute paths in the container, written through the Engine's
//           archive API (mode 0644, owner root) before the container
//           starts, and again on an update;
//   reload: {signal: HUP}          sent to the container's command (the
//                                  init process passes it on);
//           {command: [...]}       run in the container (docker exec); a
//                                  non-zero exit fails the update;
//           {restart: true}        the container restarts (same id, same
//                                  published ports).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "providers/docker_client.h"

namespace occam {

// The tar archive of `files` (null: none, "" as the archive); `address`
// names the instance in errors. Checked before a container is made.
Status ContainerFilesArchive(const nlohmann::json& files,
                             const std::string& address, std::string* tar);
// Writes an archive ContainerFilesArchive made into `container`.
Status PutContainerFiles(const DockerClient& client,
                         const std::string& container, const std::string& tar);

// Whether `reload` (null: none) says one of the three things above.
Status CheckContainerReload(const nlohmann::json& reload,
                            const std::string& address);
// Carries out `reload` on a running `container`; `grace_seconds` bounds a
// restart's stop.
Status ReloadContainer(const DockerClient& client, const std::string& container,
                       const nlohmann::json& reload, int grace_seconds,
                       const std::string& address);

}  // namespace occam
