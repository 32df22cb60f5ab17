#include "planner/planner.h"

#include <algorithm>
#include <optional>
#include <set>

#include "base/json_fields.h"
#include "base/sha256.h"
#include "descriptor/instance_config.h"
#include "descriptor/instance_scope.h"
#include "base/value_json.h"
#include "planner/rollout.h"
#include "providers/resource_schema.h"
#include "state/sealed_secrets.h"

namespace occam {
namespace {

using nlohmann::json;

// What the plan does to the instances of one node type, as later node
// types' templates see it.
struct NodeOutcome {
  bool first_changes = false;  // its first instance gets a new address
  bool any_changes = false;    // some instance is created, replaced, deleted
  std::vector<const ResourceInstance*> kept;  // state instances kept as is
};

// getip() and friends while planning: known from the state unless the
// instance they name is created or replaced by this plan.
class PlanAddressBook : public AddressBook {
 public:
  PlanAddressBook(const StateSnapshot& state,
                  const std::map<std::string, NodeOutcome>& outcomes)
      : state_(state), outcomes_(outcomes) {}

  TemplateValue Ip(const std::string& node, bool private_ip,
                   std::string*) const override {
    auto it = outcomes_.find(node);
    if (it == outcomes_.end() || it->second.first_changes ||
        it->second.kept.empty()) {
      return Unknown(node);
    }
    return TemplateValue::String(Address(*it->second.kept.front(), private_ip));
  }

  TemplateValue AllIps(const std::string& node, bool endpoints,
                       std::string*) const override {
    auto it = outcomes_.find(node);
    if (it == outcomes_.end() || it->second.any_changes) return Unknown(node);
    TemplateValue::List ips;
    for (const ResourceInstance* r : it->second.kept) {
      ips.push_back(TemplateValue::String(
          endpoints ? InstanceEndpoint(r->outputs.value()) : Address(*r, false)));
    }
    return TemplateValue::FromList(std::move(ips));
  }

  // Node types whose change made something unknown.
  const std::set<std::string>& changing() const { return changing_; }
  void Reset() { changing_.clear(); }
  void Restore(const std::set<std::string>& changing) { changing_ = changing; }

 private:
  TemplateValue Unknown(const std::string& node) const {
    changing_.insert(node);
    return TemplateValue::Unknown();
  }
  static std::string Address(const ResourceInstance& r, bool private_ip) {
    const json& outputs = r.outputs.value();
    const char* key = private_ip && outputs.contains("private_ip")
                          ? "private_ip"
                          : "ip";
    auto it = outputs.find(key);
    return it != outputs.end() && it->is_string() ? it->get<std::string>()
                                                  : "";
  }

