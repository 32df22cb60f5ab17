// Apply carries out a Plan through the providers, over the dependency
// graph: an instance is created after the instances it depends on are ready
// (health checks passed), deleted before the ones it depends on; a replace
// deletes, then creates. Independent work runs in parallel, up to
// `parallelism` at a time.
//
// Nothing is lost and nothing is done twice: before a provider creates or
// deletes, the intent is committed to the state; after, the result — each
// in its own transaction. An intent left by a crash is resolved by the next
// apply, which finds objects by their ownership tags and deletes them
// before creating anew.
#pragma once

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "descriptor/descriptor.h"
#include "descriptor/node_graph.h"
#include "planner/plan.h"
#include "providers/health_check.h"
#include "providers/provider.h"
#include "state/state_store.h"

namespace occam {

struct ApplyOptions {
  int parallelism = 10;
  // Set (by SIGINT) to start no new work; running calls finish and are
  // recorded.
  const std::atomic<bool>* interrupted = nullptr;
  // Fault injection for crash tests: SIGKILL this process right after the
  // Nth state commit of the apply, or right before writing it, when the
  // provider has acted and the outcome is not recorded yet (0: never).
  int crash_after_commit = 0;
  int crash_before_commit = 0;
  // Record the plan's desired counts first. occam serve does not: its
  // counts are recorded by its decisions, which may arrive during an apply
  // and must not be overwritten by the counts the plan was made with.
  bool record_counts = true;
  // Who applies, as the "apply" event records it: "cli" or "serve".
  std::string actor = "cli";
  // occam serve: a scale-down's drain does not hold the apply up (nor the
  // decisions that come meanwhile). An instance leaving with nothing after
  // it in the plan is left being deleted, out of every dependent's render,
  // and reported in ApplyResult::draining; serve plans it again once its
  // drain is over, and names it in `drained`: deleted at once.
  bool defer_drains = false;
  std::set<std::string> drained;
};

// What apply tells the user as it goes.
struct ApplyEvent {
  enum class Kind { kStart, kComplete, kFail, kSkip };
  Kind kind = Kind::kStart;
  std::string address;
  std::string operation;  // "create", "update", "delete"
  std::string id;         // the provider's id, when known
  double seconds = 0;
  std::string message;    // the error, or why it was skipped
};

class ApplyObserver {
 public:
  virtual ~ApplyObserver() = default;
  // Called from worker threads, one call at a time.
  virtual void OnEvent(const ApplyEvent& event) = 0;
};

// The settings an apply of `plan` records before it acts: the
// infrastructure's lifecycle (active, or destroyed for a destroy plan) and
// the configuration applied (its digest and where it was read from), which
// occam serve follows (state/state_settings.h).
std::map<std::string, std::string> AppliedSettings(const Plan& plan);
// Commits AppliedSettings(plan) alone: for an apply with nothing to change.
Status RecordApplied(StateStore* store, const Plan& plan);

struct ApplyResult {
  int added = 0;
  int changed = 0;
  int destroyed = 0;
  std::vector<std::string> failed;   // "app[1]: <error>"
  std::vector<std::string> skipped;  // addresses not started
  bool interrupted = false;
  // Instances left draining (defer_drains): address and seconds to drain.
  std::vector<std::pair<std::string, double>> draining;
  bool ok() const { return failed.empty() && skipped.empty() && !interrupted; }
};

// Applies `plan` to `store`. REQUIRES: the caller holds the state lock and
// CheckPlanApplies(plan, state) passed. `descriptor` renders what the plan
// left unknown (addresses of instances it creates). Returns a Status only
// for failures of the state itself; provider failures are in `*result`.
Status ApplyPlan(const Descriptor& descriptor, const Plan& plan,
                 StateStore* store, ProviderRegistry* providers,
                 HealthChecker* health, ApplyObserver* observer,
                 const ApplyOptions& options, ApplyResult* result);

}  // namespace occam
