#include "state/state_settings.h"

#include <nlohmann/json.hpp>

#include "base/json_fields.h"
#include "state/state_lock.h"

namespace occam {
namespace {

int64_t Int64(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

bool IsDestroyed(const StateSnapshot& state) {
  auto it = state.settings.find(kLifecycleSetting);
  return it != state.settings.end() && it->second == "destroyed";
}

bool IsDestroying(const StateSnapshot& state) {
  auto it = state.settings.find(kLifecycleSetting);
  return it != state.settings.end() && it->second == "destroying";
}

std::string DaemonLeaseToJson(const DaemonLease& lease) {
  const LockInfo& p = lease.process;
  nlohmann::json j = {{"id", p.id},           {"who", p.who},
                      {"host", p.host},       {"pid", p.pid},
                      {"process_start", p.process_start},
                      {"since_ms", p.since_ms}, {"listen", lease.listen}};
  return j.dump();
}

std::optional<DaemonLease> RecordedDaemon(const StateSnapshot& state) {
  auto it = state.settings.find(kDaemonSetting);
  if (it == state.settings.end()) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(it->second, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  DaemonLease lease;
  lease.process.id = JsonString(j, "id");
  lease.process.operation = "serve";
  lease.process.who = JsonString(j, "who");
  lease.process.host = JsonString(j, "host");
  lease.process.pid = static_cast<int>(JsonInt(j, "pid", 0));
  lease.process.process_start = Int64(j, "process_start");
  lease.process.since_ms = Int64(j, "since_ms");
  lease.listen = JsonString(j, "listen");
  if (lease.process.pid <= 0) return std::nullopt;
  return lease;
}

std::optional<DaemonLease> LiveDaemon(const StateSnapshot& state) {
  std::optional<DaemonLease> lease = RecordedDaemon(state);
  if (lease && !LockHolderIsRunning(lease->process)) return std::nullopt;
  return lease;
}

std::string DescribeDaemon(const DaemonLease& lease) {
  return "occam serve (pid " + std::to_string(lease.process.pid) + ", " +
         lease.listen + ")";
}

}  // namespace occam
