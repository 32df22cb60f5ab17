// Terraform's -target: narrows a plan to the named node types or instances
// and the node types they depend on (transitively), so that an operator
// can act on one part of an infrastructure. Changes elsewhere are left for
// a later plan; the desired counts of node types not targeted stay as the
// state records them.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "descriptor/descriptor.h"
#include "descriptor/node_graph.h"
#include "planner/plan.h"
#include "state/state_snapshot.h"

namespace occam {

// `targets` are node names ("app") or instance addresses ("app[1]"). An
// unknown name is an error (with a suggestion).
Status TargetPlan(const std::vector<std::string>& targets,
                  const Descriptor& descriptor, const NodeGraph& graph,
                  const StateSnapshot& state, Plan* plan);

// Terraform's warning, for the output of plan and apply: its headline and
// its explanation.
extern const char kTargetingSummary[];
extern const char kTargetingDetail[];

}  // namespace occam
