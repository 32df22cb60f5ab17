// The rendered configuration of one instance: what its provider is given
// and what a plan compares with the state. Shaped as
// {"resource": {…}, "contextualisation": {…}, "config_management": {…},
//  "health_check": {…}}, each section present when the implementation has
// it ("type" of the resource is the provider, not an attribute).
#pragma once

#include <nlohmann/json.hpp>

#include "base/diagnostic.h"
#include "descriptor/descriptor.h"
#include "template/template.h"

namespace occam {

struct InstanceConfig {
  // Unknown leaves are left out of objects and null in lists.
  nlohmann::json value = nlohmann::json::object();
  // Mirrors of `value`: true where a leaf is known only after apply /
  // holds a secret; containers only where they hold such a leaf.
  nlohmann::json unknown = nlohmann::json::object();
  nlohmann::json sensitive = nlohmann::json::object();
};

// Renders every string of `node`'s chosen implementation with `scope`.
// Template errors are reported at the string's position, naming the node.
bool RenderInstanceConfig(const NodeSpec& node, const TemplateScope& scope,
                          InstanceConfig* out, Diagnostics* diags);

// Whether `node`'s count is an attribute of one object rather than a number
// of objects: a replicated docker_service, whose replica count it is.
bool CountIsAttribute(const NodeSpec& node);
// Puts `count` in the configuration where the provider reads it
// (resource.replicas) when CountIsAttribute(node).
void SetCountAttribute(const NodeSpec& node, int count, nlohmann::json* value);

}  // namespace occam
