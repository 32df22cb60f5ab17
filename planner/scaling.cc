#include "planner/scaling.h"

#include <algorithm>
#include <charconv>

#include "base/spelling.h"
#include "planner/planner.h"

namespace occam {

Status ParseCountChange(const std::string& text, ScaleRequest* request) {
  bool sign = !text.empty() && (text[0] == '+' || text[0] == '-');
  const char* begin = text.data() + (sign ? 1 : 0);
  const char* end = text.data() + text.size();
  int amount = 0;
  auto [ptr, ec] = std::from_chars(begin, end, amount);
  if (begin == end || ec != std::errc() || ptr != end || amount > 100000) {
    return Status::InvalidArgument(
        "'" + text + "' is not a count change; write +N or -N to add or "
        "remove instances, or N for an exact count");
  }
  request->relative = sign;
  request->amount = sign && text[0] == '-' ? -amount : amount;
  return Status::Ok();
}

namespace {

Status CheckInstance(const StateSnapshot& state, const ScaleRequest& request,
                     int from, int requested) {
  if (request.instance.empty()) return Status::Ok();
  auto it = state.instances.find(request.instance);
  if (it == state.instances.end() || it->second.node != request.node) {
    return Status::InvalidArgument(
        request.instance + " is not an instance of " + request.node +
        " in the state; occam state list shows them");
  }
  if (requested >= from) {
    return Status::InvalidArgument(
        "--instance names an instance to remove; use it with a count below "
        "the current one (" + std::to_string(from) + ")");
  }
  return Status::Ok();
}

std::string Describe(const ScaleRequest& request, const NodeSpec& node,
                     int from, int requested, int to) {
  std::string out = request.node + ": desired count " +
                    (from == to ? "stays " + std::to_string(to)
                                : std::to_string(from) + " -> " +
                                      std::to_string(to));
  if (requested > node.scaling.max) {
    out += " (asked for " + std::to_string(requested) + "; max is " +
           std::to_string(node.scaling.max) + ")";
  } else if (requested < node.scaling.min) {
    out += " (asked for " + std::to_string(requested) + "; min is " +
           std::to_string(node.scaling.min) + ")";
  }
  if (!request.instance.empty() && to < from) {
    out += ", removing " + request.instance;
  }
  return out;
}

}  // namespace

Status DecideScale(const Descriptor& descriptor, const StateSnapshot& state,
                   const ScaleRequest& request, ScaleDecision* decision) {
  int index = descriptor.FindNode(request.node);
  if (index < 0) {
    std::vector<std::string> names;
    for (const NodeSpec& n : descriptor.nodes) names.push_back(n.name);
    return Status::NotFound("no node '" + request.node +
                            "' in the descriptor" +
                            DidYouMean(request.node, names));
  }
  const NodeSpec& node = descriptor.nodes[index];
  std::string ignored;
  int from = DesiredCount(node, state, &ignored);
  int requested = request.relative ? from + request.amount : request.amount;
  Status s = CheckInstance(state, request, from, requested);
  if (!s.ok()) return s;
  int to = std::clamp(requested, node.scaling.min, node.scaling.max);

  *decision = ScaleDecision();
  decision->from = from;
  decision->requested = requested;
  decision->to = to;
  decision->message = Describe(request, node, from, requested, to);
  decision->change.set_desired[node.name] = to;
  if (!request.instance.empty() && to < from) {
    ResourceInstance marked = state.instances.at(request.instance);
    marked.remove_requested = true;
    decision->change.put.push_back(marked);
  }
  Event event;
  event.kind = "scale";
  event.node = node.name;
  event.message = decision->message;
  event.detail = {{"cause", request.cause},
                  {"from", from},
                  {"requested", requested},
                  {"to", to},
                  {"clamped", requested != to}};
  if (!request.instance.empty()) event.detail["instance"] = request.instance;
  if (!request.cause_detail.empty()) event.detail["source"] = request.cause_detail;
  decision->change.events.push_back(event);
  return Status::Ok();
}

}  // namespace occam
