// Health is watched, not only checked once: each round of occam serve runs
// every ready instance's health checks once (64 instances' at a time, so
// that slow checks do not stretch the round), and an instance that fails
// them `failures` rounds in a row is tainted, so the round's plan replaces
// it — self-healing beyond "the process is alive" (a dead server inside a
// live node, as a dead Alertmanager inside a ready manager node). While an
// instance fails, serve's next round comes after a second (Failing()).
//
// Never all at once, and not in a loop: a node type has at most one
// instance replaced for its health at a time (a tainted or half-made
// instance of it counts), and an address recreated for its health waits
// before the next recreation — 10 s, then 20, 40 … up to 5 min; the wait
// is forgotten once it has passed its checks for 5 min. A flapping check
// (or a dependency every instance fails through) costs one replacement at
// a time, at a slowing pace.
#pragma once

#include <functional>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "providers/health_check.h"
#include "state/state_snapshot.h"

namespace occam {

// One instance's checks failing: what failed, and how many rounds in a row.
struct HealthFailure {
  std::string address;
  std::string failing;  // "port 21003 of 127.0.0.1 is closed"
  int failures = 0;
  bool recreate = false;  // this round tainted it
  // Why a recreation that is due waits: "another instance of app is being
  // replaced", "backing off for 20 s (recreated 2 times)"; "" otherwise.
  std::string held;
};

class HealthWatch {
 public:
  // `check` runs one round of checks ("" when they pass); by default the
  // network checks.
  using Check = std::function<std::string(const HealthCheckSpec&, const std::string& ip,
                                          const std::string& port)>;
  // Milliseconds of a monotonic clock (tests give their own).
  using Clock = std::function<int64_t()>;
  explicit HealthWatch(int failures_to_recreate, Check check = {},
                       Clock clock = {});

  // Checks every ready instance of `state` with something to check (ping,
  // ports or urls). Returns the change that taints the instances failing
  // for the `failures_to_recreate`th round in a row, with a "health" event
  // each; every failure is also told to `on_failure`.
  StateChange Round(const StateSnapshot& state,
                    const std::function<void(const HealthFailure&)>& on_failure);

  // Some instance failed its last round and has rounds to go before its
  // verdict: serve runs the next round in a second, not at its interval.
  // (One whose recreation waits for a back-off or another replacement is
  // checked at the interval, not logged every second.)
  bool Failing() const { return counting_; }

 private:
  struct Pending {
    const ResourceInstance* instance;
    HealthCheckSpec spec;
    std::string ip, port;
  };
  // Each pending instance's checks, several at once: what failed ("" when
  // they pass), in `pending`'s order.
  std::vector<std::string> CheckAll(const std::vector<Pending>& pending);

  // An address's recreations for its health, and when the next may be.
  struct Backoff {
    int recreations = 0;
    int64_t last_ms = 0;
    int64_t not_before_ms = 0;
  };
  // Why `r`'s due recreation must wait; "" when it may go now.
  std::string Held(const ResourceInstance& r, const std::map<std::string, int>& busy,
                   int64_t now) const;
  void Recreated(const std::string& address, int64_t now);

  int failures_to_recreate_;
  Check check_;
  Clock clock_;
  std::map<std::string, int> failures_;  // "address id" -> rounds in a row
  std::map<std::string, Backoff> backoff_;  // by address
  bool counting_ = false;
};

}  // namespace occam
