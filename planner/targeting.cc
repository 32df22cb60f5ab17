#include "planner/targeting.h"

#include <set>

#include "base/spelling.h"

namespace occam {

const char kTargetingSummary[] = "Resource targeting is in effect";
const char kTargetingDetail[] =
    "You are creating a plan with the -target option, which means that the "
    "result of this plan may not represent all of the changes requested by "
    "the current descriptor.\n\n"
    "The -target option is not for routine use, and is provided only for "
    "exceptional situations such as recovering from errors or mistakes, or "
    "when occam specifically suggests to use it as part of an error "
    "message.";

namespace {

// The node types `nodes` need, themselves included.
std::set<std::string> WithDependencies(const std::set<std::string>& nodes,
                                       const Descriptor& d,
                                       const NodeGraph& graph) {
  std::set<std::string> out;
  std::vector<int> stack;
  for (const std::string& n : nodes) stack.push_back(d.FindNode(n));
  while (!stack.empty()) {
    int v = stack.back();
    stack.pop_back();
    if (v < 0 || !out.insert(graph.name(v)).second) continue;
    for (int dep : graph.dag().DependenciesOf(v)) stack.push_back(dep);
  }
  return out;
}

}  // namespace

Status TargetPlan(const std::vector<std::string>& targets,
                  const Descriptor& descriptor, const NodeGraph& graph,
                  const StateSnapshot& state, Plan* plan) {
  std::set<std::string> whole_nodes, instances, named_nodes;
  for (const std::string& t : targets) {
    std::string node;
    int index = -1;
    bool instance = ParseInstanceAddress(t, &node, &index);
    if (!instance) node = t;
    if (descriptor.FindNode(node) < 0) {
      return Status::InvalidArgument(
          "-target " + t + ": no node named '" + node + "' in the descriptor" +
          DidYouMean(node, descriptor.NodeNames()));
    }
    named_nodes.insert(node);
    (instance ? instances : whole_nodes).insert(instance ? t : node);
  }
  std::set<std::string> needed = WithDependencies(named_nodes, descriptor, graph);
  auto targeted = [&](const ResourceChange& c) {
    if (whole_nodes.count(c.node) || instances.count(c.address)) return true;
    // A dependency of a target is planned whole; a node named only by
    // some of its instances is limited to those.
    return needed.count(c.node) && !named_nodes.count(c.node);
  };
  std::vector<ResourceChange> kept;
  for (ResourceChange& c : plan->changes) {
    if (c.action == ChangeAction::kNoOp || targeted(c)) kept.push_back(std::move(c));
  }
  plan->changes = std::move(kept);
  for (auto& [node, count] : plan->desired_counts) {
    bool whole = whole_nodes.count(node) ||
                 (needed.count(node) && !named_nodes.count(node));
    if (whole) continue;
    // Not targeted, or targeted by some instances only: the count stays
    // what the state records.
    auto recorded = state.desired_counts.find(node);
    if (recorded != state.desired_counts.end()) count = recorded->second;
  }
  plan->notes.push_back("resource targeting is in effect: only " +
                        [&] {
                          std::string all;
                          for (const std::string& t : targets) {
                            all += (all.empty() ? "" : ", ") + t;
                          }
                          return all;
                        }() +
                        " and what they depend on are planned");
  return Status::Ok();
}

}  // namespace occam
