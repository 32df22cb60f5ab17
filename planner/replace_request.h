// Terraform's -replace=ADDRESS: plan the replacement of an instance whose
// configuration has not changed (a machine that misbehaves, a container to
// restart), without tainting it in the state first.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "planner/plan.h"
#include "state/state_snapshot.h"

namespace occam {

// Marks the instances at `addresses` ("app[0]" or "docker.app[0]") for
// replacement in `state`, a copy that is planned from and never committed.
// An address the state does not hold is an error, with a suggestion.
Status MarkForReplacement(const std::vector<std::string>& addresses,
                          StateSnapshot* state);

// Says in `plan` that the replacements of `addresses` were asked for, as
// Terraform's "will be replaced, as requested".
void LabelRequestedReplacements(const std::vector<std::string>& addresses,
                                Plan* plan);

}  // namespace occam