  const StateSnapshot& state_;
  const std::map<std::string, NodeOutcome>& outcomes_;
  mutable std::set<std::string> changing_;
};

std::string JoinPath(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

// Attribute paths where `before` and `after` differ, or `after` is unknown.
void DiffPaths(const json& before, const json& after, const json& unknown,
               const std::string& path, std::vector<std::string>* out) {
  if (unknown == true) {
    out->push_back(path);
    return;
  }
  if (before.is_object() && after.is_object()) {
    std::set<std::string> keys;
    for (auto& [k, v] : before.items()) keys.insert(k);
    for (auto& [k, v] : after.items()) keys.insert(k);
    if (unknown.is_object()) {
      for (auto& [k, v] : unknown.items()) keys.insert(k);
    }
    static const json kNull;
    for (const std::string& k : keys) {
      auto b = before.find(k), a = after.find(k);
      DiffPaths(b == before.end() ? kNull : *b, a == after.end() ? kNull : *a,
                unknown.is_object() && unknown.contains(k) ? unknown[k] : json(false),
                JoinPath(path, k), out);
    }
    return;
  }
  if (before.is_array() && after.is_array() && before.size() == after.size()) {
    for (size_t i = 0; i < before.size(); ++i) {
      DiffPaths(before[i], after[i],
                unknown.is_array() && i < unknown.size() ? unknown[i] : json(false),
                path + "[" + std::to_string(i) + "]", out);
    }
    return;
  }
  if (before != after) out->push_back(path);
}

// Health checks change in place; resource attributes when the provider says
// so (some only alongside another attribute of `after`: process `files`
// with `reload`); anything else (contextualisation, config management)
// means a new instance.
bool UpdatableInPlace(const std::string& path, const ResourceSchema* schema,
                      const json& after) {
  if (path.rfind("health_check", 0) == 0) return true;
  if (path.rfind("resource.", 0) != 0 || !schema) return false;
  std::string attr = path.substr(9, path.find_first_of(".[", 9) - 9);
  const AttributeSpec* spec = schema->Find(attr);
  if (!spec) return false;
  if (!spec->updatable_with.empty()) {
    return !JsonField(JsonField(after, "resource"), spec->updatable_with.c_str()).is_null();
  }
  return spec->updatable;
}

class Planner {
 public:
  Planner(const Descriptor& d, const NodeGraph& g, const StateSnapshot& state,
          Plan* plan, Diagnostics* diags, const PlanningOptions& options)
      : d_(d), g_(g), state_(state), plan_(plan), diags_(diags), options_(options),
        book_(state, outcomes_),
        infra_{state.infra_id, d.infra_name, d.user_id, d.NodeNames()} {}

  void Run() {
    for (int v : g_.BuildOrder()) {
      if (too_large_) return;
      PlanNode(d_.nodes[v]);
    }
    if (too_large_) return;
    PlanRemovedNodeTypes();
    // Node types in name order, each already in index order.
    size_t total = 0;
    for (const auto& [node, changes] : by_node_) total += changes.size();
    plan_->changes.reserve(total);
    for (auto& [node, changes] : by_node_) {
      for (ResourceChange& c : changes) plan_->changes.push_back(std::move(c));
    }
  }

 private:
  void PlanNode(const NodeSpec& node);
  // Which existing instances leave when there are more than `desired`.
  std::set<const ResourceInstance*> Surplus(
      const std::vector<const ResourceInstance*>& existing, int desired);
  ResourceChange PlanInstance(const NodeSpec& node, int index,
                              const ResourceInstance* existing,
                              const std::string& scale_detail);
  void Decide(const ResourceInstance& existing, ResourceChange* change);
  // PlanningOptions::one_rollout_step: the replacements of `node` beyond
  // its rollout's first step become no-ops.
  void DeferReplacements(const NodeSpec& node, std::vector<ResourceChange>* changes);
  ResourceChange Deletion(const ResourceInstance& r, ChangeReason reason,
                          const std::string& detail);
  void PlanRemovedNodeTypes();
  // The node types `node` is built after, by name (the last node's kept).
  const std::vector<std::string>& DependenciesOf(const NodeSpec& node);
  // The rendering of one instance, shared by the instances of its node
  // type unless its templates name the instance (node_id).
  struct RenderCache {
    std::string node;
    bool per_instance = true;
    SharedJson value, unknown, sensitive;
    std::set<std::string> changing;
    std::optional<std::string> text;
  };
  const RenderCache& Render(const NodeSpec& node, int index);
  void CountRendered(const NodeSpec& node);
  // The last rendered value as stored text, for the fast comparison.
  const std::string& RenderedText();

  RenderCache cache_;
  std::string deps_node_;
  std::vector<std::string> deps_;
  // Bytes of configuration the plan holds (each distinct rendering once),
  // and whether that passed kMaxPlanConfigBytes: the plan then stops.
  size_t rendered_bytes_ = 0;
  bool too_large_ = false;

  const Descriptor& d_;
  const NodeGraph& g_;
  const StateSnapshot& state_;
  Plan* plan_;
  Diagnostics* diags_;
  const PlanningOptions& options_;
  std::map<std::string, NodeOutcome> outcomes_;
  std::map<std::string, std::vector<ResourceChange>> by_node_;
  PlanAddressBook book_;
  InfraIdentity infra_;
};

// The replica count recorded for a count-as-attribute node type.
int RecordedReplicas(const std::vector<const ResourceInstance*>& existing) {
  int replicas = 0;
  for (const ResourceInstance* r : existing) {
    const nlohmann::json& v = r->attributes.value();
    if (v.contains("resource")) replicas += JsonInt(v["resource"], "replicas", 1);
  }
  return replicas;
}

std::set<const ResourceInstance*> Planner::Surplus(
    const std::vector<const ResourceInstance*>& existing, int desired) {
  // Instances an apply began to delete go first (a scale-down that was
  // draining), then named removals, then the newest; ties by highest index.
  std::vector<const ResourceInstance*> order = existing;
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) {
    bool a_leaving = a->status == InstanceStatus::kDeleting;
    bool b_leaving = b->status == InstanceStatus::kDeleting;
    return std::tuple(a_leaving, a->remove_requested, a->created_serial, a->index) >
           std::tuple(b_leaving, b->remove_requested, b->created_serial, b->index);
  });
  std::set<const ResourceInstance*> surplus;
  for (size_t i = 0; i + desired < order.size(); ++i) surplus.insert(order[i]);
  return surplus;
}

void Planner::PlanNode(const NodeSpec& node) {
  std::string note;
  int desired = DesiredCount(node, state_, &note);
  if (!note.empty()) plan_->notes.push_back(note);
  plan_->desired_counts[node.name] = desired;

  std::vector<const ResourceInstance*> existing = state_.InstancesOf(node.name);
  // Draining instances are on their way out: their indices stay taken.
  std::vector<int> draining;
  if (!options_.draining.empty()) {
    std::erase_if(existing, [&](const ResourceInstance* r) {
      bool out = options_.draining.count(r->address) > 0;
      if (out) draining.push_back(r->index);
      return out;
    });
  }
  int before = static_cast<int>(existing.size());
  if (CountIsAttribute(node)) {
    // One object whose replica count is the node type's count.
    before = RecordedReplicas(existing);
    desired = 1;
  }
  std::string detail = node.name + " scales from " + std::to_string(before) +
                       " to " + std::to_string(plan_->desired_counts[node.name]);
  std::set<const ResourceInstance*> surplus = Surplus(existing, desired);
  std::vector<int> used;  // indices kept, ascending (`existing` is in index order)
  std::vector<ResourceChange> changes;
  changes.reserve(std::max<size_t>(existing.size(), desired));
  for (const ResourceInstance* r : existing) {
    if (too_large_) return;
    if (surplus.count(r)) {
      changes.push_back(Deletion(*r, ChangeReason::kScaleDown,
                                 r->remove_requested
                                     ? detail + "; " + r->address +
                                           " was named for removal"
                                     : detail));
      continue;
    }
    used.push_back(r->index);
    if (!r->deposed.empty()) {
      // Left by a create-before-destroy that did not finish; deleted first.
      ResourceChange deposed = Deletion(
          *r, ChangeReason::kDeposed,
          "a create-before-destroy replaced it and did not delete it");
      deposed.deposed = r->deposed;
      deposed.before = json();  // its attributes were not kept
      changes.push_back(std::move(deposed));
    }
    changes.push_back(PlanInstance(node, r->index, r, detail));
    changes.back().create_before_destroy =
        changes.back().action == ChangeAction::kReplace && RolloutPolicyOf(node).surge;
  }
  // New instances take the lowest free indices. They are a scale-up once
  // the node type has been built or scaled before; otherwise a first build.
  bool scaled = before > 0 || state_.desired_counts.count(node.name);
  if (!draining.empty()) {
    used.insert(used.end(), draining.begin(), draining.end());
    std::sort(used.begin(), used.end());
  }
  size_t next_used = 0;
  for (int index = 0, have = static_cast<int>(used.size() - draining.size());
       have < desired; ++index) {
    if (too_large_) return;
    while (next_used < used.size() && used[next_used] < index) ++next_used;
    if (next_used < used.size() && used[next_used] == index) continue;
    changes.push_back(PlanInstance(node, index, nullptr, scaled ? detail : ""));
    ++have;
  }
  NodeOutcome& outcome = outcomes_[node.name];
  auto by_index = [](auto& a, auto& b) { return a.index < b.index; };
  if (!std::is_sorted(changes.begin(), changes.end(), by_index)) {
    std::stable_sort(changes.begin(), changes.end(), by_index);
  }
  if (options_.one_rollout_step) DeferReplacements(node, &changes);
  for (const ResourceChange& c : changes) {
    if (!c.deposed.empty()) continue;  // no instance's address
    bool changes_address = c.action == ChangeAction::kCreate ||
                           c.action == ChangeAction::kReplace;
    if (c.action != ChangeAction::kDelete && !changes_address) {
      // The recorded instance at c.index (`existing` is in index order).
      auto it = std::lower_bound(existing.begin(), existing.end(), c.index,
                                 [](auto* r, int i) { return r->index < i; });
      outcome.kept.push_back(*it);
    }
    outcome.any_changes = outcome.any_changes || changes_address ||
                          c.action == ChangeAction::kDelete;
  }
  for (const ResourceChange& c : changes) {
    if (c.action == ChangeAction::kDelete) continue;  // deposed ones too
    outcome.first_changes = c.action == ChangeAction::kCreate ||
                            c.action == ChangeAction::kReplace;
    break;
  }
  std::vector<std::string> replaced;
  for (const ResourceChange& c : changes) {
    if (c.action == ChangeAction::kReplace) replaced.push_back(c.address);
  }
  if (!replaced.empty()) {
    bool has_dependents = !g_.dag().DependentsOf(d_.FindNode(node.name)).empty();
    plan_->rollouts.push_back(MakeRollout(node, has_dependents, std::move(replaced)));
  }
  by_node_[node.name] = std::move(changes);
}

void Planner::DeferReplacements(const NodeSpec& node, std::vector<ResourceChange>* changes) {
  int room = RolloutPolicyOf(node).at_once;
  int deferred = 0;
  for (ResourceChange& c : *changes) {
    if (c.action != ChangeAction::kReplace) continue;
    // What is broken (tainted, interrupted, drifted) is replaced now.
    if (room > 0 || c.reason != ChangeReason::kConfigChanged) {
      --room;
      continue;
    }
    c.action = ChangeAction::kNoOp;
    c.reason = ChangeReason::kNone;
    c.reason_detail.clear();
    c.changed_paths.clear();
    c.replace_paths.clear();
    c.create_before_destroy = false;
    c.after = c.before;
    c.after_unknown = json::object();
    c.after_sensitive = c.before_sensitive;
    ++deferred;
  }
  if (deferred == 0) return;
  plan_->replacements_deferred += deferred;
  plan_->notes.push_back(node.name + ": " + std::to_string(deferred) +
                         " more replacements wait for the next step of its rollout");
}

ResourceChange Planner::PlanInstance(const NodeSpec& node, int index,
                                     const ResourceInstance* existing,
                                     const std::string& scale_detail) {
  ResourceChange change;
  change.address = InstanceAddress(node.name, index);
  change.node = node.name;
  change.index = index;
  change.provider = node.implementation.resource_type;
  change.dependencies = DependenciesOf(node);
  const RenderCache& config = Render(node, index);
  change.after = config.value;
  change.after_unknown = config.unknown;
  change.after_sensitive = config.sensitive;
  if (!existing) {
    change.action = ChangeAction::kCreate;
    change.reason = scale_detail.empty() ? ChangeReason::kNone
                                         : ChangeReason::kScaleUp;
    change.reason_detail = scale_detail;
    return change;
  }
  // What is secret now was secret then.
  change.before_sensitive = config.sensitive;
  if (existing->status == InstanceStatus::kReady &&
      existing->provider == change.provider && change.after_unknown->empty() &&
      existing->attributes.text() == RenderedText()) {
    change.before = change.after;  // unchanged, and no need to parse it
    return change;
  }
  change.before = existing->attributes.value();
  if (MayHoldSealed(existing->attributes.text())) {
    // Sealed with a key this plan was not given: nothing to compare with.
    json before = *change.before;
    plan_->secrets_not_compared += AssumeSealedUnchanged(*change.after, &before);
    change.before = std::move(before);
  }
  Decide(*existing, &change);
  if (change.action == ChangeAction::kUpdate &&
      change.changed_paths == std::vector<std::string>{"resource.replicas"}) {
    bool up = JsonInt(JsonField(*change.after, "resource"), "replicas") >
              JsonInt(JsonField(*change.before, "resource"), "replicas");
    change.reason = up ? ChangeReason::kScaleUp : ChangeReason::kScaleDown;
    change.reason_detail = scale_detail;
  }
  return change;
}

void Planner::Decide(const ResourceInstance& existing,
                     ResourceChange* change) {
  switch (existing.status) {
    case InstanceStatus::kTainted:
      change->action = ChangeAction::kReplace;
      change->reason = ChangeReason::kTainted;
      change->reason_detail = existing.address + " is tainted";
      return;
    case InstanceStatus::kCreating:
    case InstanceStatus::kDeleting:
      change->action = ChangeAction::kReplace;
      change->reason = ChangeReason::kInterrupted;
      change->reason_detail = "an earlier apply stopped while changing " +
                              existing.address;
      return;
    case InstanceStatus::kGone:
      change->before = json();  // nothing is there any more
      change->action = ChangeAction::kCreate;
      change->reason = ChangeReason::kDrifted;
      change->reason_detail = existing.address +
                              " is gone: its object no longer exists";
      return;
    case InstanceStatus::kDrifted:
      change->action = ChangeAction::kReplace;
      change->reason = ChangeReason::kDrifted;
      change->reason_detail =
          existing.address + " has drifted: " +
          JsonString(existing.outputs.value(), "drift", "its object changed");
      return;
    case InstanceStatus::kReady:
      break;
  }
  if (existing.provider == change->provider && change->after_unknown->empty() &&
      *change->before == *change->after) {
    return;  // no-op, the common case: skip the path-by-path comparison
  }
  DiffPaths(change->before, change->after, change->after_unknown, "",
            &change->changed_paths);
  if (existing.provider != change->provider) {
    change->changed_paths.insert(change->changed_paths.begin(),
                                 "resource.type");
  }
  if (change->changed_paths.empty()) return;  // no-op
  const ResourceSchema* schema = FindResourceSchema(change->provider);
  for (const std::string& path : change->changed_paths) {
    if (path == "resource.type" || !UpdatableInPlace(path, schema, *change->after)) {
      change->replace_paths.push_back(path);
    }
  }
  change->action = change->replace_paths.empty() ? ChangeAction::kUpdate
                                                 : ChangeAction::kReplace;
  if (!book_.changing().empty()) {
    change->reason = ChangeReason::kDependencyReplaced;
    std::string names;
    for (const std::string& n : book_.changing()) {
      names += (names.empty() ? "" : ", ") + n;
    }
    change->reason_detail =
        change->action == ChangeAction::kUpdate
            ? names + "'s endpoints changed"
            : "it renders addresses of " + names + ", which this plan changes";
  } else {
    change->reason = ChangeReason::kConfigChanged;
  }
}

ResourceChange Planner::Deletion(const ResourceInstance& r,
                                 ChangeReason reason,
                                 const std::string& detail) {
  ResourceChange change;
  change.address = r.address;
  change.node = r.node;
  change.index = r.index;
  change.provider = r.provider;
  change.action = ChangeAction::kDelete;
  change.reason = reason;
  change.reason_detail = detail;
  change.before = r.attributes.value();
  // What the state marked secret stays masked when it goes away.
  change.before_sensitive = r.sensitive.value();
  change.dependencies = r.dependencies;
  return change;
}

void Planner::PlanRemovedNodeTypes() {
  const std::string* last = nullptr;  // instances of a node come together
  bool known = false;
  for (const auto& [address, r] : state_.instances) {
    if (!last || r.node != *last) {
      last = &r.node;
      known = d_.FindNode(r.node) >= 0;
    }
    if (known || options_.draining.count(address)) continue;
    by_node_[r.node].push_back(Deletion(
        r, ChangeReason::kNodeTypeRemoved,
        "node type " + r.node + " is no longer in the descriptor"));
  }
  // State addresses are in text order (app[10] before app[2]).
  for (auto& [node, changes] : by_node_) {
    if (d_.FindNode(node) >= 0) continue;
    std::sort(changes.begin(), changes.end(),
              [](auto& a, auto& b) { return a.index < b.index; });
  }
}

const Planner::RenderCache& Planner::Render(const NodeSpec& node, int index) {
  if (cache_.node == node.name && !cache_.per_instance) {
    book_.Restore(cache_.changing);
    return cache_;
  }
  book_.Reset();
  InstanceScope scope(infra_, node, index, book_);
  InstanceConfig config;
  RenderInstanceConfig(node, scope, &config, diags_);
  SetCountAttribute(node, plan_->desired_counts[node.name], &config.value);
  cache_.node = node.name;
  cache_.per_instance = scope.named_instance();
  cache_.value = std::move(config.value);
  cache_.unknown = std::move(config.unknown);
  cache_.sensitive = std::move(config.sensitive);
  cache_.changing = book_.changing();
  cache_.text.reset();
  CountRendered(node);
  return cache_;
}

// Renderings naming their instance are one per instance: 200 instances of
// a 10 MB attribute took 2.2 GB to plan. A plan holds at most
// kMaxPlanConfigBytes of them.
void Planner::CountRendered(const NodeSpec& node) {
  size_t bytes = RenderedText().size();
  rendered_bytes_ += bytes;
  if (too_large_ || rendered_bytes_ <= kMaxPlanConfigBytes) return;
  too_large_ = true;
  diags_->Error(node.mark,
                "the plan's configurations take more than " +
                    std::to_string(kMaxPlanConfigBytes >> 20) + " MiB: node '" +
                    node.name + "' renders " + std::to_string(bytes >> 10) +
                    " KiB " +
                    (cache_.per_instance ? "for each instance (its templates "
                                           "name the instance)"
                                         : "for its instances") +
                    "; make its attributes smaller or lower its count");
}

const std::string& Planner::RenderedText() {
  if (!cache_.text) cache_.text = cache_.value->dump();
  return *cache_.text;
}

const std::vector<std::string>& Planner::DependenciesOf(const NodeSpec& node) {
  if (deps_node_ == node.name && !deps_node_.empty()) return deps_;
  deps_.clear();
  for (int dep : g_.dag().DependenciesOf(d_.FindNode(node.name))) {
    deps_.push_back(d_.nodes[dep].name);
  }
  std::sort(deps_.begin(), deps_.end());
  deps_node_ = node.name;
  return deps_;
}

}  // namespace

