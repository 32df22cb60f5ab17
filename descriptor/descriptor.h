// Descriptor is a compiled Occopus infrastructure: every node type with its
// chosen implementation, scaling range and merged variables, and the
// dependencies between node types. It is what the rest of the planner reads;
// nothing in it refers back to YAML files except source marks for messages.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "base/value.h"

namespace occam {

// How many instances of a node type may exist: desired counts are clamped to
// [min, max]. Occopus defaults: min 1, max = min.
// occam's extension of Occopus's scaling: when to scale on metrics.
// `occam rules` turns it into Prometheus alerting rules; `occam serve`
// scales on the alerts they fire.
struct ScalingPolicy {
  bool set = false;
  std::string query;  // PromQL whose value is the node type's load
  double overloaded_above = 0;
  double underloaded_below = 0;
  std::string for_up = "1m";    // how long overloaded before scaling up
  std::string for_down = "2m";  // how long underloaded before scaling down
  double cooldown_seconds = 60;  // between two alert-driven changes
  // Target tracking (as Kubernetes' HPA): with a target value per
  // instance, an alert scales to ceil(count × value ÷ target) — at least
  // one step in its direction, at most max_step — instead of one step.
  double target = 0;   // 0: step policy
  int max_step = 0;    // 0: no limit but min/max
};

// A Prometheus duration ("1m30s", "500ms": one or more NUMBER+UNIT parts,
// units ms, s, m, h, d, w, y): false when `text` is not one; else its
// seconds in *seconds (infinity for endless digits). Reads any length
// without recursion.
bool ParsePromDuration(const std::string& text, double* seconds);
// The seconds of a duration ParsePromDuration accepts; 0 otherwise.
double PromDurationSeconds(const std::string& text);

struct ScalingRange {
  int min = 1;
  int max = 1;
  ScalingPolicy policy;
  // occam's `drain`: seconds between taking an instance out of what its
  // dependents see (they are rebuilt without it) and deleting it, so that
  // requests in flight finish. -1: 2 s when other node types depend on
  // this one, else 0.
  double drain_seconds = -1;
};

// The longest `drain` accepted: an hour, as a load balancer's
// deregistration delay at most (serve stops a drain on SIGTERM).
constexpr double kMaxDrainSeconds = 3600;

// One way of building a node type: an entry of a `node_def:TYPE` list.
struct Implementation {
  std::string resource_type;  // resource.type: picks the provider
  Value resource;
  Value contextualisation;  // null when absent
  Value config_management;  // null when absent
  Value health_check;       // null when absent
  SourceMark mark;
};

// A node of the infrastructure descriptor: a node type built `count` times.
struct NodeSpec {
  std::string name;  // Occopus name rule, kept as written; unique
  std::string type;  // names `node_def:TYPE`
  ScalingRange scaling;
  Value scaling_written;  // as the descriptor has it (templates see this); null when absent
  Value variables;  // the node's own, deep-merged over the infra's
  Value filter;     // null when absent
  // occam's extension, as Terraform's lifecycle block: a replaced instance's
  // successor is created (and ready) before the old object is deleted.
  bool create_before_destroy = false;
  // occam's extension, as a Kubernetes rolling update: how many instances a
  // rollout of replacements may take out of service at once (deleted
  // before their successors), and how many successors it may create ahead
  // of the old objects. -1 when not written (RolloutPolicyOf chooses).
  int max_unavailable = -1;
  int max_surge = -1;
  // Which entry of `node_def:TYPE` was chosen (the first whose resource
  // matches the filter), counted from 0, and how many there were.
  int implementation_index = 0;
  int implementation_count = 1;
  Implementation implementation;
  SourceMark mark;
};

// `dependent` is built after `dependency` (Occopus: connection [A, B]).
struct DependencySpec {
  std::string dependent;
  std::string dependency;
  Value mappings;  // Occopus attribute mappings; kept, not interpreted
  SourceMark mark;
  SourceMark dependent_mark;  // where each end was written
  SourceMark dependency_mark;
};

struct Descriptor {
  std::string infra_name;
  std::string user_id;
  Value variables;
  std::vector<NodeSpec> nodes;  // in descriptor order
  std::vector<DependencySpec> dependencies;
  std::string infra_file;  // as the user named them
  std::string nodes_file;

  // Index into `nodes`, or -1.
  int FindNode(const std::string& name) const;
  int MinimumInstances() const;
  // The nodes' names, in written order.
  std::vector<std::string> NodeNames() const;

  std::map<std::string, int> node_index;  // name -> index into `nodes`
};

}  // namespace occam
