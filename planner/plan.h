// Plan is a plain, serialisable value: what apply will change, computed
// from a compiled descriptor and a state snapshot (planner.h), rendered by
// the CLI and saved to plan files (plan_file.h). Every change carries an
// action and a reason; the reason is shown to people and never drives
// apply.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace occam {

// An immutable JSON value that changes share: the instances of a node type
// usually render the same configuration, and a plan of 100,000 instances
// should not hold 100,000 copies of it.
class SharedJson {
 public:
  SharedJson() : value_(Null()) {}
  explicit SharedJson(nlohmann::json value)
      : value_(std::make_shared<const nlohmann::json>(std::move(value))) {}
  SharedJson& operator=(nlohmann::json value) {
    value_ = std::make_shared<const nlohmann::json>(std::move(value));
    return *this;
  }

  const nlohmann::json& get() const { return *value_; }
  const nlohmann::json& operator*() const { return *value_; }
  const nlohmann::json* operator->() const { return value_.get(); }
  operator const nlohmann::json&() const { return *value_; }

 private:
  static const std::shared_ptr<const nlohmann::json>& Null();

  std::shared_ptr<const nlohmann::json> value_;
};

enum class ChangeAction {
  kNoOp,
  kCreate,
  kUpdate,   // in place
  kDelete,
  kReplace,  // delete, then create (create, then delete the old object
             // when create_before_destroy)
};

enum class ChangeReason {
  kNone,
  kScaleUp,              // the desired count grew
  kScaleDown,            // the desired count shrank
  kConfigChanged,        // attributes differ (see changed_paths)
  kTainted,              // an earlier create failed or is in doubt
  kInterrupted,          // an earlier apply stopped halfway
  kDrifted,              // the object is gone or differs (refresh)
  kDependencyReplaced,   // it renders something that will change
  kNodeTypeRemoved,      // its node type left the descriptor
  kDestroy,              // occam destroy
  kDeposed,              // an object a create-before-destroy replaced
  kReplaceRequested,     // -replace=ADDRESS
};

std::string ChangeActionName(ChangeAction action);  // "create" …
std::string ChangeReasonName(ChangeReason reason);  // "scale_up" …

struct ResourceChange {
  std::string address;   // "app[2]"
  std::string node;      // "app"
  int index = 0;
  std::string provider;  // resource type: "process"
  ChangeAction action = ChangeAction::kNoOp;
  ChangeReason reason = ChangeReason::kNone;
  std::string reason_detail;  // for people: "app scales from 2 to 3"
  // Attribute paths that differ ("resource.attributes.size"), and those of
  // them that force replacement.
  std::vector<std::string> changed_paths;
  std::vector<std::string> replace_paths;
  // Terraform's change representation.
  SharedJson before;  // null when created
  SharedJson after;   // null when deleted; unknown leaves left out
  SharedJson after_unknown{nlohmann::json::object()};
  SharedJson before_sensitive{nlohmann::json::object()};
  SharedJson after_sensitive{nlohmann::json::object()};
  // Node types this instance is built after.
  std::vector<std::string> dependencies;
  // A replace that creates the successor first (the node type's lifecycle).
  bool create_before_destroy = false;
  // Set on the delete of a deposed object: its provider id. The instance at
  // `address` is another object (and may have its own change).
  std::string deposed;
};

// The replacements of one node type, in the order apply makes them: a
// rolling update. `at_once` of them are in progress at a time; each
// leaves what its dependents render (a load balancer's targets) and is
// drained before its old object is deleted.
struct Rollout {
  std::string node;
  // Successors first (create_before_destroy, max_surge): the old object
  // serves until its successor is ready. Otherwise the old object goes
  // first (max_unavailable).
  bool surge = false;
  int at_once = 1;
  double drain_seconds = 0;
  std::vector<std::string> order;  // addresses
};

struct Plan {
  std::string lineage;  // of the state the plan was made against
  int64_t serial = 0;
  std::string infra_id;
  std::string infra_name;
  std::string descriptor_digest;  // SHA-256 of the compiled descriptor
  // Every instance, changed or not, ordered by node type then index.
  std::vector<ResourceChange> changes;
  // The count of each node type once applied.
  std::map<std::string, int> desired_counts;
  // Things the user should know that are not changes ("app: desired count
  // 12 is above max 10; using 10").
  std::vector<std::string> notes;
  // Replacements as rolling updates, a node type each.
  std::vector<Rollout> rollouts;
  // Where the descriptor was read from, so that `occam apply PLANFILE`
  // can render what the plan left unknown.
  std::string infra_file;
  std::string nodes_file;
  // The -var and -var-file the plan was made with, so that apply PLANFILE
  // reads the descriptor as plan did.
  std::vector<std::string> var_assignments;
  std::vector<std::string> var_files;
  // A plan to destroy everything (occam destroy, plan -destroy): applying
  // it marks the infrastructure destroyed, so occam serve leaves it be.
  bool destroy = false;
  // Secret values of the state that are sealed with a key the plan was not
  // given: taken as unchanged. apply refuses such a plan.
  int secrets_not_compared = 0;
  // Replacements left for a later plan (PlanningOptions::one_rollout_step;
  // serve's plans only, never saved).
  int replacements_deferred = 0;

  int Count(ChangeAction action) const;
  bool HasChanges() const;
  // "Plan: 1 to add, 0 to change, 0 to destroy." (a replace adds and
  // destroys).
  std::string Summary() const;
};

// The plan as saved: each distinct value (configuration, unknown and
// sensitive marks) once in "values", the changes referring to them by
// index. PlanFromJson also reads changes that hold their values inline.
nlohmann::json PlanToJson(const Plan& plan);
// False when `json` is not a plan this occam can read; `*error` says why.
bool PlanFromJson(const nlohmann::json& json, Plan* plan, std::string* error);

}  // namespace occam
