#include "cli/state_outputs.h"

#include <algorithm>
#include <set>

#include "cli/command.h"
#include "cli/plan_render.h"

namespace occam {

using nlohmann::json;

namespace {

std::vector<const ResourceInstance*> Ordered(const StateSnapshot& state,
                                             const std::string& node) {
  std::vector<const ResourceInstance*> out = state.InstancesOf(node);
  std::sort(out.begin(), out.end(),
            [](auto* a, auto* b) { return a->index < b->index; });
  return out;
}

std::set<std::string> Nodes(const StateSnapshot& state) {
  std::set<std::string> nodes;
  for (const auto& [address, r] : state.instances) nodes.insert(r.node);
  return nodes;
}

}  // namespace

json NodeOutputValue(const StateSnapshot& state, const std::string& node) {
  json list = json::array();
  for (const ResourceInstance* r : Ordered(state, node)) {
    json entry = r->outputs.value().is_object() ? r->outputs.value() : json::object();
    entry["address"] = r->address;
    entry["index"] = r->index;
    entry["id"] = r->provider_id;
    entry["status"] = InstanceStatusName(r->status);
    entry["endpoint"] = InstanceEndpoint(r->outputs.value());
    list.push_back(std::move(entry));
  }
  return list;
}

json CtyType(const json& value) {
  if (value.is_string()) return "string";
  if (value.is_number()) return "number";
  if (value.is_boolean()) return "bool";
  if (value.is_array()) {
    json types = json::array();
    for (const json& v : value) types.push_back(CtyType(v));
    return json::array({"tuple", types});
  }
  if (value.is_object()) {
    json fields = json::object();
    for (const auto& [k, v] : value.items()) fields[k] = CtyType(v);
    return json::array({"object", fields});
  }
  return "dynamic";
}

json OutputsJson(const StateSnapshot& state) {
  json out = json::object();
  for (const std::string& node : Nodes(state)) {
    json value = NodeOutputValue(state, node);
    out[node] = {{"sensitive", false}, {"type", CtyType(value)}, {"value", value}};
  }
  return out;
}

namespace {

std::string Field(const std::string& name, const std::string& value) {
  return "    " + name + std::string(15 - name.size(), ' ') + "= " + value + "\n";
}

}  // namespace

std::string InstanceText(const ResourceInstance& r) {
  json tags(r.tags);
  return "# " + r.address + ":\nresource \"" + r.provider + "\" \"" + r.node +
         "\" {\n" + Field("index", std::to_string(r.index)) +
         Field("status", "\"" + InstanceStatusName(r.status) + "\"") +
         Field("provider_id", json(r.provider_id).dump()) +
         Field("created_serial", std::to_string(r.created_serial)) +
         Field("attributes",
               MaskSensitive(r.attributes.value(), r.sensitive.value()).dump(4)) +
         Field("outputs", r.outputs.value().dump(4)) + Field("tags", tags.dump(4)) +
         "}\n";
}

json StateJson(const StateSnapshot& state) {
  json resources = json::array();
  for (const std::string& node : Nodes(state)) {
    for (const ResourceInstance* r : Ordered(state, node)) {
      json sensitive = r->sensitive.value().is_null() ? json::object() : r->sensitive.value();
      resources.push_back(
          {{"address", r->address},
           {"mode", "managed"},
           {"type", r->provider},
           {"name", r->node},
           {"index", r->index},
           {"provider_name", "occam.local/providers/" + r->provider},
           {"schema_version", 0},
           {"values", MaskSensitive(r->attributes.value(), sensitive)},
           {"sensitive_values", sensitive},
           {"depends_on", r->dependencies},
           {"tainted", r->status == InstanceStatus::kTainted},
           {"occam",
            {{"status", InstanceStatusName(r->status)},
             {"id", r->provider_id},
             {"outputs", r->outputs.value()}}}});
    }
  }
  json outputs = json::object();
  json all = OutputsJson(state);
  for (auto& [node, o] : all.items()) {
    outputs[node] = {{"sensitive", false}, {"value", o["value"]}, {"type", o["type"]}};
  }
  return {{"format_version", "1.0"},
          {"terraform_version", kTerraformFormatsVersion},
          {"occam_version", kVersion},
          {"occam", {{"lineage", state.lineage}, {"serial", state.serial},
                     {"infra_id", state.infra_id}}},
          {"values", {{"outputs", outputs}, {"root_module", {{"resources", resources}}}}}};
}

}  // namespace occam
