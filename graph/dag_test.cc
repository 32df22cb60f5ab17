#include "graph/dag.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace occam::graph {
namespace {

// Vertices named by letters; ties broken by name.
struct NamedDag {
  std::vector<std::string> names;
  Dag dag;

  explicit NamedDag(std::vector<std::string> n)
      : names(std::move(n)), dag(static_cast<int>(names.size())) {}
  VertexId Id(const std::string& name) const {
    return static_cast<VertexId>(
        std::find(names.begin(), names.end(), name) - names.begin());
  }
  void Depends(const std::string& from, const std::string& to) {
    dag.AddEdge(Id(from), Id(to));
  }
  VertexLess ByName() const {
    return [this](VertexId a, VertexId b) { return names[a] < names[b]; };
  }
  std::string Path(const std::vector<VertexId>& ids) const {
    std::string out;
    for (VertexId v : ids) out += (out.empty() ? "" : " -> ") + names[v];
    return out;
  }
  std::string LevelsText() const {
    std::string out;
    for (const auto& level : dag.Levels(ByName())) {
      out += "[";
      for (size_t i = 0; i < level.size(); ++i) {
        out += (i ? ", " : "") + names[level[i]];
      }
      out += "]";
    }
    return out;
  }
};

TEST(Dag, LevelsFollowLongestDependencyChain) {
  NamedDag g({"lb", "da", "prometheus", "db"});
  g.Depends("da", "db");
  g.Depends("lb", "da");
  g.Depends("prometheus", "db");
  EXPECT_EQ("[db][da, prometheus][lb]", g.LevelsText());
}

TEST(Dag, TopologicalOrderBreaksTiesByKey) {
  NamedDag g({"c", "b", "a"});
  std::vector<VertexId> order = g.dag.TopologicalOrder(g.ByName());
  EXPECT_EQ("a -> b -> c", g.Path(order));
}

TEST(Dag, NoCycleInDiamond) {
  NamedDag g({"a", "b", "c", "d"});
  g.Depends("a", "b");
  g.Depends("a", "c");
  g.Depends("b", "d");
  g.Depends("c", "d");
  EXPECT_TRUE(g.dag.FindCycle(g.ByName()).empty());
  EXPECT_EQ("[d][b, c][a]", g.LevelsText());
}

TEST(Dag, CycleStartsAtLeastVertex) {
  NamedDag g({"lb", "app"});
  g.Depends("lb", "app");
  g.Depends("app", "lb");
  EXPECT_EQ("app -> lb -> app", g.Path(g.dag.FindCycle(g.ByName())));
}

TEST(Dag, LongCycleIsReportedWhole) {
  NamedDag g({"out", "mid", "in", "pre", "free"});
  g.Depends("out", "mid");
  g.Depends("mid", "in");
  g.Depends("in", "pre");
  g.Depends("pre", "out");
  g.Depends("free", "out");
  EXPECT_EQ("in -> pre -> out -> mid -> in",
            g.Path(g.dag.FindCycle(g.ByName())));
}

TEST(Dag, SelfDependencyIsACycle) {
  NamedDag g({"a"});
  g.Depends("a", "a");
  EXPECT_EQ("a -> a", g.Path(g.dag.FindCycle(g.ByName())));
}

TEST(Dag, CycleIsTheSameWhateverTheInsertionOrder) {
  NamedDag g1({"a", "b", "c", "d"});
  g1.Depends("a", "b");
  g1.Depends("b", "a");
  g1.Depends("c", "d");
  g1.Depends("d", "c");
  NamedDag g2({"d", "c", "b", "a"});
  g2.Depends("d", "c");
  g2.Depends("c", "d");
  g2.Depends("b", "a");
  g2.Depends("a", "b");
  EXPECT_EQ("a -> b -> a", g1.Path(g1.dag.FindCycle(g1.ByName())));
  EXPECT_EQ("a -> b -> a", g2.Path(g2.dag.FindCycle(g2.ByName())));
}

TEST(Dag, RepeatedEdgeCountsOnce) {
  Dag dag(2);
  dag.AddEdge(0, 1);
  dag.AddEdge(0, 1);
  EXPECT_EQ(1, dag.edge_count());
  EXPECT_EQ(std::vector<VertexId>{1}, dag.DependenciesOf(0));
  EXPECT_EQ(std::vector<VertexId>{0}, dag.DependentsOf(1));
}

TEST(Dag, DeepChainNeedsNoRecursion) {
  // 200,000 vertices in one chain: a recursive search would overflow.
  const int n = 200000;
  Dag dag(n);
  for (int i = 0; i + 1 < n; ++i) dag.AddEdge(i, i + 1);
  auto less = [](VertexId a, VertexId b) { return a < b; };
  EXPECT_TRUE(dag.FindCycle(less).empty());
  auto levels = dag.Levels(less);
  ASSERT_EQ(static_cast<size_t>(n), levels.size());
  EXPECT_EQ(n - 1, levels[0][0]);
  dag.AddEdge(n - 1, 0);
  EXPECT_EQ(static_cast<size_t>(n + 1), dag.FindCycle(less).size());
}

TEST(Dag, EmptyGraphHasNoLevels) {
  Dag dag;
  auto less = [](VertexId a, VertexId b) { return a < b; };
  EXPECT_TRUE(dag.Levels(less).empty());
  EXPECT_TRUE(dag.FindCycle(less).empty());
}

}  // namespace
}  // namespace occam::graph
