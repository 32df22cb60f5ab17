#include "autoscale/health_watch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

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
  std::mutex asked_mu_;  // checks run on several threads
  HealthWatch watch_{3, [&](const HealthCheckSpec& spec, const std::string& ip,
                            const std::string& port) -> std::string {
                       std::lock_guard<std::mutex> lock(asked_mu_);
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

// A round runs several instances' checks at once, so that slow checks (a
// URL that does not answer waits for its timeout) do not add up; each
// result still counts for its own instance.
TEST(HealthWatchRound, ChecksRunAtOnceAndCountForTheirOwnInstance) {
  std::atomic<int> running{0}, most{0};
  HealthWatch watch(1, [&](const HealthCheckSpec&, const std::string&,
                           const std::string& port) -> std::string {
    int now = ++running;
    for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    --running;
    return port == "8003" ? "port 8003 of 127.0.0.1 is closed" : "";
  });
  StateSnapshot state;
  for (int i = 0; i < 40; ++i) {
    ResourceInstance r;
    r.address = "app[" + std::to_string(i) + "]";
    r.node = "app";
    r.provider_id = "id-" + std::to_string(i);
    r.status = InstanceStatus::kReady;
    r.attributes = StoredJson(json{{"health_check", {{"ping", false}, {"ports", {9}}}}});
    r.outputs = StoredJson(json{{"ip", "127.0.0.1"}, {"port", 8000 + i}});
    state.instances[r.address] = r;
  }
  std::vector<HealthFailure> told;
  EXPECT_FALSE(watch.Failing());
  StateChange change = watch.Round(state, [&](const HealthFailure& f) { told.push_back(f); });
  // Many more than a handful wait on their slow checks together.
  EXPECT_GT(most.load(), 16);
  ASSERT_EQ(1u, told.size());
  EXPECT_EQ("app[3]", told[0].address);
  EXPECT_EQ("port 8003 of 127.0.0.1 is closed", told[0].failing);
  ASSERT_EQ(1u, change.put.size());
  EXPECT_EQ("app[3]", change.put[0].address);
  EXPECT_FALSE(watch.Failing());  // recreated: nothing left failing
}

TEST(HealthWatchRound, FailingUntilPassingOrRecreated) {
  bool down = true;
  HealthWatch watch(3, [&](const HealthCheckSpec&, const std::string&,
                           const std::string&) -> std::string {
    return down ? "port 9 of 127.0.0.1 is closed" : "";
  });
  StateSnapshot state;
  ResourceInstance r;
  r.address = "app[0]";
  r.node = "app";
  r.provider_id = "id-0";
  r.status = InstanceStatus::kReady;
  r.attributes = StoredJson(json{{"health_check", {{"ping", false}, {"ports", {9}}}}});
  state.instances[r.address] = r;
  watch.Round(state, nullptr);
  EXPECT_TRUE(watch.Failing());  // serve checks it again in a second
  down = false;
  watch.Round(state, nullptr);
  EXPECT_FALSE(watch.Failing());
  // Its recreation held (another instance of app is being replaced): no
  // verdict to reach, checked at the interval again.
  down = true;
  ResourceInstance other = r;
  other.address = "app[1]";
  other.status = InstanceStatus::kTainted;
  state.instances[other.address] = other;
  for (int i = 0; i < 2; ++i) watch.Round(state, nullptr);
  EXPECT_TRUE(watch.Failing());
  watch.Round(state, nullptr);
  EXPECT_FALSE(watch.Failing());
}

// A check that fails for every instance (a flapping check, a dependency
// they all fail through) replaces one instance of a node type at a time,
// and an address again only after a back-off that doubles.
class FlappingTest : public ::testing::Test {
 protected:
  void Put(const std::string& address, const std::string& id,
           InstanceStatus status = InstanceStatus::kReady) {
    ResourceInstance r;
    r.address = address;
    r.node = address.substr(0, address.find('['));
    r.provider_id = id;
    r.status = status;
    r.attributes = StoredJson(json{{"health_check", {{"ping", false}, {"ports", {9}}}}});
    state_.instances[address] = r;
  }
  StateChange Round() {
    return watch_.Round(state_, [&](const HealthFailure& f) { told_.push_back(f); });
  }
  // The round's taints applied as serve's apply would: each replaced by a
  // new object, ready.
  void Replace(const StateChange& change) {
    for (const ResourceInstance& r : change.put) Put(r.address, r.provider_id + "+");
  }

  StateSnapshot state_;
  int64_t now_ms_ = 1'000'000;
  HealthWatch watch_{1, [](const HealthCheckSpec&, const std::string&,
                           const std::string&) { return std::string("port 9 is closed"); },
                     [this] { return now_ms_; }};
  std::vector<HealthFailure> told_;
};

TEST_F(FlappingTest, OneInstanceOfANodeTypeAtATime) {
  for (const char* a : {"app[0]", "app[1]", "app[2]", "db[0]"}) Put(a, a);
  StateChange first = Round();
  // One app and the db (another node type); the other apps wait, and say why.
  ASSERT_EQ(2u, first.put.size());
  EXPECT_EQ("app[0]", first.put[0].address);
  EXPECT_EQ("db[0]", first.put[1].address);
  int held = 0;
  for (const HealthFailure& f : told_) {
    if (!f.held.empty()) {
      ++held;
      EXPECT_EQ("another instance of app is being replaced", f.held);
      EXPECT_FALSE(f.recreate);
    }
  }
  EXPECT_EQ(2, held);
  // While app[0] is tainted in the state, no other app goes.
  state_.instances["app[0]"].status = InstanceStatus::kTainted;
  state_.instances["db[0]"].status = InstanceStatus::kTainted;
  EXPECT_TRUE(Round().put.empty());
}

TEST_F(FlappingTest, AnAddressRecreatedBacksOffDoublingUpToFiveMinutes) {
  Put("app[0]", "id");
  int recreations = 0;
  std::vector<int64_t> at;
  // Two minutes of rounds every second, each new object failing at once.
  for (int second = 0; second < 120; ++second, now_ms_ += 1000) {
    StateChange change = Round();
    if (!change.put.empty()) {
      ++recreations;
      at.push_back(second);
      Replace(change);
    }
  }
  // At 0, 10, 30, 70 s: not 120 times.
  EXPECT_EQ((std::vector<int64_t>{0, 10, 30, 70}), at);
  EXPECT_EQ(4, recreations);
  EXPECT_NE(std::string::npos, told_.back().held.find("backing off for")) << told_.back().held;
  EXPECT_NE(std::string::npos, told_.back().held.find("recreated 4 times")) << told_.back().held;
  // The wait never exceeds five minutes.
  for (int round = 0; round < 20; ++round) {
    now_ms_ += 300'000;
    StateChange change = Round();
    EXPECT_EQ(1u, change.put.size()) << round;
    Replace(change);
  }
}

}  // namespace
}  // namespace occam