int DesiredCount(const NodeSpec& node, const StateSnapshot& state,
                 std::string* note) {
  auto it = state.desired_counts.find(node.name);
  int wanted = it == state.desired_counts.end() ? node.scaling.min : it->second;
  int clamped = std::clamp(wanted, node.scaling.min, node.scaling.max);
  if (clamped != wanted) {
    *note = node.name + ": the recorded count " + std::to_string(wanted) +
            " is outside scaling [" + std::to_string(node.scaling.min) + ", " +
            std::to_string(node.scaling.max) + "]; using " +
            std::to_string(clamped);
  }
  return clamped;
}

std::string DescriptorDigest(const Descriptor& d) {
  Sha256 digest;
  digest.Update(d.infra_name + "\n" + d.user_id + "\n");
  for (const NodeSpec& n : d.nodes) {
    json node = {{"name", n.name},
                 {"type", n.type},
                 {"min", n.scaling.min},
                 {"max", n.scaling.max},
                 {"variables", ValueToJson(n.variables)},
                 {"implementation", n.implementation_index},
                 {"resource", ValueToJson(n.implementation.resource)},
                 {"contextualisation",
                  ValueToJson(n.implementation.contextualisation)},
                 {"config_management",
                  ValueToJson(n.implementation.config_management)},
                 {"health_check", ValueToJson(n.implementation.health_check)}};
    // Only when set, so that digests of descriptors without it stay.
    if (n.create_before_destroy) node["create_before_destroy"] = true;
    if (n.max_unavailable >= 0) node["max_unavailable"] = n.max_unavailable;
    if (n.max_surge >= 0) node["max_surge"] = n.max_surge;
    digest.Update(node.dump() + "\n");
  }
  for (const DependencySpec& dep : d.dependencies) {
    digest.Update(dep.dependent + " -> " + dep.dependency + "\n");
  }
  return digest.HexDigest();
}

