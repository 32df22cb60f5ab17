// Scaling decisions: a request to change a node type's desired count (from
// the CLI, the REST API or an alert) becomes a new count clamped to the
// node's scaling range, an event saying why, and the state change that
// records both.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "descriptor/descriptor.h"
#include "state/state_snapshot.h"

namespace occam {

struct ScaleRequest {
  std::string node;
  bool relative = true;  // amount is added to the current count
  int amount = 0;
  // An instance to remove first ("app[2]"); only when the count shrinks.
  std::string instance;
  std::string cause = "cli";  // recorded with the event
  nlohmann::json cause_detail = nlohmann::json::object();
};

struct ScaleDecision {
  int from = 0;
  int requested = 0;  // before clamping
  int to = 0;
  std::string message;  // "app: desired count 1 -> 2"
  StateChange change;   // the count and the event, to commit together
};

// Parses "+2", "-1" (relative) or "3" (absolute) into `request`.
Status ParseCountChange(const std::string& text, ScaleRequest* request);

Status DecideScale(const Descriptor& descriptor, const StateSnapshot& state,
                   const ScaleRequest& request, ScaleDecision* decision);

}  // namespace occam
