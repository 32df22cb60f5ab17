#include "planner/plan.h"

namespace occam {

const std::shared_ptr<const nlohmann::json>& SharedJson::Null() {
  static const auto null = std::make_shared<const nlohmann::json>();
  return null;
}

namespace {

using nlohmann::json;

const ChangeAction kActions[] = {ChangeAction::kNoOp, ChangeAction::kCreate,
                                 ChangeAction::kUpdate, ChangeAction::kDelete,
                                 ChangeAction::kReplace};
const ChangeReason kReasons[] = {
    ChangeReason::kNone,          ChangeReason::kScaleUp,
    ChangeReason::kScaleDown,     ChangeReason::kConfigChanged,
    ChangeReason::kTainted,       ChangeReason::kInterrupted,
    ChangeReason::kDrifted,       ChangeReason::kDependencyReplaced,
    ChangeReason::kNodeTypeRemoved, ChangeReason::kDestroy,
    ChangeReason::kDeposed};

json ChangeToJson(const ResourceChange& c) {
  return {{"address", c.address},
          {"node", c.node},
          {"index", c.index},
          {"provider", c.provider},
          {"action", ChangeActionName(c.action)},
          {"reason", ChangeReasonName(c.reason)},
          {"reason_detail", c.reason_detail},
          {"changed_paths", c.changed_paths},
          {"replace_paths", c.replace_paths},
          {"before", *c.before},
          {"after", *c.after},
          {"after_unknown", *c.after_unknown},
          {"before_sensitive", *c.before_sensitive},
          {"after_sensitive", *c.after_sensitive},
          {"dependencies", c.dependencies},
          {"create_before_destroy", c.create_before_destroy},
          {"deposed", c.deposed}};
}

bool ChangeFromJson(const json& j, ResourceChange* c) {
  std::string action = j.at("action"), reason = j.at("reason");
  bool action_ok = false, reason_ok = false;
  for (ChangeAction a : kActions) {
    if (ChangeActionName(a) == action) c->action = a, action_ok = true;
  }
  for (ChangeReason r : kReasons) {
    if (ChangeReasonName(r) == reason) c->reason = r, reason_ok = true;
  }
  c->address = j.at("address");
  c->node = j.at("node");
  c->index = j.at("index");
  c->provider = j.at("provider");
  c->reason_detail = j.at("reason_detail");
  c->changed_paths = j.at("changed_paths").get<std::vector<std::string>>();
  c->replace_paths = j.at("replace_paths").get<std::vector<std::string>>();
  c->before = j.at("before");
  c->after = j.at("after");
  c->after_unknown = j.at("after_unknown");
  c->before_sensitive = j.at("before_sensitive");
  c->after_sensitive = j.at("after_sensitive");
  c->dependencies = j.at("dependencies").get<std::vector<std::string>>();
  c->create_before_destroy = j.value("create_before_destroy", false);
  c->deposed = j.value("deposed", "");
  return action_ok && reason_ok;
}

}  // namespace

std::string ChangeActionName(ChangeAction action) {
  switch (action) {
    case ChangeAction::kNoOp:
      return "no-op";
    case ChangeAction::kCreate:
      return "create";
    case ChangeAction::kUpdate:
      return "update";
    case ChangeAction::kDelete:
      return "delete";
    case ChangeAction::kReplace:
      return "replace";
  }
  return "no-op";
}

std::string ChangeReasonName(ChangeReason reason) {
  switch (reason) {
    case ChangeReason::kNone:
      return "none";
    case ChangeReason::kScaleUp:
      return "scale_up";
    case ChangeReason::kScaleDown:
      return "scale_down";
    case ChangeReason::kConfigChanged:
      return "config_changed";
    case ChangeReason::kTainted:
      return "tainted";
    case ChangeReason::kInterrupted:
      return "interrupted";
    case ChangeReason::kDrifted:
      return "drifted";
    case ChangeReason::kDependencyReplaced:
      return "dependency_replaced";
    case ChangeReason::kNodeTypeRemoved:
      return "node_type_removed";
    case ChangeReason::kDestroy:
      return "destroy";
    case ChangeReason::kDeposed:
      return "deposed";
  }
  return "none";
}

int Plan::Count(ChangeAction action) const {
  int n = 0;
  for (const ResourceChange& c : changes) n += c.action == action;
  return n;
}

bool Plan::HasChanges() const {
  return Count(ChangeAction::kNoOp) != static_cast<int>(changes.size());
}

std::string Plan::Summary() const {
  int replace = Count(ChangeAction::kReplace);
  return "Plan: " + std::to_string(Count(ChangeAction::kCreate) + replace) +
         " to add, " + std::to_string(Count(ChangeAction::kUpdate)) +
         " to change, " + std::to_string(Count(ChangeAction::kDelete) + replace) +
         " to destroy.";
}

json PlanToJson(const Plan& plan) {
  json changes = json::array();
  for (const ResourceChange& c : plan.changes) changes.push_back(ChangeToJson(c));
  return {{"lineage", plan.lineage},
          {"serial", plan.serial},
          {"infra_id", plan.infra_id},
          {"infra_name", plan.infra_name},
          {"descriptor_digest", plan.descriptor_digest},
          {"desired_counts", plan.desired_counts},
          {"notes", plan.notes},
          {"infra_file", plan.infra_file},
          {"nodes_file", plan.nodes_file},
          {"var_assignments", plan.var_assignments},
          {"var_files", plan.var_files},
          {"destroy", plan.destroy},
          {"changes", changes}};
}

bool PlanFromJson(const json& j, Plan* plan, std::string* error) {
  try {
    plan->lineage = j.at("lineage");
    plan->serial = j.at("serial");
    plan->infra_id = j.at("infra_id");
    plan->infra_name = j.at("infra_name");
    plan->descriptor_digest = j.at("descriptor_digest");
    plan->desired_counts = j.at("desired_counts").get<std::map<std::string, int>>();
    plan->notes = j.at("notes").get<std::vector<std::string>>();
    plan->infra_file = j.at("infra_file");
    plan->nodes_file = j.at("nodes_file");
    // Plans saved before -var existed have neither.
    if (j.contains("var_assignments")) {
      plan->var_assignments = j.at("var_assignments").get<std::vector<std::string>>();
    }
    if (j.contains("var_files")) {
      plan->var_files = j.at("var_files").get<std::vector<std::string>>();
    }
    if (j.contains("destroy")) plan->destroy = j.at("destroy").get<bool>();
    plan->changes.clear();
    for (const json& c : j.at("changes")) {
      ResourceChange change;
      if (!ChangeFromJson(c, &change)) {
        *error = "unknown action or reason in change of " + change.address;
        return false;
      }
      plan->changes.push_back(std::move(change));
    }
  } catch (const json::exception& e) {
    *error = std::string("missing or malformed field (") + e.what() + ")";
    return false;
  }
  return true;
}

}  // namespace occam