bool MakePlan(const Descriptor& descriptor, const NodeGraph& graph,
              const StateSnapshot& state, Plan* plan, Diagnostics* diags,
              const PlanningOptions& options) {
  size_t before = diags->size();
  *plan = Plan();
  plan->lineage = state.lineage;
  plan->serial = state.serial;
  plan->infra_id = state.infra_id;
  plan->infra_name = descriptor.infra_name;
  plan->descriptor_digest = DescriptorDigest(descriptor);
  plan->infra_file = descriptor.infra_file;
  plan->nodes_file = descriptor.nodes_file;
  Planner(descriptor, graph, state, plan, diags, options).Run();
  if (plan->secrets_not_compared > 0) {
    plan->notes.push_back(
        std::to_string(plan->secrets_not_compared) +
        " secret value(s) of the state are sealed with a key this plan was "
        "not given, and were taken as unchanged: give the state key "
        "(OCCAM_STATE_KEY) to compare them; apply needs it");
  }
  return diags->size() == before;
}

Plan MakeDestroyPlan(const StateSnapshot& state) {
  Plan plan;
  plan.destroy = true;
  plan.lineage = state.lineage;
  plan.serial = state.serial;
  plan.infra_id = state.infra_id;
  std::vector<const ResourceInstance*> all;
  for (const auto& [address, r] : state.instances) all.push_back(&r);
  std::sort(all.begin(), all.end(), [](auto* a, auto* b) {
    return std::tie(a->node, a->index) < std::tie(b->node, b->index);
  });
  for (const ResourceInstance* r : all) {
    ResourceChange c;
    c.address = r->address;
    c.node = r->node;
    c.index = r->index;
    c.provider = r->provider;
    c.action = ChangeAction::kDelete;
    c.reason = ChangeReason::kDestroy;
    c.before = r->attributes.value();
    c.before_sensitive = r->sensitive.value();
    c.dependencies = r->dependencies;
    plan.changes.push_back(std::move(c));
  }
  return plan;
}

}  // namespace occam
