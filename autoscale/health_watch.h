// Health is watched, not only checked once: each round of occam serve runs
// every ready instance's health checks once, and an instance that fails
// them `failures` rounds in a row is tainted, so the round's plan replaces
// it — self-healing beyond "the process is alive" (a dead server inside a
// live node, as a dead Alertmanager inside a ready manager node).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "providers/health_check.h"
#include "state/state_snapshot.h"

namespace occam {

// One instance's checks failing: what failed, and how many rounds in a row.
struct HealthFailure {
  std::string address;
  std::string failing;  // "port 21003 of 127.0.0.1 is closed"
  int failures = 0;
  bool recreate = false;  // this round tainted it
};

class HealthWatch {
 public:
  // `check` runs one round of checks ("" when they pass); by default the
  // network checks.
  using Check = std::function<std::string(const HealthCheckSpec&, const std::string& ip,
                                          const std::string& port)>;
  explicit HealthWatch(int failures_to_recreate, Check check = {});

  // Checks every ready instance of `state` with something to check (ping,
  // ports or urls). Returns the change that taints the instances failing
  // for the `failures_to_recreate`th round in a row, with a "health" event
  // each; every failure is also told to `on_failure`.
  StateChange Round(const StateSnapshot& state,
                    const std::function<void(const HealthFailure&)>& on_failure);

 private:
  int failures_to_recreate_;
  Check check_;
  std::map<std::string, int> failures_;  // "address id" -> rounds in a row
};

}  // namespace occam
