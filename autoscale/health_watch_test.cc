#include "autoscale/health_watch.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

using nlohmann::json;

class HealthWatchTest : public ::testing::Test {
 protected:
  void Put(const std::string& address, const std::string& id, json health,
           InstanceStatus status = InstanceStatus::kReady) {
    ResourceInstance r;
    r.address = address;
    r.node = address.substr(0, address.find('['));
    r.provider_id = id;
    r.status = status;
    r.attributes = StoredJson(json{{"health_check", health}});
    r.outputs = StoredJson(json{{"ip", "127.0.0.1"}, {"port", 8080}});
    state_.instances[address] = r;
  }
  StateChange Round() {
    return watch_.Round(state_, [&](const HealthFailure& f) { told_.push_back(f); });
  }

  StateSnapshot state_;
  std::set<std::string> down_;  // addresses whose checks fail
  std::string asked_;
  HealthWatch watch_{3, [&](const HealthCheckSpec& spec, const std::string& ip,
                            const std::string& port) -> std::string {
                       asked_ += ip + ":" + port + " ";
                       return spec.ports.empty() || !down_.count("app[0]")
                                  ? ""
                                  : "port 9 of 127.0.0.1 is closed";
                     }};
  std::vector<HealthFailure> told_;
};

TEST_F(HealthWatchTest, TaintsAnInstanceThatFailsRoundAfterRound) {
  Put("app[0]", "id-1", {{"ping", false}, {"ports", {9}}});
  down_ = {"app[0]"};
  EXPECT_TRUE(Round().empty());
  EXPECT_TRUE(Round().empty());
  ASSERT_EQ(2u, told_.size());
  EXPECT_EQ(2, told_[1].failures);
  EXPECT_FALSE(told_[1].recreate);
  EXPECT_EQ("127.0.0.1:8080 127.0.0.1:8080 ", asked_);

  StateChange third = Round();
  ASSERT_EQ(1u, third.put.size());
  EXPECT_EQ(InstanceStatus::kTainted, third.put[0].status);
  EXPECT_EQ("id-1", third.put[0].provider_id);
  ASSERT_EQ(1u, third.events.size());
  EXPECT_EQ("health", third.events[0].kind);
  EXPECT_EQ("app[0]: health checks failed 3 rounds in a row (port 9 of 127.0.0.1 "
            "is closed); recreating it",
            third.events[0].message);
  EXPECT_TRUE(told_.back().recreate);
}

TEST_F(HealthWatchTest, ARoundThatPassesOrANewObjectStartsTheCountAgain) {
  Put("app[0]", "id-1", {{"ping", false}, {"ports", {9}}});
  down_ = {"app[0]"};
  Round();
  Round();
  down_.clear();
  EXPECT_TRUE(Round().empty());  // passes: the count starts again
  down_ = {"app[0]"};
  Round();
  Round();
  Put("app[0]", "id-2", {{"ping", false}, {"ports", {9}}});  // replaced
  EXPECT_TRUE(Round().empty());
  EXPECT_EQ(1, told_.back().failures);
}

TEST_F(HealthWatchTest, OnlyReadyInstancesWithSomethingToCheck) {
  down_ = {"app[0]"};
  Put("app[0]", "id-1", {{"ping", false}, {"ports", {9}}}, InstanceStatus::kCreating);
  Put("db[0]", "id-2", {{"ping", false}});  // nothing to check
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(Round().empty());
  EXPECT_EQ("", asked_);
  EXPECT_TRUE(told_.empty());
}

}  // namespace
}  // namespace occam
