// Prometheus file-based service discovery: one JSON file per node type,
// NODE.json, listing each ready instance as a target ("ip:port", or the ip
// when the instance has no port) labelled infra_id, node, instance (its
// address, app[2]) and address (the target). The role Consul plays in
// MiCADO: every apply writes them, CLI or serve, so they follow the state.
// Files are replaced atomically (write, fsync, rename), so Prometheus never
// reads half a file.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "descriptor/descriptor.h"
#include "planner/plan.h"
#include "state/state_snapshot.h"

namespace occam {

// Writes the target file of each of `nodes` into `dir` (created when
// missing); a node type without ready instances gets an empty list.
Status WriteFileSdTargets(const std::vector<std::string>& nodes,
                          const StateSnapshot& state, const std::string& dir);

// The targets once `plan` is applied to `state`: of every node type of
// `descriptor` and of the plan's changes (a destroy empties the files of
// node types no descriptor names any more).
Status WriteTargetsAfterApply(const Descriptor& descriptor, const Plan& plan,
                              const StateSnapshot& state, const std::string& dir);

}  // namespace occam
