#include "cli/plan_render.h"

#include <map>

#include "cli/command.h"

namespace occam {
namespace {

using nlohmann::json;

json Actions(const ResourceChange& c) {
  switch (c.action) {
    case ChangeAction::kNoOp:
      return {"no-op"};
    case ChangeAction::kCreate:
      return {"create"};
    case ChangeAction::kUpdate:
      return {"update"};
    case ChangeAction::kDelete:
      return {"delete"};
    case ChangeAction::kReplace:
      return c.create_before_destroy ? json{"create", "delete"}
                                     : json{"delete", "create"};
  }
  return {"no-op"};
}

// Terraform's action_reason where one fits; "" where Terraform has none.
std::string TerraformReason(const ResourceChange& c) {
  if (c.action == ChangeAction::kReplace) {
    switch (c.reason) {
      case ChangeReason::kTainted:
        return "replace_because_tainted";
      case ChangeReason::kReplaceRequested:
        return "replace_by_request";
      case ChangeReason::kConfigChanged:
        return "replace_because_cannot_update";
      case ChangeReason::kDependencyReplaced:
        return "replace_by_triggers";
      default:
        return "";
    }
  }
  if (c.action == ChangeAction::kDelete) {
    if (c.reason == ChangeReason::kScaleDown) return "delete_because_count_index";
    if (c.reason == ChangeReason::kNodeTypeRemoved) {
      return "delete_because_no_resource_config";
    }
  }
  return "";
}

json Identity(const ResourceChange& c) {
  return {{"address", c.address},
          {"mode", "managed"},
          {"type", c.provider},
          {"name", c.node},
          {"index", c.index},
          {"provider_name", "occam.local/providers/" + c.provider}};
}

// "resource.command[1]" → ["resource", "command", 1]: Terraform's path
// steps.
json PathSteps(const std::string& path) {
  json steps = json::array();
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) break;
      std::string digits = path.substr(i + 1, close - i - 1);
      bool number = !digits.empty() &&
                    digits.find_first_not_of("0123456789") == std::string::npos &&
                    digits.size() < 10;
      if (number) steps.push_back(std::stoi(digits));
      else steps.push_back(digits);
      i = close + 1;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    if (end == std::string::npos) end = path.size();
    steps.push_back(path.substr(i, end - i));
    i = end;
  }
  return steps;
}

json ResourceChangeJson(const ResourceChange& c) {
  json out = Identity(c);
  if (!c.deposed.empty()) out["deposed"] = c.deposed;
  out["change"] = {
      {"actions", Actions(c)},
      {"before", MaskSensitive(c.before, c.before_sensitive)},
      {"after", MaskSensitive(c.after, c.after_sensitive)},
      {"after_unknown", *c.after_unknown},
      {"before_sensitive", c.before->is_null() ? json(false) : *c.before_sensitive},
      {"after_sensitive", c.after->is_null() ? json(false) : *c.after_sensitive}};
  if (c.action == ChangeAction::kReplace && !c.replace_paths.empty()) {
    json paths = json::array();
    for (const std::string& p : c.replace_paths) paths.push_back(PathSteps(p));
    out["change"]["replace_paths"] = paths;
  }
  std::string reason = TerraformReason(c);
  if (!reason.empty()) out["action_reason"] = reason;
  out["occam_reason"] = {
      {"reason", ChangeReasonName(c.reason)},
      {"detail", c.action == ChangeAction::kNoOp ? "unchanged" : WhyText(c)}};
  return out;
}

json StateResource(const ResourceChange& c, const json& values,
                   const json& sensitive) {
  json out = Identity(c);
  out["schema_version"] = 0;
  out["values"] = MaskSensitive(values, sensitive);
  out["sensitive_values"] = sensitive;
  return out;
}

// The node types as Terraform's configuration resources: one per node
// type the plan holds (a node type removed from the descriptor has none),
// with its provider, desired count and dependencies.
json Configuration(const Plan& plan) {
  std::map<std::string, const ResourceChange*> first;
  for (const ResourceChange& c : plan.changes) {
    if (c.reason == ChangeReason::kNodeTypeRemoved || !c.deposed.empty()) continue;
    first.emplace(c.node, &c);
  }
  json providers = json::object(), resources = json::array();
  for (const auto& [node, c] : first) {
    providers[c->provider] = {{"name", c->provider},
                              {"full_name", "occam.local/providers/" + c->provider}};
    auto count = plan.desired_counts.find(node);
    json r = {{"address", node},
              {"mode", "managed"},
              {"type", c->provider},
              {"name", node},
              {"provider_config_key", c->provider},
              {"schema_version", 0},
              {"expressions", json::object()},
              {"count_expression",
               {{"constant_value",
                 count == plan.desired_counts.end() ? 0 : count->second}}}};
    if (!c->dependencies.empty()) r["depends_on"] = c->dependencies;
    resources.push_back(std::move(r));
  }
  return {{"provider_config", providers},
          {"root_module", {{"resources", resources}}}};
}

