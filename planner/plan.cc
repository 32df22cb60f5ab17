#include "planner/plan.h"

#include <stdexcept>
#include <unordered_map>

#include "descriptor/descriptor.h"

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
    ChangeReason::kDeposed,       ChangeReason::kReplaceRequested};

// The values of a plan's changes, each distinct one once: the instances
// of a node type usually share their configuration, and a saved plan of
// 100,000 of them should not hold 100,000 copies of it (149 MB for a 1 KB
// attribute). Changes refer to values by their index.
class ValueTable {
 public:
  int Index(const SharedJson& value) {
    auto known = by_pointer_.find(value.operator->());
    if (known != by_pointer_.end()) return known->second;
    std::string text = value->dump();
    auto [it, added] = by_text_.emplace(std::move(text), static_cast<int>(values_.size()));
    if (added) values_.push_back(*value);
    by_pointer_.emplace(value.operator->(), it->second);
    return it->second;
  }
  json Take() { return std::move(values_); }

 private:
  std::unordered_map<const json*, int> by_pointer_;
  std::unordered_map<std::string, int> by_text_;
  json values_ = json::array();
};

json ChangeToJson(const ResourceChange& c, ValueTable* values) {
  return {{"address", c.address},
          {"node", c.node},
          {"index", c.index},
          {"provider", c.provider},
          {"action", ChangeActionName(c.action)},
          {"reason", ChangeReasonName(c.reason)},
          {"reason_detail", c.reason_detail},
          {"changed_paths", c.changed_paths},
          {"replace_paths", c.replace_paths},
          {"before", values->Index(c.before)},
          {"after", values->Index(c.after)},
          {"after_unknown", values->Index(c.after_unknown)},
          {"before_sensitive", values->Index(c.before_sensitive)},
          {"after_sensitive", values->Index(c.after_sensitive)},
          {"dependencies", c.dependencies},
          {"create_before_destroy", c.create_before_destroy},
          {"deposed", c.deposed}};
}

// A change's value: an index into the plan's values, or (plan files of
// version 2) the value itself. Configurations are objects, never numbers.
SharedJson ValueOf(const json& change, const char* key,
                   const std::vector<SharedJson>& values) {
  const json& field = change.at(key);
  if (!field.is_number_integer()) return SharedJson(field);
  int64_t i = field.get<int64_t>();
  if (i < 0 || i >= static_cast<int64_t>(values.size())) {
    throw std::out_of_range(std::string(key) + " refers to value " +
                            std::to_string(i) + ", which the plan does not hold");
  }
  return values[static_cast<size_t>(i)];
}

bool ChangeFromJson(const json& j, const std::vector<SharedJson>& values,
                    ResourceChange* c) {
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
  c->before = ValueOf(j, "before", values);
  c->after = ValueOf(j, "after", values);
  c->after_unknown = ValueOf(j, "after_unknown", values);
  c->before_sensitive = ValueOf(j, "before_sensitive", values);
  c->after_sensitive = ValueOf(j, "after_sensitive", values);
  c->dependencies = j.at("dependencies").get<std::vector<std::string>>();
  c->create_before_destroy = j.value("create_before_destroy", false);
  c->deposed = j.value("deposed", "");
  return action_ok && reason_ok;
}

json RolloutsToJson(const std::vector<Rollout>& rollouts) {
  json out = json::array();
  for (const Rollout& r : rollouts) {
    out.push_back({{"node", r.node},
                   {"surge", r.surge},
                   {"at_once", r.at_once},
                   {"drain_seconds", r.drain_seconds},
                   {"order", r.order}});
  }
  return out;
}

Rollout RolloutFromJson(const json& j) {
  Rollout r;
  r.node = j.at("node");
  r.surge = j.at("surge");
  r.at_once = j.at("at_once");
  r.drain_seconds = j.at("drain_seconds");
  r.order = j.at("order").get<std::vector<std::string>>();
  if (r.at_once < 1) throw std::out_of_range("a rollout of " + r.node + " does nothing at once");
  // A plan file is input: a drain the descriptor could not have asked for
  // would hold apply up for ever.
  if (!(r.drain_seconds >= 0 && r.drain_seconds <= kMaxDrainSeconds)) {
    throw std::out_of_range("a rollout of " + r.node + " drains " +
                            std::to_string(r.drain_seconds) + " s, more than 1h");
  }
  return r;
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
    case ChangeReason::kReplaceRequested:
      return "replace_requested";
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
  ValueTable values;
  json changes = json::array();
  for (const ResourceChange& c : plan.changes) {
    changes.push_back(ChangeToJson(c, &values));
  }
  return {{"lineage", plan.lineage},
          {"serial", plan.serial},
          {"infra_id", plan.infra_id},
          {"infra_name", plan.infra_name},
          {"descriptor_digest", plan.descriptor_digest},
          {"desired_counts", plan.desired_counts},
          {"notes", plan.notes},
          {"rollouts", RolloutsToJson(plan.rollouts)},
          {"infra_file", plan.infra_file},
          {"nodes_file", plan.nodes_file},
          {"var_assignments", plan.var_assignments},
          {"var_files", plan.var_files},
          {"destroy", plan.destroy},
          {"secrets_not_compared", plan.secrets_not_compared},
          {"values", values.Take()},
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
    // Plans saved before rollouts existed have none.
    plan->rollouts.clear();
    if (j.contains("rollouts")) {
      for (const json& r : j.at("rollouts")) plan->rollouts.push_back(RolloutFromJson(r));
    }
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
    if (j.contains("secrets_not_compared")) {
      plan->secrets_not_compared = j.at("secrets_not_compared").get<int>();
    }
    std::vector<SharedJson> values;
    if (j.contains("values")) {
      for (const json& v : j.at("values")) values.emplace_back(v);
    }
    plan->changes.clear();
    for (const json& c : j.at("changes")) {
      ResourceChange change;
      if (!ChangeFromJson(c, values, &change)) {
        *error = "unknown action or reason in change of " + change.address;
        return false;
      }
      plan->changes.push_back(std::move(change));
    }
  } catch (const json::exception& e) {
    *error = std::string("missing or malformed field (") + e.what() + ")";
    return false;
  } catch (const std::out_of_range& e) {
    *error = e.what();
    return false;
  }
  return true;
}

}  // namespace occam
