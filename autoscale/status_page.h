// The HTML page occam serve answers at GET /: what is running and why. One
// self-contained document (inline CSS and SVG, no script, no external
// asset), so it works offline and behind any proxy: the dependency graph,
// each node type's instances with state, address and object id, desired
// against actual counts, the last decisions (scaling, alerts, health
// recreations, applies and who made them; repeats collapsed), and a chart
// of each scaled node type over the infrastructure's recorded lifetime:
// desired and ready counts, the policy's metric value against its target,
// alerts marked, a labelled time axis.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "autoscale/metric_history.h"
#include "descriptor/descriptor.h"
#include "descriptor/node_graph.h"
#include "state/state_snapshot.h"

namespace occam {

// A node type's desired and ready counts as serve saw them after a round
// (serve keeps one whenever either changes).
struct CountSample {
  int64_t time_ms = 0;
  int desired = 0;
  int ready = 0;
};

struct StatusPageInput {
  const Descriptor* descriptor = nullptr;  // may have no nodes
  const NodeGraph* graph = nullptr;
  const StateSnapshot* state = nullptr;
  std::vector<Event> events;  // newest first, as StateStore::Events
  int64_t now_ms = 0;
  int refresh_seconds = 5;  // the page reloads itself; 0: never
  // Who leads a state several serves share: "leader", or "standby (the
  // leader: …)"; "" when the state keeps one serve.
  std::string leadership;
  // By node type, oldest first; none before serve started.
  std::map<std::string, std::vector<CountSample>> samples;
  // By node type: its policy's metric over the charts' span as Prometheus
  // recorded it (serve --prometheus); without it, the values alerts
  // carried are drawn. `metrics_error`: why Prometheus gave none.
  std::map<std::string, std::vector<MetricPoint>> metrics;
  std::string metrics_error;
  // The object id people know (a provider's DisplayId); the stored id when
  // not set.
  std::function<std::string(const ResourceInstance&)> display_id;
};

// How many decisions the page lists.
constexpr int kStatusPageDecisions = 50;

std::string RenderStatusPage(const StatusPageInput& input);

// Where the charts start: the infrastructure's oldest event or count
// sample, and at least a minute before now.
int64_t ChartsStartMs(const StatusPageInput& input);

// `text` safe inside HTML text and attribute values (bytes that are not
// UTF-8 become U+FFFD).
std::string HtmlEscape(const std::string& text);

}  // namespace occam