// Attributes that made a change: Terraform's relevant_attributes.
json RelevantAttributes(const Plan& plan) {
  json out = json::array();
  for (const ResourceChange& c : plan.changes) {
    if (c.action != ChangeAction::kUpdate && c.action != ChangeAction::kReplace) {
      continue;
    }
    for (const std::string& p : c.changed_paths) {
      out.push_back({{"resource", c.address}, {"attribute", PathSteps(p)}});
    }
  }
  return out;
}

}  // namespace

json MaskSensitive(const json& value, const json& sensitive) {
  if (sensitive.is_boolean() && sensitive.get<bool>() && !value.is_null()) {
    return "(sensitive value)";
  }
  if (value.is_object() && sensitive.is_object()) {
    json out = value;
    for (auto& [k, v] : out.items()) {
      if (sensitive.contains(k)) v = MaskSensitive(v, sensitive[k]);
    }
    return out;
  }
  if (value.is_array() && sensitive.is_array()) {
    json out = value;
    for (size_t i = 0; i < out.size() && i < sensitive.size(); ++i) {
      out[i] = MaskSensitive(out[i], sensitive[i]);
    }
    return out;
  }
  return value;
}

namespace {

// Replacements in the order apply makes them.
json RolloutsJson(const Plan& plan) {
  json out = json::array();
  for (const Rollout& r : plan.rollouts) {
    out.push_back({{"node", r.node},
                   {"order", r.order},
                   {"at_once", r.at_once},
                   {"successors_first", r.surge},
                   {"drain_seconds", r.drain_seconds}});
  }
  return out;
}

// The "occam" member: what the plan was made from.
json OccamSection(const Plan& plan) {
  return {{"infra_name", plan.infra_name},
          {"infra_id", plan.infra_id},
          {"lineage", plan.lineage},
          {"serial", plan.serial},
          {"descriptor_digest", plan.descriptor_digest},
          {"desired_counts", plan.desired_counts},
          {"notes", plan.notes},
          {"rollouts", RolloutsJson(plan)}};
}

// Writes "[a,b,…]" of the items `item` makes for the changes it accepts,
// one at a time.
void WriteArray(const Plan& plan, const PlanSink& sink,
                const std::function<bool(const ResourceChange&, json*)>& item) {
  sink("[");
  bool first = true;
  json one;
  for (const ResourceChange& c : plan.changes) {
    if (!item(c, &one)) continue;
    sink((first ? "" : ",") + one.dump());
    first = false;
  }
  sink("]");
}

}  // namespace

// Members in the order nlohmann::json writes them (sorted by key), so that
// the bytes are RenderPlanJson's.
void WritePlanJson(const Plan& plan, const PlanSink& sink) {
  auto planned = [](const ResourceChange& c, json* out) {
    if (c.after->is_null()) return false;
    *out = StateResource(c, c.after, c.after_sensitive);
    return true;
  };
  auto prior = [](const ResourceChange& c, json* out) {
    if (c.before->is_null()) return false;
    *out = StateResource(c, c.before, c.before_sensitive);
    return true;
  };
  auto change = [](const ResourceChange& c, json* out) {
    *out = ResourceChangeJson(c);
    return true;
  };
  const std::string version = json(kTerraformFormatsVersion).dump();
  const std::string occam_version = json(kVersion).dump();
  sink("{\"configuration\":" + Configuration(plan).dump() +
       ",\"errored\":false,\"format_version\":\"1.2\",\"occam\":" +
       OccamSection(plan).dump() + ",\"occam_version\":" + occam_version +
       ",\"planned_values\":{\"root_module\":{\"resources\":");
  WriteArray(plan, sink, planned);
  sink("}},\"prior_state\":{\"format_version\":\"1.0\",\"terraform_version\":" +
       version + ",\"values\":{\"root_module\":{\"resources\":");
  WriteArray(plan, sink, prior);
  sink("}}},\"relevant_attributes\":" + RelevantAttributes(plan).dump() +
       ",\"resource_changes\":");
  WriteArray(plan, sink, change);
  sink(",\"terraform_version\":" + version + "}");
}

json RenderPlanJson(const Plan& plan) {
  json changes = json::array(), planned = json::array(), prior = json::array();
  for (const ResourceChange& c : plan.changes) {
    changes.push_back(ResourceChangeJson(c));
    if (!c.after->is_null()) {
      planned.push_back(StateResource(c, c.after, c.after_sensitive));
    }
    if (!c.before->is_null()) {
      prior.push_back(StateResource(c, c.before, c.before_sensitive));
    }
  }
  return {{"format_version", "1.2"},
          {"terraform_version", kTerraformFormatsVersion},
          {"occam_version", kVersion},
          {"planned_values", {{"root_module", {{"resources", planned}}}}},
          {"resource_changes", changes},
          {"configuration", Configuration(plan)},
          {"relevant_attributes", RelevantAttributes(plan)},
          {"prior_state",
           {{"format_version", "1.0"},
            {"terraform_version", kTerraformFormatsVersion},
            {"values", {{"root_module", {{"resources", prior}}}}}}},
          {"occam", OccamSection(plan)},
          {"errored", false}};
}

}  // namespace occam
