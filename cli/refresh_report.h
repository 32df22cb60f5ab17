// Terraform's refresh-only report: what a refresh found changed outside
// occam (objects gone or drifted), for plan -refresh-only and apply
// -refresh-only.
#pragma once

#include <string>

#include "state/state_snapshot.h"

namespace occam {

// The instances of `refreshed` (what RefreshState put in its change) that
// are gone or drifted.
int DriftCount(const StateChange& refreshed);

// "Note: Objects have changed outside of occam" and one line per instance,
// or Terraform's "No changes." when nothing drifted.
std::string RefreshOnlyText(const StateChange& refreshed, bool will_apply);

}  // namespace occam
