// Saved plans: `occam plan --out FILE` writes one, `occam show FILE` and
// `occam apply FILE` read it. A plan file is JSON (docs/plan-file.md):
// {"format": "occam-plan", "version": 1, "plan": {…}}, written atomically
// with mode 0600, since it holds the values that apply will use, secrets
// included.
#pragma once

#include <string>

#include "base/status.h"
#include "planner/plan.h"
#include "state/state_snapshot.h"

namespace occam {

Status WritePlanFile(const std::string& path, const Plan& plan);
Status ReadPlanFile(const std::string& path, Plan* plan);

// Whether `plan` may be applied to `state`: refuses a plan made against
// another state ("Saved plan does not match the given state") or an older
// serial of this one ("Saved plan is stale").
Status CheckPlanApplies(const Plan& plan, const StateSnapshot& state);

}  // namespace occam
