#include "planner/rollout.h"

#include <cmath>

namespace occam {
namespace {

constexpr double kDefaultDrainSeconds = 2;

std::string Seconds(double s) {
  if (s == std::floor(s)) return std::to_string(static_cast<long long>(s)) + "s";
  std::string text = std::to_string(s);
  text.erase(text.find_last_not_of('0') + 1);
  return text + "s";
}

}  // namespace

RolloutPolicy RolloutPolicyOf(const NodeSpec& node) {
  RolloutPolicy p;
  if (node.max_surge > 0 || (node.create_before_destroy && node.max_surge < 0)) {
    p.surge = true;
    p.at_once = std::max(1, node.max_surge);
  } else {
    p.at_once = std::max(1, node.max_unavailable);
  }
  return p;
}

double RolloutDrainSeconds(const NodeSpec& node, bool has_dependents) {
  if (node.scaling.drain_seconds >= 0) return node.scaling.drain_seconds;
  return has_dependents ? kDefaultDrainSeconds : 0;
}

Rollout MakeRollout(const NodeSpec& node, bool has_dependents,
                    std::vector<std::string> replaced) {
  RolloutPolicy policy = RolloutPolicyOf(node);
  Rollout r;
  r.node = node.name;
  r.surge = policy.surge;
  r.at_once = policy.at_once;
  r.drain_seconds = RolloutDrainSeconds(node, has_dependents);
  r.order = std::move(replaced);
  return r;
}

std::string DescribeRollout(const Rollout& r) {
  constexpr size_t kListed = 20;
  std::string order;
  for (size_t i = 0; i < r.order.size() && i < kListed; ++i) {
    order += i == 0 ? "" : r.at_once == 1 ? ", then " : ", ";
    order += r.order[i];
  }
  if (r.order.size() > kListed) {
    order += ", … (" + std::to_string(r.order.size() - kListed) +
             " more, in index order)";
  }
  std::string pace = r.at_once == 1 ? "one at a time"
                                    : std::to_string(r.at_once) + " at a time";
  std::string drain = r.drain_seconds > 0 ? " and drains " + Seconds(r.drain_seconds) : "";
  std::string how =
      r.surge ? "each successor is created and ready first, then the old instance "
                "leaves its dependents' targets" + drain + " before it is deleted"
              : "each old instance leaves its dependents' targets" + drain +
                    " before it is deleted, then its successor is created";
  return order + " (" + pace + ": " + how + ")";
}

}  // namespace occam
