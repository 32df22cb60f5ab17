#include "autoscale/health_watch.h"

#include <algorithm>
#include <set>

#include "base/json_fields.h"

namespace occam {

using nlohmann::json;

HealthWatch::HealthWatch(int failures_to_recreate, Check check)
    : failures_to_recreate_(std::max(1, failures_to_recreate)),
      check_(check ? std::move(check) : Check(&NetworkHealthChecker::CheckOnce)) {}

namespace {

bool SomethingToCheck(const HealthCheckSpec& spec) {
  return spec.ping || !spec.ports.empty() || !spec.urls.empty();
}

std::string PortOf(const json& outputs) {
  const json& port = JsonField(outputs, "port");
  if (port.is_number_integer()) return std::to_string(port.get<long long>());
  return port.is_string() ? port.get<std::string>() : "";
}

}  // namespace

StateChange HealthWatch::Round(
    const StateSnapshot& state,
    const std::function<void(const HealthFailure&)>& on_failure) {
  StateChange change;
  std::set<std::string> seen;
  for (const auto& [address, r] : state.instances) {
    if (r.status != InstanceStatus::kReady) continue;
    HealthCheckSpec spec =
        HealthCheckSpec::FromConfig(JsonField(r.attributes.value(), "health_check"));
    if (!SomethingToCheck(spec)) continue;
    const json& outputs = r.outputs.value();
    std::string key = address + " " + r.provider_id;
    seen.insert(key);
    std::string failing =
        check_(spec, JsonString(outputs, "ip", "127.0.0.1"), PortOf(outputs));
    if (failing.empty()) {
      failures_.erase(key);
      continue;
    }
    HealthFailure f{address, failing, ++failures_[key], false};
    f.recreate = f.failures >= failures_to_recreate_;
    if (f.recreate) {
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
