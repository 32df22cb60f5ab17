// One round of occam serve's loop: take the state lock (a CLI apply holding
// it makes the round Busy, to be retried), refresh every instance, plan,
// apply what the plan changes, and rewrite the Prometheus file_sd targets.
// Dead instances are recreated this way (self-healing, as Occopus's health
// loop does) and recorded counts are acted on, whoever recorded them.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "apply/apply.h"
#include "autoscale/health_watch.h"
#include "autoscale/monitoring_files.h"
#include "descriptor/descriptor.h"
#include "descriptor/node_graph.h"
#include "providers/health_check.h"
#include "providers/provider.h"
#include "state/state_store.h"

namespace occam {

struct ReconcileOptions {
  std::string state_name;   // the state's path, for the lock's messages
  std::string targets_dir;  // file_sd files; "" writes none
  int parallelism = 10;
  const std::atomic<bool>* interrupted = nullptr;
  // DescriptorDigest of the descriptor reconciled. The round does not act
  // when the state is destroyed, or was last applied from another
  // configuration (unless allow_new_configuration: serve --watch).
  std::string descriptor_digest;
  bool allow_new_configuration = false;
  ApplyObserver* observer = nullptr;  // told of each operation; may be null
  // Watches health: each round checks every ready instance once and taints
  // (so the plan replaces) those failing round after round. May be null.
  HealthWatch* health_watch = nullptr;
  std::function<void(const HealthFailure&)> on_health_failure;
  // Scale-downs drain without holding the round up (ApplyOptions::
  // defer_drains): serve's instances still draining (left alone by the
  // plan) and those whose drain is over (deleted at once).
  bool defer_drains = false;
  std::set<std::string> draining, drained;
  // A configuration change replaces one step of each rollout per round
  // (PlanningOptions::one_rollout_step); the outcome says when more wait.
  bool one_rollout_step = false;
};

struct ReconcileOutcome {
  // Why the round did nothing: "destroyed", "other_configuration"; "" when
  // it ran. A state marked destroying (DELETE /infrastructures/ID) is
  // destroyed by the round: every instance deleted, the counts cleared.
  std::string skipped;
  bool applied = false;  // the plan had changes and apply ran
  ApplyResult result;
  double seconds = 0;  // of the apply
  std::map<std::string, int> desired;  // by node type, after the round
  std::map<std::string, int> actual;   // ready instances (replicas)
  MonitoringUpdate monitoring;  // files rewritten and reloads asked
  int replacements_deferred = 0;  // for the next round (one_rollout_step)
};

Status Reconcile(const Descriptor& descriptor, const NodeGraph& graph,
                 StateStore* store, ProviderRegistry* providers,
                 HealthChecker* health, const ReconcileOptions& options,
                 ReconcileOutcome* outcome);

// Records that serve took over the stale lock of `stale` (an event).
Status LogLockTakeover(StateStore* store, const LockInfo& stale);

// Ready instances per node type; a replicated service counts its replicas.
std::map<std::string, int> ActualCounts(const Descriptor& descriptor,
                                        const StateSnapshot& state);

}  // namespace occam
