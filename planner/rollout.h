// How a node type's replacements roll out (a rolling update, as a
// Kubernetes Deployment's): how many at once, successors first or old
// objects first, and how long an old object drains once no dependent
// sends to it. The planner records the order in Plan::rollouts; apply
// follows it.
#pragma once

#include <string>
#include <vector>

#include "descriptor/descriptor.h"
#include "planner/plan.h"

namespace occam {

struct RolloutPolicy {
  bool surge = false;  // successors first
  int at_once = 1;
};

// lifecycle's max_surge/max_unavailable, or the defaults: successors first,
// one at a time, with create_before_destroy; otherwise old objects first,
// one at a time.
RolloutPolicy RolloutPolicyOf(const NodeSpec& node);

// The drain of `node`'s old objects: its `scaling.drain`, or 2 s when
// another node type depends on it (something may send it requests), else 0.
double RolloutDrainSeconds(const NodeSpec& node, bool has_dependents);

// The rollout of `replaced` (addresses in index order) of `node`.
Rollout MakeRollout(const NodeSpec& node, bool has_dependents,
                    std::vector<std::string> replaced);

// For people: "app[0], then app[1] (one at a time: each old instance
// leaves its dependents' targets and drains 2s before it is deleted, then
// its successor is created)".
std::string DescribeRollout(const Rollout& rollout);

}  // namespace occam
