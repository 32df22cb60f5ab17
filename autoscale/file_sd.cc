#include "autoscale/file_sd.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/json_fields.h"

namespace occam {
namespace {

using nlohmann::json;

std::string Target(const json& outputs) {
  std::string ip = JsonString(outputs, "ip");
  if (ip.empty()) return "";
  const json& port = JsonField(outputs, "port");
  if (port.is_number_integer()) return ip + ":" + std::to_string(port.get<int>());
  if (port.is_string() && !port.get<std::string>().empty()) {
    return ip + ":" + port.get<std::string>();
  }
  return ip;
}

}  // namespace

Status WriteFileSdTargets(const Descriptor& descriptor,
                          const StateSnapshot& state, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  for (const NodeSpec& node : descriptor.nodes) {
    json groups = json::array();
    for (const ResourceInstance* r : state.InstancesOf(node.name)) {
      if (r->status != InstanceStatus::kReady) continue;
      std::string target = Target(r->outputs.value());
      if (target.empty()) continue;
      groups.push_back({{"targets", {target}},
                        {"labels",
                         {{"infra_id", state.infra_id},
                          {"node", node.name},
                          {"instance", r->address}}}});
    }
    Status s = WriteFileAtomically(
        (std::filesystem::path(dir) / (node.name + ".json")).string(),
        groups.dump(2) + "\n");
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace occam
