#include "planner/scaling.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

class ScalingTest : public ::testing::Test {
 protected:
  ScalingTest() {
    NodeSpec app;
    app.name = "app";
    app.scaling.min = 1;
    app.scaling.max = 5;
    descriptor_.nodes.push_back(app);
    descriptor_.node_index["app"] = 0;
    for (int i = 0; i < 3; ++i) {
      ResourceInstance r;
      r.node = "app";
      r.index = i;
      r.address = InstanceAddress("app", i);
      state_.instances[r.address] = r;
    }
    state_.desired_counts["app"] = 3;
  }

  Status Decide(const std::string& change, const std::string& instance = "") {
    ScaleRequest request;
    request.node = "app";
    request.instance = instance;
    Status s = ParseCountChange(change, &request);
    return s.ok() ? DecideScale(descriptor_, state_, request, &decision_) : s;
  }

  Descriptor descriptor_;
  StateSnapshot state_;
  ScaleDecision decision_;
};

TEST_F(ScalingTest, RelativeAndAbsoluteChanges) {
  ASSERT_TRUE(Decide("+1").ok());
  EXPECT_EQ(3, decision_.from);
  EXPECT_EQ(4, decision_.to);
  EXPECT_EQ("app: desired count 3 -> 4", decision_.message);
  EXPECT_EQ(4, decision_.change.set_desired.at("app"));
  ASSERT_EQ(1u, decision_.change.events.size());
  const Event& e = decision_.change.events[0];
  EXPECT_EQ("scale", e.kind);
  EXPECT_EQ("app", e.node);
  EXPECT_EQ(nlohmann::json({{"cause", "cli"},
                            {"from", 3},
                            {"requested", 4},
                            {"to", 4},
                            {"clamped", false}}),
            e.detail);
  ASSERT_TRUE(Decide("2").ok());
  EXPECT_EQ(2, decision_.to);
}

TEST_F(ScalingTest, ClampedToTheRange) {
  ASSERT_TRUE(Decide("+10").ok());
  EXPECT_EQ(5, decision_.to);
  EXPECT_EQ("app: desired count 3 -> 5 (asked for 13; max is 5)",
            decision_.message);
  EXPECT_EQ(true, decision_.change.events[0].detail["clamped"]);
  ASSERT_TRUE(Decide("0").ok());
  EXPECT_EQ("app: desired count 3 -> 1 (asked for 0; min is 1)",
            decision_.message);
}

TEST_F(ScalingTest, NamedInstanceIsMarkedForRemoval) {
  ASSERT_TRUE(Decide("-1", "app[0]").ok());
  EXPECT_EQ("app: desired count 3 -> 2, removing app[0]", decision_.message);
  ASSERT_EQ(1u, decision_.change.put.size());
  EXPECT_EQ("app[0]", decision_.change.put[0].address);
  EXPECT_TRUE(decision_.change.put[0].remove_requested);
  EXPECT_EQ("app[0]", decision_.change.events[0].detail["instance"]);
}

TEST_F(ScalingTest, Errors) {
  EXPECT_EQ(
      "app[9] is not an instance of app in the state; occam state list "
      "shows them",
      Decide("-1", "app[9]").message());
  EXPECT_EQ(
      "--instance names an instance to remove; use it with a count below "
      "the current one (3)",
      Decide("+1", "app[0]").message());
  EXPECT_EQ(
      "'1.5' is not a count change; write +N or -N to add or remove "
      "instances, or N for an exact count",
      Decide("1.5").message());
  ScaleRequest request;
  request.node = "ap";
  EXPECT_EQ("no node 'ap' in the descriptor; did you mean 'app'?",
            DecideScale(descriptor_, state_, request, &decision_).message());
}

}  // namespace
}  // namespace occam
