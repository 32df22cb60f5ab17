// Dag is a directed graph over dense integer ids 0..size()-1 that knows
// nothing of what the ids stand for (after ninja's graph). An edge
// (from, to) says that `from` depends on `to`, so `to` is ordered first.
// Storage and ordering are Boost.Graph's; this class adds deterministic tie
// breaking, which every caller needs for byte-identical output.
//
// Not thread-safe for writes; const methods may be called concurrently.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <functional>
#include <vector>

namespace occam::graph {

using VertexId = int;

// Orders ties: true when `a` comes before `b`. Must be a strict weak order.
using VertexLess = std::function<bool(VertexId a, VertexId b)>;

class Dag {
 public:
  explicit Dag(int vertex_count = 0);

  // Adds a vertex and returns its id (the previous size()).
  VertexId AddVertex();
  // REQUIRES: both ids < size(). A repeated edge is kept once; a self-edge
  // is a cycle of one vertex.
  void AddEdge(VertexId from, VertexId to);

  int size() const;
  int edge_count() const;
  // Ids that `v` depends on, ascending.
  std::vector<VertexId> DependenciesOf(VertexId v) const;
  // Ids that depend on `v`, ascending.
  std::vector<VertexId> DependentsOf(VertexId v) const;

  // A cycle as a closed path [a, b, …, a] (a depends on b …) that starts at
  // its least vertex under `less`; empty when the graph is acyclic. Among
  // several cycles, the one met first by a depth-first search that takes
  // roots and dependencies in `less` order is returned.
  std::vector<VertexId> FindCycle(const VertexLess& less) const;

  // Build levels: level 0 holds the vertices with no dependencies, and every
  // other vertex sits one level above its deepest dependency. Each level is
  // sorted by `less`. REQUIRES: FindCycle() is empty.
  std::vector<std::vector<VertexId>> Levels(const VertexLess& less) const;

  // The levels concatenated: every vertex after all of its dependencies.
  // REQUIRES: FindCycle() is empty.
  std::vector<VertexId> TopologicalOrder(const VertexLess& less) const;

 private:
  // setS keeps out-edges unique; bidirectionalS gives in-edges for
  // DependentsOf.
  using Graph = boost::adjacency_list<boost::setS, boost::vecS,
                                      boost::bidirectionalS>;
  Graph graph_;
};

}  // namespace occam::graph
