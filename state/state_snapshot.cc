#include "state/state_snapshot.h"

#include <algorithm>
#include <charconv>

namespace occam {

std::string InstanceStatusName(InstanceStatus status) {
  switch (status) {
    case InstanceStatus::kCreating:
      return "creating";
    case InstanceStatus::kReady:
      return "ready";
    case InstanceStatus::kTainted:
      return "tainted";
    case InstanceStatus::kDeleting:
      return "deleting";
    case InstanceStatus::kGone:
      return "gone";
    case InstanceStatus::kDrifted:
      return "drifted";
  }
  return "ready";
}

std::optional<InstanceStatus> ParseInstanceStatus(const std::string& name) {
  for (InstanceStatus s : {InstanceStatus::kCreating, InstanceStatus::kReady,
                           InstanceStatus::kTainted, InstanceStatus::kDeleting,
                           InstanceStatus::kGone, InstanceStatus::kDrifted}) {
    if (InstanceStatusName(s) == name) return s;
  }
  return std::nullopt;
}

std::string InstanceAddress(const std::string& node, int index) {
  return node + "[" + std::to_string(index) + "]";
}

bool ParseInstanceAddress(const std::string& address, std::string* node,
                          int* index) {
  size_t open = address.find('[');
  if (open == std::string::npos || open == 0 || address.back() != ']') {
    return false;
  }
  const char* begin = address.data() + open + 1;
  const char* end = address.data() + address.size() - 1;
  auto [ptr, ec] = std::from_chars(begin, end, *index);
  if (ec != std::errc() || ptr != end || *index < 0) return false;
  *node = address.substr(0, open);
  return true;
}

std::string InstanceEndpoint(const nlohmann::json& outputs) {
  auto ip = outputs.is_object() ? outputs.find("ip") : outputs.end();
  if (ip == outputs.end() || !ip->is_string() || ip->get<std::string>().empty()) {
    return "";
  }
  std::string out = ip->get<std::string>();
  auto port = outputs.find("port");
  if (port == outputs.end()) return out;
  if (port->is_number_integer()) return out + ":" + std::to_string(port->get<long long>());
  if (port->is_string() && !port->get<std::string>().empty()) {
    return out + ":" + port->get<std::string>();
  }
  return out;
}

std::vector<const ResourceInstance*> StateSnapshot::InstancesOf(
    const std::string& node) const {
  std::vector<const ResourceInstance*> out;
  // Addresses of one node share the prefix "node[": a range of the map.
  const std::string prefix = node + "[";
  for (auto it = instances.lower_bound(prefix);
       it != instances.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    if (it->second.node == node) out.push_back(&it->second);
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) {
    return a->index < b->index;
  });
  return out;
}

namespace {

void ApplyCounts(const StateChange& change, StateSnapshot* snapshot) {
  for (const auto& [node, count] : change.set_desired) {
    snapshot->desired_counts[node] = count;
  }
  for (const std::string& node : change.clear_desired) {
    snapshot->desired_counts.erase(node);
  }
  for (const auto& [key, value] : change.set_settings) {
    if (value.empty()) {
      snapshot->settings.erase(key);
    } else {
      snapshot->settings[key] = value;
    }
  }
}

}  // namespace

void ApplyChange(const StateChange& change, StateSnapshot* snapshot) {
  for (const std::string& address : change.remove) {
    snapshot->instances.erase(address);
  }
  for (const ResourceInstance& instance : change.put) {
    snapshot->instances[instance.address] = instance;
  }
  ApplyCounts(change, snapshot);
}

void ApplyChange(StateChange&& change, StateSnapshot* snapshot) {
  for (const std::string& address : change.remove) {
    snapshot->instances.erase(address);
  }
  for (ResourceInstance& instance : change.put) {
    std::string address = instance.address;
    snapshot->instances[address] = std::move(instance);
  }
  ApplyCounts(change, snapshot);
}

}  // namespace occam
