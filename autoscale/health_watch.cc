#include "autoscale/health_watch.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "base/json_fields.h"

namespace occam {

using nlohmann::json;

namespace {

constexpr int kConcurrentPerNode = 1;
// Checks run at once: a round of up to 64 instances takes about its
// slowest check, not the sum (checks mostly wait on the network).
constexpr size_t kParallelChecks = 64;
constexpr int64_t kFirstBackoffMs = 10'000;
constexpr int64_t kMaxBackoffMs = 300'000;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Instances of each node type being replaced now: tainted ones and those
// an apply left half made or half deleted.
std::map<std::string, int> BeingReplaced(const StateSnapshot& state) {
  std::map<std::string, int> busy;
  for (const auto& [address, r] : state.instances) {
    if (r.status == InstanceStatus::kTainted || r.status == InstanceStatus::kCreating ||
        r.status == InstanceStatus::kDeleting) {
      ++busy[r.node];
    }
  }
  return busy;
}

bool SomethingToCheck(const HealthCheckSpec& spec) {
  return spec.ping || !spec.ports.empty() || !spec.urls.empty();
}

std::string PortOf(const json& outputs) {
  const json& port = JsonField(outputs, "port");
  if (port.is_number_integer()) return std::to_string(port.get<long long>());
  return port.is_string() ? port.get<std::string>() : "";
}

}  // namespace

HealthWatch::HealthWatch(int failures_to_recreate, Check check, Clock clock)
    : failures_to_recreate_(std::max(1, failures_to_recreate)),
      check_(check ? std::move(check) : Check(&NetworkHealthChecker::CheckOnce)),
      clock_(clock ? std::move(clock) : Clock(&SteadyMs)) {}

std::string HealthWatch::Held(const ResourceInstance& r,
                              const std::map<std::string, int>& busy,
                              int64_t now) const {
  auto b = busy.find(r.node);
  if (b != busy.end() && b->second >= kConcurrentPerNode) {
    return "another instance of " + r.node + " is being replaced";
  }
  auto it = backoff_.find(r.address);
  if (it == backoff_.end() || now >= it->second.not_before_ms) return "";
  return "backing off for " + std::to_string((it->second.not_before_ms - now + 999) / 1000) +
         " s more (recreated " + std::to_string(it->second.recreations) +
         " times for its health)";
}

void HealthWatch::Recreated(const std::string& address, int64_t now) {
  Backoff& b = backoff_[address];
  ++b.recreations;
  b.last_ms = now;
  int shift = std::min(b.recreations - 1, 10);
  b.not_before_ms = now + std::min(kFirstBackoffMs << shift, kMaxBackoffMs);
}

std::vector<std::string> HealthWatch::CheckAll(const std::vector<Pending>& pending) {
  std::vector<std::string> failing(pending.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < pending.size(); i = next++) {
      const Pending& p = pending[i];
      failing[i] = check_(p.spec, p.ip, p.port);
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < std::min(kParallelChecks, pending.size()); ++t) {
    threads.emplace_back(work);
  }
  work();
  for (std::thread& t : threads) t.join();
  return failing;
}

StateChange HealthWatch::Round(
    const StateSnapshot& state,
    const std::function<void(const HealthFailure&)>& on_failure) {
  StateChange change;
  std::set<std::string> seen;
  std::map<std::string, int> busy = BeingReplaced(state);
  std::vector<Pending> pending;
  for (const auto& [address, r] : state.instances) {
    if (r.status != InstanceStatus::kReady) continue;
    HealthCheckSpec spec =
        HealthCheckSpec::FromConfig(JsonField(r.attributes.value(), "health_check"));
    if (!SomethingToCheck(spec)) continue;
    const json& outputs = r.outputs.value();
    pending.push_back({&r, std::move(spec), JsonString(outputs, "ip", "127.0.0.1"),
                       PortOf(outputs)});
  }
  std::vector<std::string> results = CheckAll(pending);
  int64_t now = clock_();
  counting_ = false;
  for (size_t i = 0; i < pending.size(); ++i) {
    const ResourceInstance& r = *pending[i].instance;
    const std::string& address = r.address;
    const std::string& failing = results[i];
    std::string key = address + " " + r.provider_id;
    seen.insert(key);
    if (failing.empty()) {
      failures_.erase(key);
      auto b = backoff_.find(address);
      if (b != backoff_.end() && now - b->second.last_ms >= kMaxBackoffMs) backoff_.erase(b);
      continue;
    }
    HealthFailure f{address, failing, ++failures_[key], false, ""};
    if (f.failures >= failures_to_recreate_) f.held = Held(r, busy, now);
    f.recreate = f.failures >= failures_to_recreate_ && f.held.empty();
    counting_ = counting_ || f.failures < failures_to_recreate_;
    if (f.recreate) {
      ++busy[r.node];
      Recreated(address, now);
      ResourceInstance tainted = r;
      tainted.status = InstanceStatus::kTainted;
      change.put.push_back(tainted);
      Event event;
      event.kind = "health";
      event.node = r.node;
      event.message = address + ": health checks failed " + std::to_string(f.failures) +
                      " rounds in a row (" + failing + "); recreating it";
      event.detail = {{"address", address}, {"id", r.provider_id},
                      {"failing", failing}, {"failures", f.failures}};
      change.events.push_back(event);
      failures_.erase(key);
    }
    if (on_failure) on_failure(f);
  }
  // Forget instances that are gone or no longer ready.
  for (auto it = failures_.begin(); it != failures_.end();) {
    it = seen.count(it->first) ? std::next(it) : failures_.erase(it);
  }
  return change;
}

}  // namespace occam
