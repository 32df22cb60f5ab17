// Saved plans: `occam plan --out FILE` writes one, `occam show FILE` and
// `occam apply FILE` read it. A plan file is JSON (docs/plan-file.md):
// {"format": "occam-plan", "version": 1, "plan": {…}}, written atomically
// with mode 0600, since it holds the values that apply will use, secrets
// included (sealed, when a state key is given).
#pragma once

#include <string>

#include "base/status.h"
#include "planner/plan.h"
#include "state/secret_key.h"
#include "state/state_snapshot.h"

namespace occam {

// With a key that seals (`keys.can_seal`), the values the plan marks
// secret and its secret -var assignments are sealed in the file
// (sealed_secrets.h).
Status WritePlanFile(const std::string& path, const Plan& plan,
                     const SecretKeyring& keys = {});
// Opens what `keys` opens. A secret sealed with a key it lacks is an error
// naming the key, unless `leave_sealed` (occam show, which masks secrets).
Status ReadPlanFile(const std::string& path, Plan* plan,
                    const SecretKeyring& keys = {}, bool leave_sealed = false);

// Whether `plan` may be applied to `state`: refuses a plan made against
// another state ("Saved plan does not match the given state") or an older
// serial of this one ("Saved plan is stale").
Status CheckPlanApplies(const Plan& plan, const StateSnapshot& state);

}  // namespace occam
