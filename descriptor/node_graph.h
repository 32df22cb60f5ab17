// NodeGraph is the dependency graph of a descriptor's node types: vertex i
// is descriptor.nodes[i], and an edge says that a node type is built after
// another. Ties in every ordering are broken by node name.
#pragma once

#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "graph/dag.h"
#include "descriptor/descriptor.h"

namespace occam {

class NodeGraph {
 public:
  // Builds the graph of `descriptor`, whose dependencies must name existing
  // nodes. Returns false and reports a dependency cycle if there is one.
  bool Build(const Descriptor& descriptor, Diagnostics* diags);

  const graph::Dag& dag() const { return dag_; }
  const std::string& name(int node) const { return names_[node]; }
  // Build levels of node indices (see graph::Dag::Levels).
  std::vector<std::vector<int>> Levels() const;
  // Node indices, every node after its dependencies.
  std::vector<int> BuildOrder() const;

 private:
  graph::VertexLess ByName() const;

  graph::Dag dag_;
  std::vector<std::string> names_;
};

}  // namespace occam
