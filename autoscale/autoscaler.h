// The Autoscaler turns Alertmanager notifications into scaling decisions:
// a firing alert labelled with this infrastructure's infra_id, an existing
// node and alert: overloaded|underloaded scales that node one step, clamped
// to its range, unless the node is cooling down or the same alert
// (fingerprint and startsAt) already scaled it within the cooldown.
// Every decision, taken or refused, comes with an event saying why.
//
// Not thread-safe: the server calls it under one mutex, with the state it
// has just loaded, and commits the change before answering.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "descriptor/descriptor.h"
#include "state/state_snapshot.h"

namespace occam {

struct Alert {
  std::string status;       // "firing" or "resolved"
  std::string fingerprint;
  std::string starts_at;
  nlohmann::json labels = nlohmann::json::object();
  // The rules occam writes annotate `value`: the query's value when the
  // alert fired (target tracking scales by it).
  nlohmann::json annotations = nlohmann::json::object();
};

// How far an alert moves `node`'s count: one step in its direction, or with
// a target-tracking policy (policy.target) and the alert's value,
// ceil(count × value ÷ target) − count — at least one step in the
// alert's direction, at most max_step. Notes value, target and step in
// `*detail`.
int Step(const NodeSpec& node, const StateSnapshot& state, const Alert& alert,
         bool up, nlohmann::json* detail);

// Alerts one webhook request may carry: Alertmanager sends a group's
// alerts together, a few hundred at most (its webhook_config's max_alerts
// bounds them).
constexpr size_t kMaxAlertsPerRequest = 1000;

// The alerts of an Alertmanager webhook body (payload version 4); TooLarge
// past kMaxAlertsPerRequest.
Status ParseAlertmanagerPayload(const std::string& body,
                                std::vector<Alert>* out);

// Outcomes of alerts that are not about this infrastructure's nodes: they
// are counted, not recorded one by one.
bool IsForeignOutcome(const std::string& outcome);

struct AlertDecision {
  std::string node;     // as labelled ("" when not)
  std::string outcome;  // scaled, clamped, cooldown, duplicate, resolved,
                        // other_infrastructure, unknown_node, not_occams,
                        // refused (the infrastructure is destroyed)
  bool scaled() const { return outcome == "scaled"; }
  StateChange change;   // the event, and the new count when scaled
};

class Autoscaler {
 public:
  using Clock = std::chrono::steady_clock;

  AlertDecision Decide(const Alert& alert, const Descriptor& descriptor,
                       const StateSnapshot& state, Clock::time_point now);

  // Remembers the alert decisions that scaled, from the event log (any
  // order), so a restarted daemon keeps their cooldowns and does not act on
  // the same alert twice. `now_ms` is the wall clock `now` stands for.
  void Restore(const std::vector<Event>& events, int64_t now_ms,
               Clock::time_point now);

 private:
  std::map<std::string, Clock::time_point> last_scaled_;  // by node
  std::map<std::string, Clock::time_point> alert_scaled_;  // by fingerprint@startsAt
};

}  // namespace occam
