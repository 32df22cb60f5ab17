// How the docker and docker_service providers read an instance's rendered
// configuration (Occopus's docker resource and docker contextualisation)
// into Docker Engine API values, and how they make sure the image is there.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "providers/docker_client.h"
#include "providers/provider.h"

namespace occam {

// "image:tag" from the resource's `image` and `tag` (default "latest").
std::string ImageReference(const nlohmann::json& resource);
// Contextualisation `env` as "K=V" strings: a list as Occopus writes it
// (["message=hi"]) or a mapping.
std::vector<std::string> ContainerEnv(const nlohmann::json& env);
// Contextualisation `command` as argv: a list, or a string split on
// blanks with single and double quotes grouping ("sh -c 'a b'").
Status ContainerCommand(const nlohmann::json& command,
                        std::vector<std::string>* argv);
// Occam's labels for an object: the ownership tags.
nlohmann::json Labels(const OwnershipTags& tags);
// The ownership tags among an object's labels.
OwnershipTags TagsFromLabels(const nlohmann::json& labels);
// A `filters` query value selecting objects labelled with all of `tags`.
std::string LabelFilter(const OwnershipTags& tags);

// A published port: "8080:80", "80" (host port = container port) or
// {published: 8080, target: 80}.
struct PortMapping {
  int published = 0;
  int target = 0;
};
Status ParsePorts(const nlohmann::json& ports, std::vector<PortMapping>* out);

// Makes sure image `reference` is on the engine. When it is missing,
// `origin` says where it comes from: "local" (it must already be there:
// an error says how to load it), "dockerhub" (pulled), an http(s) URL of a
// root filesystem tarball (imported by the engine, as Occopus does), or a
// file path / file:// URL of one (uploaded; relative to `base_dir`).
// Serialised per engine so parallel creates import an image once.
Status EnsureImage(const DockerClient& client, const std::string& reference,
                   const std::string& origin, const std::string& base_dir,
                   std::mutex* mu);

}  // namespace occam
