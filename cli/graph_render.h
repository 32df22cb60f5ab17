// Renderings of a descriptor's node graph.
#pragma once

#include <string>

#include "descriptor/descriptor.h"
#include "descriptor/node_graph.h"

namespace occam {

// One line a build level: "level 0: db".
std::string RenderLevels(const Descriptor& d, const NodeGraph& g);
// A graphviz digraph; edges point from a node type to what it depends on,
// as in `terraform graph`.
std::string RenderDot(const Descriptor& d, const NodeGraph& g);

}  // namespace occam
