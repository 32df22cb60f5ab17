#include "descriptor/infrastructure.h"

#include <map>
#include <optional>

#include "base/utf8.h"
#include "descriptor/shape_checker.h"

namespace occam {
namespace {

const char kNameRule[] = "use 1-63 letters, digits and '-', as Occopus does";

class InfrastructureReader {
 public:
  InfrastructureReader(Descriptor* out, Diagnostics* diags)
      : out_(out), check_(diags) {}

  void Read(const Value& root);

 private:
  void ReadNode(const Value& v);
  void CheckTotalCount(const Value& nodes);
  void ReadScaling(const Value& v, const std::string& what, ScalingRange* s);
  void ReadPolicy(const Value& v, const std::string& what, ScalingPolicy* p);
  std::optional<double> Number(const Value& v, const std::string& what);
  std::string PromDuration(const Value& v, const std::string& what);
  void ReadLifecycle(const Value& v, const std::string& what, NodeSpec* node);
  void ReadDependency(const Value& v);
  // The node name an end of a dependency refers to: a node entry (through an
  // alias) or a plain name. "" when it is neither.
  std::string EndpointName(const Value& v);

  Descriptor* out_;
  ShapeChecker check_;
};

void InfrastructureReader::Read(const Value& root) {
  const std::string what = "the infrastructure descriptor";
  if (root.is_null()) {
    check_.Error(root.mark(),
                 "the infrastructure descriptor is empty; write infra_name "
                 "and nodes (and user_id, which Occopus requires); see "
                 "docs/descriptor.md");
    return;
  }
  if (!check_.Mapping(root, what)) return;
  check_.Keys(root,
              {"user_id", "infra_name", "nodes", "dependencies", "variables"},
              {"user_id", "infra_name", "nodes"}, what);
  if (const Value* name = root.Find("infra_name")) {
    if (check_.Scalar(*name, "infra_name")) {
      out_->infra_name = name->text();
      if (!IsOccopusName(name->text())) {
        check_.Error(name->mark(), "infra_name '" + Excerpt(name->text()) +
                                       "' is not a valid name; " + kNameRule);
      }
    }
  }
  if (const Value* user = root.Find("user_id")) {
    if (check_.Scalar(*user, "user_id")) out_->user_id = user->text();
  }
  if (const Value* vars = root.Find("variables")) {
    if (check_.OptionalMapping(*vars, "variables")) out_->variables = *vars;
  }
  if (const Value* nodes = root.Find("nodes")) {
    if (check_.List(*nodes, "nodes")) {
      // Occopus 1.10 builds such an infrastructure: it has nothing in it.
      if (nodes->items().empty()) {
        check_.Warning(nodes->mark(),
                       "nodes is empty: the infrastructure has no node to build "
                       "(Occopus accepts it too); list the nodes to build");
      }
      for (const Value& node : nodes->items()) ReadNode(node);
      CheckTotalCount(*nodes);
    }
  }
  if (const Value* deps = root.Find("dependencies")) {
    if (!deps->is_null() && check_.List(*deps, "dependencies")) {
      for (const Value& dep : deps->items()) ReadDependency(dep);
    }
  }
}

// Every instance the node types may grow to is planned, held and stored
// at once: thirty node types of 100,000 took 11.5 GB to plan.
void InfrastructureReader::CheckTotalCount(const Value& nodes) {
  long long total = 0;
  for (const NodeSpec& node : out_->nodes) total += node.scaling.max;
  if (total > kMaxInstances) {
    check_.Error(nodes.mark(),
                 "the node types may grow to " + std::to_string(total) +
                     " instances in all (the sum of their 'max'); occam "
                     "plans at most " + std::to_string(kMaxInstances) +
                     " in one infrastructure; lower some 'max'");
  }
}

void InfrastructureReader::ReadNode(const Value& v) {
  if (!check_.Mapping(v, "a node")) return;
  NodeSpec node;
  node.mark = v.mark();
  const Value* name = v.Find("name");
  if (name && IsTypedScalar(*name)) {
    check_.Error(name->mark(), "the name of a node is " +
                                   (name->is_null() ? std::string("null")
                                                    : "'" + Excerpt(name->text()) + "'") +
                                   ", not a string (Occopus refuses it too); "
                                   "write a name such as 'app', in quotes if "
                                   "it is all digits");
    name = nullptr;
  } else if (name && check_.Scalar(*name, "the name of a node")) {
    node.name = name->text();
  }
  std::string what = node.name.empty() ? "a node" : "node '" + Excerpt(node.name) + "'";
  check_.Keys(v, {"name", "type", "scaling", "filter", "variables", "lifecycle"},
              {"name", "type"}, what);
  if (name && !node.name.empty() && !IsOccopusName(node.name)) {
    check_.Error(name->mark(), "node name '" + Excerpt(node.name) +
                                   "' is not a valid name; " + kNameRule);
  }
  if (const Value* type = v.Find("type")) {
    if (check_.Scalar(*type, "the type of " + what)) node.type = type->text();
  }
  if (const Value* scaling = v.Find("scaling")) {
    node.scaling_written = *scaling;
    ReadScaling(*scaling, "the scaling of " + what, &node.scaling);
  }
  if (const Value* filter = v.Find("filter")) {
    if (check_.Mapping(*filter, "the filter of " + what)) node.filter = *filter;
  }
  if (const Value* lifecycle = v.Find("lifecycle")) {
    ReadLifecycle(*lifecycle, "the lifecycle of " + what, &node);
  }
  if (const Value* vars = v.Find("variables")) {
    if (check_.OptionalMapping(*vars, "the variables of " + what)) {
      node.variables = *vars;
    }
  }
  if (node.name.empty()) return;
  auto [it, added] = out_->node_index.emplace(
      node.name, static_cast<int>(out_->nodes.size()));
  if (!added) {
    check_.Error(name->mark(),
                 "duplicate node name '" + Excerpt(node.name) + "' (first at " +
                     out_->nodes[it->second].mark.ToString() +
                     "); node names must be unique: Occopus 1.10 builds both, "
                     "but getip('" + Excerpt(node.name) + "') then answers for the first "
                     "alone and nothing tells their instances apart (occam's "
                     "state names an instance by its node: " + Excerpt(node.name) +
                     "[0]); rename one");
    return;
  }
  out_->nodes.push_back(std::move(node));
}

// occam's extension: lifecycle: {create_before_destroy: BOOL,
// max_unavailable: N, max_surge: N}.
void InfrastructureReader::ReadLifecycle(const Value& v, const std::string& what,
                                         NodeSpec* node) {
  if (!check_.Mapping(v, what)) return;
  check_.Keys(v, {"create_before_destroy", "max_unavailable", "max_surge"}, {}, what);
  const Value* cbd = v.Find("create_before_destroy");
  if (cbd) {
    std::optional<bool> on = check_.Bool(*cbd, "create_before_destroy in " + what);
    node->create_before_destroy = on.value_or(false);
  }
  for (auto [key, field] : {std::pair{"max_unavailable", &node->max_unavailable},
                            std::pair{"max_surge", &node->max_surge}}) {
    const Value* n = v.Find(key);
    if (!n) continue;
    std::optional<long long> value = check_.Int(*n, std::string(key) + " in " + what);
    if (!value) continue;
    if (*value < 0 || *value > kMaxInstances) {
      check_.Error(n->mark(), std::string(key) + " in " + what + " is " +
                                  std::to_string(*value) + "; give a count from 0 to " +
                                  std::to_string(kMaxInstances) + " (how many instances " +
                                  (field == &node->max_surge
                                       ? "a rollout may create ahead of the ones it replaces)"
                                       : "a rollout may take out of service at once)"));
      continue;
    }
    *field = static_cast<int>(*value);
  }
  if (node->max_unavailable == 0 && node->max_surge == 0) {
    check_.Error(v.mark(), "max_unavailable and max_surge in " + what +
                               " are both 0: a rollout could replace nothing; "
                               "let one of them be at least 1");
  }
  if (cbd && !node->create_before_destroy && node->max_surge > 0) {
    check_.Error(v.Find("max_surge")->mark(),
                 "max_surge in " + what + " creates successors before the objects they "
                 "replace, which create_before_destroy: false forbids; drop one of them");
  }
  if (node->create_before_destroy && node->max_surge == 0) {
    check_.Error(v.Find("max_surge")->mark(),
                 "max_surge: 0 in " + what + " deletes each object before its successor, "
                 "which create_before_destroy: true forbids; drop one of them");
  }
}

// Occopus: min missing or <= 0 means 1; max missing means min; max below
// min is raised to min. occam also refuses negative counts, and warns
// about a max below min.
void InfrastructureReader::ReadScaling(const Value& v, const std::string& what,
                                       ScalingRange* s) {
  if (!check_.Mapping(v, what)) return;
  check_.Keys(v, {"min", "max", "policy", "drain"}, {}, what);
  if (const Value* policy = v.Find("policy")) {
    ReadPolicy(*policy, "the policy in " + what, &s->policy);
  }
  if (const Value* drain = v.Find("drain")) {
    std::string text = PromDuration(*drain, "'drain' in " + what);
    double seconds = text.empty() ? -1 : PromDurationSeconds(text);
    if (seconds > kMaxDrainSeconds) {
      check_.Error(drain->mark(),
                   "'drain' in " + what + " is " + text + "; a drain waits at most 1h "
                   "(as a load balancer's deregistration delay): give the time "
                   "your longest request takes, e.g. drain: 30s");
    } else if (!text.empty()) {
      s->drain_seconds = seconds;
    }
  }
  std::optional<long long> min, max;
  const Value* min_v = v.Find("min");
  const Value* max_v = v.Find("max");
  if (min_v) min = check_.Int(*min_v, "'min' in " + what);
  if (max_v) max = check_.Int(*max_v, "'max' in " + what);
  // A plan holds every instance; 100,000 of one node type with a 1 KB
  // attribute take some 400 MB to plan (a million took 3.9 GB).
  const long long kLimit = kMaxInstances;
  for (auto [value, node, key] : {std::tuple{min, min_v, "min"},
                                  std::tuple{max, max_v, "max"}}) {
    if (value && (*value < 0 || *value > kLimit)) {
      check_.Error(node->mark(), std::string("'") + key + "' in " + what +
                                     " is " + std::to_string(*value) +
                                     "; a count must be from 0 to 100000");
      return;
    }
  }
  if ((min_v && !min) || (max_v && !max)) return;
  s->min = static_cast<int>(min && *min > 0 ? *min : 1);
  s->max = max ? static_cast<int>(*max) : s->min;
  if (s->min > s->max) {
    // Occopus reads a min of 0 or less as 1: say so, or "'min' (1)" puzzles
    // whoever wrote min: 0.
    std::string min_text =
        min && *min <= 0 ? "'min' " + std::to_string(*min) +
                               " (which means 1, as in Occopus)"
                         : "'min' (" + std::to_string(s->min) + ")";
    check_.Warning(max_v->mark(),
                   min_text + " is greater than 'max' (" +
                       std::to_string(s->max) + ") in " + what +
                       "; Occopus raises max to " + std::to_string(s->min) +
                       " (and so does occam, unless --strict); raise max or "
                       "lower min to say so");
    s->max = s->min;
  }
}

std::optional<double> InfrastructureReader::Number(const Value& v,
                                                   const std::string& what) {
  std::optional<double> n = v.is_scalar() ? v.AsNumber() : std::nullopt;
  if (!n) check_.Error(v.mark(), what + " must be a number");
  return n;
}

// A Prometheus duration: digits and a unit (ms, s, m, h, d, w, y).
std::string InfrastructureReader::PromDuration(const Value& v,
                                               const std::string& what) {
  // Prometheus refuses what overflows its int64 nanoseconds (292 years);
  // a cooldown that long is a mistake.
  constexpr double kLongest = 10 * 365 * 86400.0;
  double seconds = 0;
  bool ok = v.is_scalar() && ParsePromDuration(v.text(), &seconds);
  if (ok && seconds <= kLongest) return v.text();
  check_.Error(v.mark(), what + (ok ? " is longer than 10 years"
                                    : " must be a Prometheus duration such as "
                                      "30s, 1m or 1h30m"));
  return "";
}

// occam's extension: policy: {query, overloaded_above, underloaded_below,
// for_up, for_down, cooldown}.
void InfrastructureReader::ReadPolicy(const Value& v, const std::string& what,
                                      ScalingPolicy* p) {
  if (!check_.Mapping(v, what)) return;
  if (!check_.Keys(v, {"query", "overloaded_above", "underloaded_below",
                       "for_up", "for_down", "cooldown", "target", "max_step"},
                   {"query", "overloaded_above", "underloaded_below"}, what)) {
    return;
  }
  const Value* query = v.Find("query");
  if (check_.Scalar(*query, "'query' in " + what)) p->query = query->text();
  auto above = Number(*v.Find("overloaded_above"), "'overloaded_above' in " + what);
  auto below = Number(*v.Find("underloaded_below"), "'underloaded_below' in " + what);
  if (above) p->overloaded_above = *above;
  if (below) p->underloaded_below = *below;
  if (above && below && *below >= *above) {
    check_.Error(v.Find("underloaded_below")->mark(),
                 "'underloaded_below' (" + v.Find("underloaded_below")->text() +
                     ") must be below 'overloaded_above' (" +
                     v.Find("overloaded_above")->text() + ") in " + what +
                     ", or the node type would scale both ways at once");
  }
  if (const Value* up = v.Find("for_up")) p->for_up = PromDuration(*up, "'for_up' in " + what);
  if (const Value* down = v.Find("for_down")) {
    p->for_down = PromDuration(*down, "'for_down' in " + what);
  }
  if (const Value* cooldown = v.Find("cooldown")) {
    std::string text = PromDuration(*cooldown, "'cooldown' in " + what);
    p->cooldown_seconds = PromDurationSeconds(text);
  }
  if (const Value* target = v.Find("target")) {
    auto n = Number(*target, "'target' in " + what);
    if (n && !(*n > 0 && *n < 1e300)) {
      check_.Error(target->mark(), "'target' in " + what +
                                       " must be a positive number: the value "
                                       "of the query per instance to keep");
    } else if (n) {
      p->target = *n;
    }
  }
  if (const Value* step = v.Find("max_step")) {
    auto n = check_.Int(*step, "'max_step' in " + what);
    if (n && (*n < 1 || *n > 1'000'000)) {
      check_.Error(step->mark(), "'max_step' in " + what + " must be from 1 to 1000000");
    } else if (n) {
      p->max_step = static_cast<int>(*n);
    }
  }
  p->set = true;
}

std::string InfrastructureReader::EndpointName(const Value& v) {
  if (v.is_scalar()) return v.text();
  if (v.is_mapping()) {
    const Value* name = v.Find("name");
    if (name && name->is_scalar()) return name->text();
  }
  check_.Error(v.mark(), "a dependency must name a node (an alias such as "
                         "*App, or the node's name), not " +
                             v.KindName());
  return "";
}

void InfrastructureReader::ReadDependency(const Value& v) {
  const std::string what = "a dependency";
  const Value* connection = &v;
  DependencySpec dep;
  dep.mark = v.mark();
  if (v.is_mapping()) {
    check_.Keys(v, {"connection", "mappings"}, {"connection"}, what);
    connection = v.Find("connection");
    if (const Value* m = v.Find("mappings")) dep.mappings = *m;
    if (!connection) return;
  }
  if (!connection->is_sequence() || connection->items().size() != 2) {
    check_.Error(connection->mark(),
                 "a dependency must be a pair [A, B] (A depends on B), or "
                 "{connection: [A, B]}");
    return;
  }
  dep.dependent = EndpointName(connection->items()[0]);
  dep.dependency = EndpointName(connection->items()[1]);
  dep.dependent_mark = connection->items()[0].mark();
  dep.dependency_mark = connection->items()[1].mark();
  if (dep.dependent.empty() || dep.dependency.empty()) return;
  out_->dependencies.push_back(std::move(dep));
}

}  // namespace

bool ReadInfrastructure(const Value& root, Descriptor* out,
                        Diagnostics* diags) {
  size_t before = diags->size();
  InfrastructureReader(out, diags).Read(root);
  return diags->size() == before;
}

}  // namespace occam
