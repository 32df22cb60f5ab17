// The HTML page occam serve answers at GET /: what is running and why. One
// self-contained document (inline CSS and SVG, no script, no external
// asset), so it works offline and behind any proxy: the dependency graph,
// each node type's instances with state and address, desired against
// actual counts, the last decisions, and a chart of each scaled node
// type's count over time with its alerts marked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "descriptor/descriptor.h"
#include "descriptor/node_graph.h"
#include "state/state_snapshot.h"

namespace occam {

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
};

// How many decisions the page lists.
constexpr int kStatusPageDecisions = 50;

std::string RenderStatusPage(const StatusPageInput& input);

// `text` safe inside HTML text and attribute values (bytes that are not
// UTF-8 become U+FFFD).
std::string HtmlEscape(const std::string& text);

}  // namespace occam
