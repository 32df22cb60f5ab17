// Writes attribute values and differences in Terraform's plan notation:
//   + key = "value"            (created)
//   - key = "value"            (destroyed)
//   ~ key = "old" -> "new"     (changed), with nested { } and [ ] blocks.
// Secrets print as (sensitive value), unknown values as
// (known after apply), multi-line strings as <<-EOT heredocs.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace occam {

struct DiffInput {
  nlohmann::json before;  // null when created
  nlohmann::json after;   // null when destroyed
  nlohmann::json after_unknown = nlohmann::json::object();
  nlohmann::json before_sensitive = nlohmann::json::object();
  nlohmann::json after_sensitive = nlohmann::json::object();
  // Paths ("resource.name") whose line ends in "# forces replacement".
  std::set<std::string> forces_replacement;
};

// The lines of an object's attributes at block depth `depth` (1 for the
// attributes of a resource block), each ending in "\n".
std::string RenderAttributeDiff(const DiffInput& input, int depth);

// A value as shown on one line: "text", 12, true, null.
std::string FormatScalar(const nlohmann::json& value);

}  // namespace occam
