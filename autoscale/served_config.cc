#include "autoscale/served_config.h"

#include <nlohmann/json.hpp>

#include "base/json_fields.h"
#include "planner/planner.h"
#include "state/state_settings.h"

namespace occam {

bool LoadServedConfig(const CompileOptions& options,
                      std::shared_ptr<const ServedConfig>* out,
                      Diagnostics* diags) {
  auto config = std::make_shared<ServedConfig>();
  config->options = options;
  if (!CompileDescriptor(options, &config->descriptor, &config->graph, diags)) {
    return false;
  }
  config->digest = DescriptorDigest(config->descriptor);
  *out = std::move(config);
  return true;
}

bool AppliedSource(const StateSnapshot& state, const CompileOptions& base,
                   CompileOptions* out) {
  auto it = state.settings.find(kAppliedSourceSetting);
  if (it == state.settings.end()) return false;
  nlohmann::json j = nlohmann::json::parse(it->second, nullptr, false);
  if (!j.is_object()) return false;
  *out = base;
  out->infra_path = JsonString(j, "infra_file");
  out->nodes_path = JsonString(j, "nodes_file");
  out->variables = VariableOverrides();
  for (const char* key : {"var_assignments", "var_files"}) {
    const nlohmann::json& list = JsonField(j, key);
    if (!list.is_array()) continue;
    for (const nlohmann::json& v : list) {
      if (!v.is_string()) continue;
      (std::string(key) == "var_files" ? out->variables.files
                                       : out->variables.assignments)
          .push_back(v.get<std::string>());
    }
  }
  return !out->infra_path.empty();
}

}  // namespace occam
