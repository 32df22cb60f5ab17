// The planner: (descriptor, node graph, state snapshot) → Plan. It decides
// how many instances each node type has and which keys they take, renders
// each instance's configuration, and compares it with what the state
// recorded. Pure: no I/O, no clock; the same inputs give the same plan.
#pragma once

#include <set>
#include <string>

#include "base/diagnostic.h"
#include "descriptor/descriptor.h"
#include "descriptor/node_graph.h"
#include "planner/plan.h"
#include "state/state_snapshot.h"

namespace occam {

// The most configuration a plan holds, each distinct rendering counted
// once: a node type's instances usually share one.
constexpr size_t kMaxPlanConfigBytes = size_t{256} << 20;

// Fills `*plan`. Returns false with diagnostics when a template cannot be
// rendered, or the configurations take more than kMaxPlanConfigBytes.
struct PlanningOptions {
  // Instances occam serve is draining (a scale-down whose drain has not
  // ended): left alone, neither counted nor replaced, their indices not
  // reused.
  std::set<std::string> draining;
  // occam serve: of a node type's replacements for a changed
  // configuration, only the first step of its rollout (`at_once` of them)
  // is planned; the others stay as they are, counted in
  // Plan::replacements_deferred, for the next plan. A decision that comes
  // meanwhile then waits for one step's drain, not a whole rollout's.
  bool one_rollout_step = false;
};

bool MakePlan(const Descriptor& descriptor, const NodeGraph& graph,
              const StateSnapshot& state, Plan* plan, Diagnostics* diags,
              const PlanningOptions& options = {});

// The desired count of `node`: the state's, or min when the state has none,
// clamped to [min, max]. Sets `*note` when it had to clamp.
int DesiredCount(const NodeSpec& node, const StateSnapshot& state,
                 std::string* note);

// A plan that deletes every instance of the state, dependents first, and
// forgets the desired counts.
Plan MakeDestroyPlan(const StateSnapshot& state);

// SHA-256 of everything in the descriptor that affects a plan.
std::string DescriptorDigest(const Descriptor& descriptor);

}  // namespace occam
