// Refresh asks each instance's provider whether its object still exists,
// so that a plan recreates what died (drift): a gone object's instance is
// marked InstanceStatus::kGone, and outputs the provider reports are
// merged into the others' (what it does not report is kept).
// Types occam has no provider for are left as they are.
#pragma once

#include <vector>

#include "base/status.h"
#include "providers/provider.h"
#include "state/state_snapshot.h"

namespace occam {

// Reads every ready instance of `*state` and changes `*state` in memory.
// `*change`, when not null, receives the same changes for committing.
Status RefreshState(ProviderRegistry* providers, StateSnapshot* state,
                    StateChange* change);

}  // namespace occam
