#include "graph/dag.h"

#include <algorithm>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/topological_sort.hpp>
#include <numeric>

namespace occam::graph {
namespace {

using OrderedGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

// Thrown by the visitor to stop the search at the first back edge; it never
// leaves this file.
struct CycleFound {
  std::vector<VertexId> path;
};

class CycleVisitor : public boost::default_dfs_visitor {
 public:
  explicit CycleVisitor(std::vector<VertexId>* parent) : parent_(parent) {}

  void tree_edge(OrderedGraph::edge_descriptor e, const OrderedGraph& g) {
    (*parent_)[boost::target(e, g)] = boost::source(e, g);
  }
  // A back edge u -> v closes the cycle v -> … -> u -> v along the tree.
  void back_edge(OrderedGraph::edge_descriptor e, const OrderedGraph& g) {
    VertexId u = boost::source(e, g), v = boost::target(e, g);
    std::vector<VertexId> path{u};
    while (path.back() != v) path.push_back((*parent_)[path.back()]);
    std::reverse(path.begin(), path.end());
    throw CycleFound{path};
  }

 private:
  std::vector<VertexId>* parent_;
};

// Rotates an open cycle [a, b, c] so that its least vertex leads, and closes
// it: [b, c, a, b].
std::vector<VertexId> CloseAtLeast(std::vector<VertexId> cycle,
                                   const VertexLess& less) {
  auto least = std::min_element(cycle.begin(), cycle.end(), less);
  std::rotate(cycle.begin(), least, cycle.end());
  cycle.push_back(cycle.front());
  return cycle;
}

}  // namespace

Dag::Dag(int vertex_count) : graph_(vertex_count) {}

VertexId Dag::AddVertex() { return static_cast<VertexId>(add_vertex(graph_)); }

void Dag::AddEdge(VertexId from, VertexId to) { add_edge(from, to, graph_); }

int Dag::size() const { return static_cast<int>(num_vertices(graph_)); }

int Dag::edge_count() const { return static_cast<int>(num_edges(graph_)); }

std::vector<VertexId> Dag::DependenciesOf(VertexId v) const {
  std::vector<VertexId> out;
  for (auto [it, end] = out_edges(v, graph_); it != end; ++it) {
    out.push_back(static_cast<VertexId>(target(*it, graph_)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<VertexId> Dag::DependentsOf(VertexId v) const {
  std::vector<VertexId> out;
  for (auto [it, end] = in_edges(v, graph_); it != end; ++it) {
    out.push_back(static_cast<VertexId>(source(*it, graph_)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<VertexId> Dag::FindCycle(const VertexLess& less) const {
  // Relabel vertices by their rank under `less` and add edges in rank order,
  // so that Boost's search (roots and out-edges in storage order) visits
  // them deterministically.
  int n = size();
  std::vector<VertexId> by_rank(n);
  std::iota(by_rank.begin(), by_rank.end(), 0);
  std::stable_sort(by_rank.begin(), by_rank.end(), less);
  std::vector<VertexId> rank(n);
  for (int r = 0; r < n; ++r) rank[by_rank[r]] = r;

  OrderedGraph ordered(n);
  for (int r = 0; r < n; ++r) {
    std::vector<VertexId> targets;
    for (VertexId t : DependenciesOf(by_rank[r])) targets.push_back(rank[t]);
    std::sort(targets.begin(), targets.end());
    for (VertexId t : targets) add_edge(r, t, ordered);
  }

  std::vector<VertexId> parent(n, -1);
  try {
    boost::depth_first_search(ordered, boost::visitor(CycleVisitor(&parent)));
  } catch (const CycleFound& found) {
    std::vector<VertexId> cycle;
    for (VertexId r : found.path) cycle.push_back(by_rank[r]);
    return CloseAtLeast(std::move(cycle), less);
  }
  return {};
}

std::vector<std::vector<VertexId>> Dag::Levels(const VertexLess& less) const {
  // Boost emits vertices in reverse topological order, which for our edge
  // direction (dependent -> dependency) is build order.
  std::vector<Graph::vertex_descriptor> order;
  order.reserve(size());
  boost::topological_sort(graph_, std::back_inserter(order));

  std::vector<int> level(size(), 0);
  int depth = 0;
  for (auto v : order) {
    for (auto [it, end] = out_edges(v, graph_); it != end; ++it) {
      level[v] = std::max(level[v], level[target(*it, graph_)] + 1);
    }
    depth = std::max(depth, level[v] + 1);
  }
  std::vector<std::vector<VertexId>> levels(size() == 0 ? 0 : depth);
  for (VertexId v = 0; v < size(); ++v) levels[level[v]].push_back(v);
  for (auto& l : levels) std::stable_sort(l.begin(), l.end(), less);
  return levels;
}

std::vector<VertexId> Dag::TopologicalOrder(const VertexLess& less) const {
  std::vector<VertexId> out;
  out.reserve(size());
  for (const auto& level : Levels(less)) {
    out.insert(out.end(), level.begin(), level.end());
  }
  return out;
}

}  // namespace occam::graph
