#include "planner/replace_request.h"

#include <set>

#include "base/spelling.h"
#include "planner/address.h"

namespace occam {

Status MarkForReplacement(const std::vector<std::string>& addresses,
                          StateSnapshot* state) {
  for (const std::string& given : addresses) {
    std::string address = WithoutResourceType(given);
    auto it = state->instances.find(address);
    if (it == state->instances.end()) {
      std::vector<std::string> known;
      for (const auto& [a, r] : state->instances) known.push_back(a);
      return Status::InvalidArgument(
          "-replace=" + given + ": the state has no instance " + address +
          DidYouMean(address, known) +
          "; occam state list shows the instances (a node type is replaced "
          "instance by instance: -replace=app[0] -replace=app[1])");
    }
    if (it->second.status == InstanceStatus::kReady) {
      it->second.status = InstanceStatus::kTainted;
    }
  }
  return Status::Ok();
}

void LabelRequestedReplacements(const std::vector<std::string>& addresses,
                                Plan* plan) {
  std::set<std::string> asked;
  for (const std::string& a : addresses) asked.insert(WithoutResourceType(a));
  for (ResourceChange& c : plan->changes) {
    if (!asked.count(c.address) || !c.deposed.empty() ||
        c.action != ChangeAction::kReplace || c.reason != ChangeReason::kTainted) {
      continue;
    }
    c.reason = ChangeReason::kReplaceRequested;
    c.reason_detail = "-replace=" + c.address + " asked for it";
  }
}

}  // namespace occam
