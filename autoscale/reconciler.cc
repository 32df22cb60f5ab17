#include "autoscale/reconciler.h"

#include <chrono>

#include "autoscale/file_sd.h"
#include "base/json_fields.h"
#include "descriptor/instance_config.h"
#include "planner/planner.h"
#include "planner/refresh.h"
#include "state/state_lock.h"
#include "state/state_settings.h"

namespace occam {

std::map<std::string, int> ActualCounts(const Descriptor& descriptor,
                                        const StateSnapshot& state) {
  std::map<std::string, int> out;
  for (const NodeSpec& node : descriptor.nodes) {
    int count = 0;
    for (const ResourceInstance* r : state.InstancesOf(node.name)) {
      if (r->status != InstanceStatus::kReady) continue;
      count += CountIsAttribute(node)
                   ? JsonInt(JsonField(r->attributes.value(), "resource"), "replicas", 1)
                   : 1;
    }
    out[node.name] = count;
  }
  return out;
}

namespace {

// A no-op observer: the daemon reports through its metrics and the events.
class QuietObserver : public ApplyObserver {
 public:
  void OnEvent(const ApplyEvent&) override {}
};

}  // namespace

Status LogLockTakeover(StateStore* store, const LockInfo& stale) {
  Event event;
  event.kind = "lock";
  event.message = "serve took over the stale lock of process " +
                  std::to_string(stale.pid) + " (" + stale.operation +
                  "), which is no longer running";
  event.detail = {{"id", stale.id}, {"pid", stale.pid},
                  {"operation", stale.operation}, {"who", stale.who}};
  StateChange change;
  change.events.push_back(event);
  int64_t serial = 0;
  return store->Commit(change, &serial);
}

namespace {

// Why a round must not act on `state`; "" when it may.
std::string WhyNotAct(const StateSnapshot& state, const ReconcileOptions& options) {
  if (IsDestroying(state)) return "";  // the round destroys it
  if (IsDestroyed(state)) return "destroyed";
  auto applied = state.settings.find(kAppliedDigestSetting);
  if (applied != state.settings.end() && !options.descriptor_digest.empty() &&
      applied->second != options.descriptor_digest &&
      !options.allow_new_configuration) {
    return "other_configuration";
  }
  return "";
}

// What applying an empty destroy plan records: the lifecycle, and no
// counts (as an apply of a destroy plan with changes records).
Status RecordDestroyed(StateStore* store, const StateSnapshot& state,
                       const Plan& plan) {
  StateChange change;
  change.set_settings = AppliedSettings(plan);
  for (const auto& [node, count] : state.desired_counts) {
    change.clear_desired.push_back(node);
  }
  int64_t serial = 0;
  return store->Commit(change, &serial);
}

// Taints (committed, with an event each) the instances whose health checks
// failed round after round; `state` sees the taints so the plan replaces
// them.
Status WatchHealth(StateStore* store, const ReconcileOptions& options,
                   StateSnapshot* state) {
  StateChange taints = options.health_watch->Round(*state, options.on_health_failure);
  if (taints.empty()) return Status::Ok();
  int64_t serial = 0;
  Status s = store->Commit(taints, &serial);
  if (!s.ok()) return s;
  for (const ResourceInstance& r : taints.put) state->instances[r.address] = r;
  state->serial = serial;
  return Status::Ok();
}

}  // namespace

Status Reconcile(const Descriptor& descriptor, const NodeGraph& graph,
                 StateStore* store, ProviderRegistry* providers,
                 HealthChecker* health, const ReconcileOptions& options,
                 ReconcileOutcome* outcome) {
  *outcome = ReconcileOutcome();
  std::unique_ptr<StateLock> lock;
  LockInfo stale;
  // Unattended: a lock left by a dead occam of this host (this daemon
  // before a crash, say) is taken over, and the takeover logged.
  Status s = StateLock::AcquireTakingOverStale(store, options.state_name,
                                               "serve", &lock, &stale);
  if (s.ok() && !stale.id.empty()) s = LogLockTakeover(store, stale);
  StateSnapshot state;
  if (s.ok()) s = store->Load(&state);
  // Checked again under the lock: an occam destroy or apply may have
  // finished since the daemon looked.
  if (s.ok()) outcome->skipped = WhyNotAct(state, options);
  if (s.ok() && !outcome->skipped.empty()) return s;
  bool destroy = s.ok() && IsDestroying(state);
  Plan plan;
  if (destroy) {
    plan = MakeDestroyPlan(state);
  } else {
    if (s.ok()) s = RefreshState(providers, &state, nullptr);
    if (s.ok() && options.health_watch) s = WatchHealth(store, options, &state);
    Diagnostics diags;
    PlanningOptions plan_options;
    plan_options.draining = options.draining;
    plan_options.one_rollout_step = options.one_rollout_step;
    if (s.ok() && !MakePlan(descriptor, graph, state, &plan, &diags, plan_options)) {
      s = Status::InvalidArgument(diags.ToString());
    }
  }
  // A destroy plan is committed (lifecycle destroyed, counts cleared) even
  // when nothing is left to delete.
  if (s.ok() && destroy && !plan.HasChanges()) s = RecordDestroyed(store, state, plan);
  if (s.ok() && plan.HasChanges()) {
    ApplyOptions apply;
    apply.actor = "serve";
    apply.defer_drains = options.defer_drains;
    apply.drained = options.drained;
    apply.parallelism = options.parallelism;
    apply.interrupted = options.interrupted;
    // A destroy clears the counts as occam destroy does; otherwise the
    // counts are the decisions', which may arrive during the apply.
    apply.record_counts = destroy;
    QuietObserver quiet;
    auto start = std::chrono::steady_clock::now();
    ApplyObserver* observer = options.observer ? options.observer : &quiet;
    s = ApplyPlan(descriptor, plan, store, providers, health, observer, apply,
                  &outcome->result);
    outcome->seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
    outcome->applied = true;
    if (s.ok()) s = store->Load(&state);
  }
  if (s.ok() && !options.targets_dir.empty()) {
    s = WriteTargetsAfterApply(descriptor, plan, state, options.targets_dir);
  }
  // The monitoring `occam rules` wrote follows the policies served.
  if (s.ok() && !destroy) s = KeepMonitoringInStep(descriptor, state, &outcome->monitoring);
  outcome->replacements_deferred = plan.replacements_deferred;
  outcome->desired = plan.desired_counts;
  outcome->actual = ActualCounts(descriptor, state);
  return s;
}

}  // namespace occam
