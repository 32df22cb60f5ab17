#include "cli/refresh_report.h"

#include "base/json_fields.h"

namespace occam {
namespace {

bool Drifted(const ResourceInstance& r) {
  return r.status == InstanceStatus::kGone || r.status == InstanceStatus::kDrifted;
}

}  // namespace

int DriftCount(const StateChange& refreshed) {
  int n = 0;
  for (const ResourceInstance& r : refreshed.put) n += Drifted(r);
  return n;
}

std::string RefreshOnlyText(const StateChange& refreshed, bool will_apply) {
  if (DriftCount(refreshed) == 0) {
    return "\nNo changes. Your infrastructure still matches the configuration.\n\n"
           "occam has checked that the real objects still match the result of "
           "your most recent changes, and found no differences.\n";
  }
  std::string out =
      "\nNote: Objects have changed outside of occam\n\n"
      "occam detected the following changes made outside of occam since the "
      "last \"occam apply\":\n\n";
  for (const ResourceInstance& r : refreshed.put) {
    if (r.status == InstanceStatus::kGone) {
      out += "  # " + r.address + " has been deleted\n";
    } else if (r.status == InstanceStatus::kDrifted) {
      out += "  # " + r.address + " has changed: " +
             JsonString(r.outputs.value(), "drift", "its object changed") + "\n";
    }
  }
  out += will_apply
             ? "\nThis is a refresh-only apply: occam records these findings in "
               "the state and changes no object. The next plan recreates what "
               "is gone.\n"
             : "\nThis is a refresh-only plan, so occam will not take any "
               "actions to undo these. To record them in the state without "
               "changing any object, run occam apply -refresh-only.\n";
  return out;
}

}  // namespace occam
