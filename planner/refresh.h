// Refresh asks each instance's provider whether its object still exists,
// so that a plan recreates what died (drift): a gone object's instance is
// marked InstanceStatus::kGone, and outputs the provider reports are
// merged into the others' (what it does not report is kept).
// Types occam has no provider for are left as they are.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "providers/provider.h"
#include "state/state_snapshot.h"

namespace occam {

// Told before and after each instance is read (done = false, then true),
// with its provider id: the JSON UI's refresh_start / refresh_complete.
using RefreshObserver =
    std::function<void(const ResourceInstance& instance, bool done)>;

// Reads every ready instance of `*state` and changes `*state` in memory.
// `*change`, when not null, receives the same changes for committing.
Status RefreshState(ProviderRegistry* providers, StateSnapshot* state,
                    StateChange* change, const RefreshObserver& observer = {});

}  // namespace occam
