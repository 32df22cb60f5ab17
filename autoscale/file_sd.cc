#include "autoscale/file_sd.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/atomic_file.h"

namespace occam {

using nlohmann::json;

Status WriteFileSdTargets(const std::vector<std::string>& nodes,
                          const StateSnapshot& state, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  for (const std::string& node : nodes) {
    json groups = json::array();
    for (const ResourceInstance* r : state.InstancesOf(node)) {
      if (r->status != InstanceStatus::kReady) continue;
      std::string target = InstanceEndpoint(r->outputs.value());
      if (target.empty()) continue;
      groups.push_back({{"targets", {target}},
                        {"labels",
                         {{"infra_id", state.infra_id},
                          {"node", node},
                          {"instance", r->address},
                          {"address", target}}}});
    }
    Status s = WriteFileAtomically(
        (std::filesystem::path(dir) / (node + ".json")).string(),
        groups.dump(2) + "\n");
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status WriteTargetsAfterApply(const Descriptor& descriptor, const Plan& plan,
                              const StateSnapshot& state, const std::string& dir) {
  std::vector<std::string> nodes = descriptor.NodeNames();
  for (const ResourceChange& c : plan.changes) {
    if (std::find(nodes.begin(), nodes.end(), c.node) == nodes.end()) {
      nodes.push_back(c.node);
    }
  }
  return WriteFileSdTargets(nodes, state, dir);
}

}  // namespace occam
