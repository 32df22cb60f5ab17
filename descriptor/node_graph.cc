#include "descriptor/node_graph.h"

namespace occam {

graph::VertexLess NodeGraph::ByName() const {
  return [this](graph::VertexId a, graph::VertexId b) {
    return names_[a] < names_[b];
  };
}

bool NodeGraph::Build(const Descriptor& descriptor, Diagnostics* diags) {
  dag_ = graph::Dag(static_cast<int>(descriptor.nodes.size()));
  names_.clear();
  for (const NodeSpec& node : descriptor.nodes) names_.push_back(node.name);
  for (const DependencySpec& dep : descriptor.dependencies) {
    dag_.AddEdge(descriptor.FindNode(dep.dependent),
                 descriptor.FindNode(dep.dependency));
  }
  std::vector<graph::VertexId> cycle = dag_.FindCycle(ByName());
  if (cycle.empty()) return true;

  std::string path;
  for (graph::VertexId v : cycle) path += (path.empty() ? "" : " -> ") + names_[v];
  // Point at the dependency that leaves the cycle's first node.
  SourceMark mark;
  for (const DependencySpec& dep : descriptor.dependencies) {
    if (dep.dependent == names_[cycle[0]] &&
        dep.dependency == names_[cycle[1]]) {
      mark = dep.mark;
      break;
    }
  }
  diags->Error(mark, "dependency cycle: " + path +
                         "; remove one of these dependencies");
  return false;
}

std::vector<std::vector<int>> NodeGraph::Levels() const {
  return dag_.Levels(ByName());
}

std::vector<int> NodeGraph::BuildOrder() const {
  return dag_.TopologicalOrder(ByName());
}

}  // namespace occam
