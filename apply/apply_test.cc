#include "apply/apply.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "descriptor/compiler.h"
#include "planner/planner.h"
#include "providers/dummy_provider.h"
#include "state/memory_state_store.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;

// A dummy provider that records every call, checks that the intent was
// committed before each create, and measures concurrency.
class RecordingProvider : public Provider {
 public:
  explicit RecordingProvider(StateStore* store) : store_(store) {}

  Status Create(const ResourceRequest& r, ResourceObject* out) override {
    Enter();
    StateSnapshot s;
    store_->Load(&s);
    bool intent = s.instances.count(r.address) &&
                  s.instances.at(r.address).status == InstanceStatus::kCreating;
    Record("create " + r.address + (intent ? "" : " WITHOUT INTENT"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    Status st = inner_.Create(r, out);
    if (st.ok()) out->outputs["ip"] = "10.0.0." + std::to_string(++next_ip_);
    Leave();
    return st;
  }
  Status Read(const std::string& id, ResourceObject* out) override {
    return inner_.Read(id, out);
  }
  Status Update(const std::string& id, const ResourceRequest& r,
                ResourceObject* out) override {
    // A load balancer's update says where it sends to.
    json attributes =
        r.config.value("resource", json::object()).value("attributes", json::object());
    const json& backends = attributes.value("backends", json());
    Record("update " + r.address +
           (backends.is_string() ? " backends=" + backends.get<std::string>() : ""));
    return inner_.Update(id, r, out);
  }
  Status Delete(const std::string& id) override {
    Enter();
    Record("delete " + id);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    Leave();
    return inner_.Delete(id);
  }
  Status FindByTags(const OwnershipTags& tags,
                    std::vector<ResourceObject>* out) override {
    return inner_.FindByTags(tags, out);
  }

  std::vector<std::string> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int max_concurrent() const { return max_concurrent_; }
  // When the first call starting with `prefix` was made.
  std::chrono::steady_clock::time_point When(const std::string& prefix) {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < calls_.size(); ++i) {
      if (calls_[i].rfind(prefix, 0) == 0) return times_[i];
    }
    return {};
  }

 private:
  void Record(const std::string& call) {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(call);
    times_.push_back(std::chrono::steady_clock::now());
  }
  void Enter() {
    int now = ++in_flight_;
    int seen = max_concurrent_;
    while (now > seen && !max_concurrent_.compare_exchange_weak(seen, now)) {
    }
  }
  void Leave() { --in_flight_; }

  StateStore* store_;
  DummyProvider inner_;
  std::mutex mu_;
  std::vector<std::string> calls_;
  std::vector<std::chrono::steady_clock::time_point> times_;
  std::atomic<int> in_flight_{0}, max_concurrent_{0}, next_ip_{0};
};

// The in-memory store, made to fail every commit from the Nth on (a full
// disk, a state file gone read-only).
class FailingStore : public MemoryStateStore {
 public:
  using MemoryStateStore::MemoryStateStore;
  Status Commit(const StateChange& change, int64_t* serial) override {
    if (fail_from_ > 0 && ++commits_ >= fail_from_) {
      return Status::Internal("disk full");
    }
    return MemoryStateStore::Commit(change, serial);
  }
  void FailFromCommit(int n) {
    commits_ = 0;
    fail_from_ = n;
  }

 private:
  std::atomic<int> commits_{0}, fail_from_{0};
};

class FakeHealth : public HealthChecker {
 public:
  Status WaitReady(const HealthCheckSpec& spec, const json&,
                   const std::atomic<bool>*,
                   const std::function<Status()>&) override {
    if (!spec.ports.empty()) return Status::Unavailable("port closed");
    return Status::Ok();
  }
};

const char kNodes[] = R"(
'node_def:db': [{resource: {type: dummy}}]
'node_def:app':
  - resource: {type: dummy, attributes: {db: "{{ getip('db') }}"}}
'node_def:broken': [{resource: {type: dummy, fail: true}}]
'node_def:doomed': [{resource: {type: dummy, name: doomed, fail: true}}]
'node_def:sick':
  - resource: {type: dummy}
    health_check: {ports: [9]}
'node_def:db_v2': [{resource: {type: dummy, name: v2}}]
'node_def:lb_v2':
  - resource: {type: dummy, name: lb2, attributes: {backends: "{{ getipall('db') | join(',') }}"}}
'node_def:lb':
  - resource: {type: dummy, attributes: {backends: "{{ getipall('db') | join(',') }}"}}
)";

class ApplyTest : public ::testing::Test {
 protected:
  ApplyTest() : store_("lineage-1", "infra-1"), providers_({}) {
    auto recording = std::make_unique<RecordingProvider>(&store_);
    provider_ = recording.get();
    providers_.Set("dummy", std::move(recording));
  }

  void Compile(const std::string& infra) {
    CompileOptions options;
    options.infra_path = dir_.Write("infra.yaml", infra);
    dir_.Write("nodes/node_definitions.yaml", kNodes);
    Diagnostics diags;
    descriptor_ = Descriptor();
    ASSERT_TRUE(CompileDescriptor(options, &descriptor_, &graph_, &diags))
        << diags.ToString();
  }

  ApplyResult PlanAndApply(int parallelism = 10, bool destroy = false) {
    StateSnapshot state;
    EXPECT_TRUE(store_.Load(&state).ok());
    Plan plan;
    Diagnostics diags;
    if (destroy) {
      plan = MakeDestroyPlan(state);
    } else {
      EXPECT_TRUE(MakePlan(descriptor_, graph_, state, &plan, &diags))
          << diags.ToString();
    }
    ApplyOptions options;
    options.parallelism = parallelism;
    ApplyResult result;
    Status s = ApplyPlan(descriptor_, plan, &store_, &providers_, &health_,
                         nullptr, options, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result;
  }

  StateSnapshot State() {
    StateSnapshot s;
    store_.Load(&s);
    return s;
  }

  // Index of the first call starting with `prefix`.
  size_t CallIndex(const std::string& prefix) {
    auto calls = provider_->calls();
    for (size_t i = 0; i < calls.size(); ++i) {
      if (calls[i].rfind(prefix, 0) == 0) return i;
    }
    ADD_FAILURE() << "no call " << prefix;
    return calls.size();
  }

  testing::TempDir dir_;
  FailingStore store_;
  ProviderRegistry providers_;
  RecordingProvider* provider_;
  FakeHealth health_;
  Descriptor descriptor_;
  NodeGraph graph_;
};

TEST_F(ApplyTest, CreatesDependenciesFirstAndRendersTheirAddresses) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: app, type: app, scaling: {min: 3}}, "
          "{name: db, type: db}]\n");
  ApplyResult result = PlanAndApply();
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(4, result.added);
  size_t db = CallIndex("create db[0]");
  for (const char* app : {"create app[0]", "create app[1]", "create app[2]"}) {
    EXPECT_LT(db, CallIndex(app));
  }
  for (const std::string& call : provider_->calls()) {
    EXPECT_EQ(std::string::npos, call.find("WITHOUT INTENT")) << call;
  }
  StateSnapshot s = State();
  ASSERT_EQ(4u, s.instances.size());
  std::string db_ip = s.instances.at("db[0]").outputs.value()["ip"];
  EXPECT_EQ(db_ip,
            s.instances.at("app[1]").attributes.value()["resource"]["attributes"]["db"]);
  EXPECT_EQ(InstanceStatus::kReady, s.instances.at("app[1]").status);
  EXPECT_EQ("app[1]", s.instances.at("app[1]").tags.at(kAddressTag));
  EXPECT_EQ(3, s.desired_counts.at("app"));
}

TEST_F(ApplyTest, IndependentWorkRunsInParallelUpToTheLimit) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: db, type: db, scaling: {min: 8}}]\n");
  EXPECT_TRUE(PlanAndApply(/*parallelism=*/3).ok());
  EXPECT_EQ(3, provider_->max_concurrent());
}

TEST_F(ApplyTest, DestroyDeletesDependentsFirst) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: app, type: app, scaling: {min: 2}}, "
          "{name: db, type: db}]\n");
  ASSERT_TRUE(PlanAndApply().ok());
  StateSnapshot before = State();
  ApplyResult result = PlanAndApply(10, /*destroy=*/true);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(3, result.destroyed);
  size_t db = CallIndex("delete " + before.instances.at("db[0]").provider_id);
  EXPECT_GT(db, CallIndex("delete " + before.instances.at("app[0]").provider_id));
  EXPECT_GT(db, CallIndex("delete " + before.instances.at("app[1]").provider_id));
  EXPECT_TRUE(State().instances.empty());
  EXPECT_TRUE(State().desired_counts.empty());
}

TEST_F(ApplyTest, FailedCreateIsTaintedAndItsDependentsSkipped) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: db, type: broken}, "
          "{name: app, type: app}, {name: other, type: db}]\n"
          "dependencies: [[app, db]]\n");
  ApplyResult result = PlanAndApply();
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(1u, result.failed.size());
  // The provider's message, and where to fix it.
  EXPECT_EQ(0u, result.failed[0].rfind(
                    "db[0]: dummy: creating db[0] failed, as configured (fail: true) "
                    "(resource defined at ", 0))
      << result.failed[0];
  EXPECT_NE(std::string::npos,
            result.failed[0].find("nodes/node_definitions.yaml:5:32)"))
      << result.failed[0];
  EXPECT_EQ((std::vector<std::string>{"app[0]"}), result.skipped);
  StateSnapshot s = State();
  EXPECT_EQ(InstanceStatus::kTainted, s.instances.at("db[0]").status);
  EXPECT_EQ(0u, s.instances.count("app[0]"));
  // What succeeded stays recorded.
  EXPECT_EQ(InstanceStatus::kReady, s.instances.at("other[0]").status);
}

TEST_F(ApplyTest, UnhealthyInstanceIsTainted) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: web, type: sick}]\n");
  ApplyResult result = PlanAndApply();
  ASSERT_EQ(1u, result.failed.size());
  EXPECT_EQ("web[0]: port closed", result.failed[0]);
  EXPECT_EQ(InstanceStatus::kTainted, State().instances.at("web[0]").status);
}

TEST_F(ApplyTest, TaintedInstanceIsReplacedAndDependentsFollow) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: app, type: app}, {name: db, type: db}]\n");
  ASSERT_TRUE(PlanAndApply().ok());
  StateSnapshot s = State();
  std::string old_db = s.instances.at("db[0]").provider_id;
  StateChange taint;
  ResourceInstance db = s.instances.at("db[0]");
  db.status = InstanceStatus::kTainted;
  taint.put.push_back(db);
  int64_t serial;
  ASSERT_TRUE(store_.Commit(taint, &serial).ok());
  ApplyResult result = PlanAndApply();
  EXPECT_TRUE(result.ok());
  // db is replaced; app renders db's address in an attribute the dummy
  // provider updates in place.
  EXPECT_EQ(1, result.added);
  EXPECT_EQ(1, result.changed);
  EXPECT_EQ(1, result.destroyed);
  StateSnapshot after = State();
  EXPECT_NE(old_db, after.instances.at("db[0]").provider_id);
  EXPECT_EQ(after.instances.at("db[0]").outputs.value()["ip"],
            after.instances.at("app[0]").attributes.value()["resource"]
                                                            ["attributes"]["db"]);
}

// A scale-down: the instance leaves what its dependents see, and is
// deleted only once they are rebuilt without it (a load balancer stops
// sending to it first).
// A provider (an exec program, say) that answers the same id for two
// objects: both were recorded, and replacing one would delete the other's
// object. The second create fails instead, and is not recorded with it.
class SameIdProvider : public DummyProvider {
 public:
  Status Create(const ResourceRequest& r, ResourceObject* out) override {
    Status s = DummyProvider::Create(r, out);
    out->id = "the-same-id";
    return s;
  }
};

TEST_F(ApplyTest, TwoInstancesNeverShareAnObject) {
  providers_.Set("dummy", std::make_unique<SameIdProvider>());
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: db, type: db, scaling: {min: 2, max: 2}}]\n");
  ApplyResult result = PlanAndApply(/*parallelism=*/1);
  ASSERT_EQ(1u, result.failed.size());
  EXPECT_NE(std::string::npos,
            result.failed[0].find("the provider answered id the-same-id, which db[0] already "
                                  "has; two instances cannot share one object"))
      << result.failed[0];
  StateSnapshot s = State();
  EXPECT_EQ("the-same-id", s.instances.at("db[0]").provider_id);
  EXPECT_EQ("", s.instances.at("db[1]").provider_id);
  EXPECT_EQ(InstanceStatus::kTainted, s.instances.at("db[1]").status);
}

TEST_F(ApplyTest, AnInstanceScaledAwayGoesAfterItsDependentsForgetIt) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: lb, type: lb}, "
          "{name: db, type: db, scaling: {min: 1, max: 3}}]\n");
  StateChange two;
  two.set_desired["db"] = 2;
  int64_t serial;
  ASSERT_TRUE(store_.Commit(two, &serial).ok());
  ASSERT_TRUE(PlanAndApply().ok());
  StateSnapshot s = State();
  std::string ip0 = s.instances.at("db[0]").outputs.value()["ip"];
  std::string ip1 = s.instances.at("db[1]").outputs.value()["ip"];
  ASSERT_EQ(ip0 + "," + ip1,
            s.instances.at("lb[0]").attributes.value()["resource"]["attributes"]["backends"]);

  StateChange one;
  one.set_desired["db"] = 1;
  ASSERT_TRUE(store_.Commit(one, &serial).ok());
  // The delete could start at once; with parallelism it must not.
  ApplyResult result = PlanAndApply(/*parallelism=*/10);
  EXPECT_TRUE(result.ok());
  // The newest goes (which one that is depends on the parallel creates).
  StateSnapshot after = State();
  std::string gone = after.instances.count("db[1]") ? "db[0]" : "db[1]";
  std::string kept = gone == "db[0]" ? ip1 : ip0;
  ASSERT_EQ(0u, after.instances.count(gone));
  EXPECT_LT(CallIndex("update lb[0]"),
            CallIndex("delete " + s.instances.at(gone).provider_id));
  // And the drain (2 s by default for a node others depend on) lies
  // between them: requests the load balancer sent before it forgot the
  // instance finish before it goes.
  auto drained = provider_->When("delete " + s.instances.at(gone).provider_id) -
                 provider_->When("update lb[0]");
  EXPECT_GE(drained, std::chrono::milliseconds(1900));
  EXPECT_EQ(kept, after.instances.at("lb[0]").attributes.value()["resource"]
                      ["attributes"]["backends"]);
}

// The calls after the first `from` of them.
std::vector<std::string> CallsSince(RecordingProvider* p, size_t from) {
  auto calls = p->calls();
  return std::vector<std::string>(calls.begin() + static_cast<long>(from), calls.end());
}

// Where a call starting with `prefix` is in `calls`; calls.size() if none.
size_t Find(const std::vector<std::string>& calls, const std::string& prefix) {
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].rfind(prefix, 0) == 0) return i;
  }
  return calls.size();
}

TEST_F(ApplyTest, ARollingReplacementTakesOneInstanceOutOfTheLbAtATime) {
  const std::string infra =
      "user_id: u\ninfra_name: s\nnodes: [{name: lb, type: lb}, "
      "{name: db, type: %s, scaling: {min: 2, max: 3, drain: 300ms}}]\n";
  Compile(std::string(infra).replace(infra.find("%s"), 2, "db"));
  ASSERT_TRUE(PlanAndApply().ok());
  StateSnapshot before = State();
  std::string id0 = before.instances.at("db[0]").provider_id;
  std::string id1 = before.instances.at("db[1]").provider_id;
  std::string ip0 = before.instances.at("db[0]").outputs.value()["ip"];
  std::string ip1 = before.instances.at("db[1]").outputs.value()["ip"];

  // A configuration change replaces both: one at a time, old first.
  Compile(std::string(infra).replace(infra.find("%s"), 2, "db_v2"));
  Plan plan;
  Diagnostics diags;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, State(), &plan, &diags));
  ASSERT_EQ(1u, plan.rollouts.size());
  EXPECT_EQ("db", plan.rollouts[0].node);
  EXPECT_EQ((std::vector<std::string>{"db[0]", "db[1]"}), plan.rollouts[0].order);
  EXPECT_FALSE(plan.rollouts[0].surge);
  EXPECT_EQ(1, plan.rollouts[0].at_once);
  EXPECT_DOUBLE_EQ(0.3, plan.rollouts[0].drain_seconds);

  size_t from = provider_->calls().size();
  ApplyResult result = PlanAndApply();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(2, result.added);
  EXPECT_EQ(2, result.destroyed);
  std::vector<std::string> calls = CallsSince(provider_, from);
  std::string trace;
  for (const std::string& c : calls) trace += c + "\n";
  // db[0] leaves the lb (which keeps db[1]), drains, goes, is created again
  // and joins the lb; only then does db[1] leave.
  size_t out0 = Find(calls, "update lb[0] backends=" + ip1);
  size_t del0 = Find(calls, "delete " + id0);
  size_t new0 = Find(calls, "create db[0]");
  size_t del1 = Find(calls, "delete " + id1);
  size_t new1 = Find(calls, "create db[1]");
  ASSERT_LT(new1, calls.size()) << trace;
  EXPECT_LT(out0, del0) << trace;
  EXPECT_LT(del0, new0) << trace;
  EXPECT_LT(new0, del1) << trace;
  EXPECT_LT(del1, new1) << trace;
  StateSnapshot after = State();
  std::string new_ip0 = after.instances.at("db[0]").outputs.value()["ip"];
  std::string new_ip1 = after.instances.at("db[1]").outputs.value()["ip"];
  size_t in0 = Find(calls, "update lb[0] backends=" + new_ip0 + "," + ip1);
  size_t out1 = std::find(calls.begin(), calls.end(), "update lb[0] backends=" + new_ip0) -
                calls.begin();
  EXPECT_LT(new0, in0) << trace;
  EXPECT_LT(in0, out1) << trace;
  EXPECT_LT(out1, del1) << trace;
  // The lb never went without a backend, nor sent to a deleted one.
  for (const std::string& c : calls) {
    EXPECT_NE("update lb[0] backends=", c) << trace;
  }
  // Each old object drained after it left the lb.
  EXPECT_GE(provider_->When("delete " + id0) - provider_->When("update lb[0] backends=" + ip1),
            std::chrono::milliseconds(250));
  EXPECT_EQ(new_ip0 + "," + new_ip1,
            after.instances.at("lb[0]").attributes.value()["resource"]["attributes"]["backends"]);
  EXPECT_FALSE(PlanAndApply().added);
}

TEST_F(ApplyTest, ASurgeRolloutCreatesEachSuccessorBeforeItsOldObjectLeaves) {
  const std::string infra =
      "user_id: u\ninfra_name: s\nnodes: [{name: lb, type: lb}, "
      "{name: db, type: %s, scaling: {min: 3, max: 3, drain: 100ms}, "
      "lifecycle: {max_surge: 2}}]\n";
  Compile(std::string(infra).replace(infra.find("%s"), 2, "db"));
  ASSERT_TRUE(PlanAndApply().ok());
  StateSnapshot before = State();
  std::vector<std::string> ids;
  for (const char* a : {"db[0]", "db[1]", "db[2]"}) {
    ids.push_back(before.instances.at(a).provider_id);
  }
  Compile(std::string(infra).replace(infra.find("%s"), 2, "db_v2"));
  Plan plan;
  Diagnostics diags;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, State(), &plan, &diags));
  ASSERT_EQ(1u, plan.rollouts.size());
  EXPECT_TRUE(plan.rollouts[0].surge);
  EXPECT_EQ(2, plan.rollouts[0].at_once);
  EXPECT_TRUE(plan.changes[1].create_before_destroy);  // db[0], after lb[0]

  size_t from = provider_->calls().size();
  ASSERT_TRUE(PlanAndApply().ok());
  std::vector<std::string> calls = CallsSince(provider_, from);
  std::string trace;
  for (const std::string& c : calls) trace += c + "\n";
  // Two successors at most ahead of their old objects: db[2]'s waits for
  // the first old object's delete.
  size_t first_delete = std::min(Find(calls, "delete " + ids[0]), Find(calls, "delete " + ids[1]));
  EXPECT_LT(first_delete, Find(calls, "create db[2]")) << trace;
  for (int i = 0; i < 3; ++i) {
    std::string address = "db[" + std::to_string(i) + "]";
    EXPECT_LT(Find(calls, "create " + address), Find(calls, "delete " + ids[i])) << trace;
    // The lb sent to the successor before the old object went.
    std::string ip = State().instances.at(address).outputs.value()["ip"];
    size_t joined = calls.size();
    for (size_t c = 0; c < calls.size(); ++c) {
      if (calls[c].rfind("update lb[0]", 0) == 0 && calls[c].find(ip) != std::string::npos) {
        joined = std::min(joined, c);
      }
    }
    EXPECT_LT(joined, Find(calls, "delete " + ids[i])) << trace;
  }
}

// A successor that fails stops the rollout: the instances after it keep
// their old objects, and the next plan shows them again.
TEST_F(ApplyTest, AFailedSuccessorStopsTheRollout) {
  const std::string infra =
      "user_id: u\ninfra_name: s\nnodes: [{name: lb, type: lb}, "
      "{name: db, type: %s, scaling: {min: 2, max: 2, drain: 0s}}]\n";
  Compile(std::string(infra).replace(infra.find("%s"), 2, "db"));
  ASSERT_TRUE(PlanAndApply().ok());
  std::string id1 = State().instances.at("db[1]").provider_id;
  Compile(std::string(infra).replace(infra.find("%s"), 2, "doomed"));
  ApplyResult result = PlanAndApply();
  EXPECT_EQ(1u, result.failed.size());
  EXPECT_NE(result.skipped.end(),
            std::find(result.skipped.begin(), result.skipped.end(), "db[1]"));
  for (const std::string& call : provider_->calls()) {
    EXPECT_NE("delete " + id1, call) << "the rollout went on after a failed successor";
  }
  StateSnapshot after = State();
  EXPECT_EQ(id1, after.instances.at("db[1]").provider_id);
  EXPECT_EQ(InstanceStatus::kReady, after.instances.at("db[1]").status);
  // lb sends to the instance that still serves.
  EXPECT_EQ(after.instances.at("db[1]").outputs.value()["ip"],
            after.instances.at("lb[0]").attributes.value()["resource"]["attributes"]["backends"]);
}

// Both ends of a dependency replaced at once: the rollouts' pace would
// make them wait on each other; the plan's order wins and nothing hangs.
TEST_F(ApplyTest, ReplacingBothEndsOfADependencyFinishes) {
  const std::string infra =
      "user_id: u\ninfra_name: s\nnodes: [{name: lb, type: %s, "
      "lifecycle: {create_before_destroy: true}}, "
      "{name: db, type: %s, scaling: {min: 2, max: 2, drain: 0s}}]\n";
  auto with = [&](const std::string& lb, const std::string& db) {
    std::string text = infra;
    text.replace(text.find("%s"), 2, lb);
    text.replace(text.find("%s"), 2, db);
    return text;
  };
  Compile(with("lb", "db"));
  ASSERT_TRUE(PlanAndApply().ok());
  Compile(with("lb_v2", "db_v2"));
  Plan plan;
  Diagnostics diags;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, State(), &plan, &diags));
  EXPECT_EQ(2u, plan.rollouts.size());
  ApplyResult result = PlanAndApply();
  EXPECT_TRUE(result.ok()) << (result.failed.empty() ? "" : result.failed[0]);
  EXPECT_EQ(3, result.added);
  EXPECT_EQ(3, result.destroyed);
  StateSnapshot after = State();
  EXPECT_EQ(after.instances.at("db[0]").outputs.value()["ip"].get<std::string>() + "," +
                after.instances.at("db[1]").outputs.value()["ip"].get<std::string>(),
            after.instances.at("lb[0]").attributes.value()["resource"]["attributes"]["backends"]);
}

// occam serve's scale-down: the drain does not hold the apply up. The
// instance leaves the lb, stays recorded as being deleted, and is reported
// draining; named as drained, it is deleted at once.
TEST_F(ApplyTest, ADeferredDrainLeavesTheInstanceForServeToDelete) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: lb, type: lb}, "
          "{name: db, type: db, scaling: {min: 1, max: 3, drain: 1h}}]\n");
  StateChange two;
  two.set_desired["db"] = 2;
  int64_t serial;
  ASSERT_TRUE(store_.Commit(two, &serial).ok());
  ASSERT_TRUE(PlanAndApply().ok());
  StateChange one;
  one.set_desired["db"] = 1;
  ASSERT_TRUE(store_.Commit(one, &serial).ok());
  StateSnapshot state = State();
  Plan plan;
  Diagnostics diags;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, state, &plan, &diags));
  std::string gone;
  for (const ResourceChange& c : plan.changes) {
    if (c.action == ChangeAction::kDelete) gone = c.address;
  }
  ASSERT_FALSE(gone.empty());
  std::string id = state.instances.at(gone).provider_id;
  ApplyOptions options;
  options.defer_drains = true;
  ApplyResult result;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(ApplyPlan(descriptor_, plan, &store_, &providers_, &health_, nullptr, options,
                        &result)
                  .ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::minutes(1));  // not 1h
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(1u, result.draining.size());
  EXPECT_EQ(gone, result.draining[0].first);
  EXPECT_DOUBLE_EQ(3600, result.draining[0].second);
  EXPECT_EQ(0, result.destroyed);
  EXPECT_EQ(1, result.changed);  // the lb, without it
  StateSnapshot after = State();
  EXPECT_EQ(InstanceStatus::kDeleting, after.instances.at(gone).status);
  for (const std::string& call : provider_->calls()) EXPECT_NE("delete " + id, call);
  std::string lb = after.instances.at("lb[0]").attributes.value()["resource"]["attributes"]["backends"];
  EXPECT_EQ(std::string::npos, lb.find(after.instances.at(gone).outputs.value()["ip"].get<std::string>()));

  // Drained: the next plan deletes it, at once.
  ASSERT_TRUE(MakePlan(descriptor_, graph_, after, &plan, &diags));
  options.drained = {gone};
  ASSERT_TRUE(ApplyPlan(descriptor_, plan, &store_, &providers_, &health_, nullptr, options,
                        &result)
                  .ok());
  EXPECT_TRUE(result.draining.empty());
  EXPECT_EQ(1, result.destroyed);
  EXPECT_EQ(0u, State().instances.count(gone));
  CallIndex("delete " + id);
}

// Replaces db[0] of `infra` by tainting it; returns its old provider id.
std::string TaintDb(MemoryStateStore* store) {
  StateSnapshot s;
  store->Load(&s);
  ResourceInstance db = s.instances.at("db[0]");
  db.status = InstanceStatus::kTainted;
  StateChange taint;
  taint.put.push_back(db);
  int64_t serial;
  EXPECT_TRUE(store->Commit(taint, &serial).ok());
  return db.provider_id;
}

TEST_F(ApplyTest, CreateBeforeDestroyDeletesTheOldObjectAfterItsSuccessor) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: app, type: app}, "
          "{name: db, type: db, lifecycle: {create_before_destroy: true}}]\n");
  ASSERT_TRUE(PlanAndApply().ok());
  std::string old_db = TaintDb(&store_);
  Plan plan;
  Diagnostics diags;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, State(), &plan, &diags));
  ASSERT_EQ(ChangeAction::kReplace, plan.changes[1].action);
  EXPECT_TRUE(plan.changes[1].create_before_destroy);
  ApplyResult result = PlanAndApply();
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(1, result.added);
  EXPECT_EQ(1, result.destroyed);
  EXPECT_LT(CallIndex("create db[0]"), CallIndex("delete " + old_db));
  // app renders db's new address before the old db goes.
  EXPECT_LT(CallIndex("update app[0]"), CallIndex("delete " + old_db));
  StateSnapshot after = State();
  EXPECT_NE(old_db, after.instances.at("db[0]").provider_id);
  EXPECT_EQ("", after.instances.at("db[0]").deposed);
  EXPECT_FALSE(PlanAndApply().added + PlanAndApply().destroyed);
}

TEST_F(ApplyTest, CreateBeforeDestroyKeepsTheOldObjectWhenTheSuccessorFails) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: db, type: db}]\n");
  ASSERT_TRUE(PlanAndApply().ok());
  std::string old_db = State().instances.at("db[0]").provider_id;
  // The new definition cannot be created.
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: db, type: doomed, "
          "lifecycle: {create_before_destroy: true}}]\n");
  ApplyResult result = PlanAndApply();
  EXPECT_EQ(1u, result.failed.size());
  for (const std::string& call : provider_->calls()) {
    EXPECT_NE("delete " + old_db, call) << "the working object was deleted";
  }
  ResourceInstance db = State().instances.at("db[0]");
  EXPECT_EQ(InstanceStatus::kTainted, db.status);
  EXPECT_EQ(old_db, db.deposed);  // still recorded: never orphaned

  // Fixed: the old object goes only once its successor is ready.
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: db, type: db, "
          "lifecycle: {create_before_destroy: true}}]\n");
  size_t calls_before = provider_->calls().size();
  result = PlanAndApply();
  EXPECT_TRUE(result.ok());
  auto calls = provider_->calls();
  std::vector<std::string> now(calls.begin() + calls_before, calls.end());
  EXPECT_EQ((std::vector<std::string>{"create db[0]", "delete " + old_db}), now);
  db = State().instances.at("db[0]");
  EXPECT_EQ(InstanceStatus::kReady, db.status);
  EXPECT_EQ("", db.deposed);
}

TEST_F(ApplyTest, ADeposedObjectLeftByACrashIsPlannedAndDeleted) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: db, type: db, "
          "lifecycle: {create_before_destroy: true}}]\n");
  ASSERT_TRUE(PlanAndApply().ok());
  // As a crash between the successor's create and the old object's delete
  // leaves it: the old object runs, the state names it deposed.
  ResourceObject old_object;
  ASSERT_TRUE(provider_->Create({"db[0]", json{{"resource", {{"type", "dummy"}}}},
                            MakeOwnershipTags("lineage-1", "db[0]"), {}},
                           &old_object)
                  .ok());
  ResourceInstance db = State().instances.at("db[0]");
  db.deposed = old_object.id;
  StateChange crash;
  crash.put.push_back(db);
  int64_t serial;
  ASSERT_TRUE(store_.Commit(crash, &serial).ok());

  Plan plan;
  Diagnostics diags;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, State(), &plan, &diags));
  ASSERT_EQ(2u, plan.changes.size());
  EXPECT_EQ(ChangeAction::kDelete, plan.changes[0].action);
  EXPECT_EQ(ChangeReason::kDeposed, plan.changes[0].reason);
  EXPECT_EQ(old_object.id, plan.changes[0].deposed);
  EXPECT_EQ(ChangeAction::kNoOp, plan.changes[1].action);
  EXPECT_EQ("Plan: 0 to add, 0 to change, 1 to destroy.", plan.Summary());

  ApplyResult result = PlanAndApply();
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(1, result.destroyed);
  CallIndex("delete " + old_object.id);
  EXPECT_EQ("", State().instances.at("db[0]").deposed);
  EXPECT_EQ(db.provider_id, State().instances.at("db[0]").provider_id);
  ASSERT_TRUE(MakePlan(descriptor_, graph_, State(), &plan, &diags));
  EXPECT_FALSE(plan.HasChanges());
}

TEST_F(ApplyTest, ACountDecidedAfterThePlanIsNotOverwritten) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: db, type: db, scaling: {min: 1, max: 5}}]\n");
  Plan plan;
  Diagnostics diags;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, State(), &plan, &diags));
  // occam serve records a decision while the user reads the plan.
  StateChange decision;
  decision.set_desired["db"] = 3;
  int64_t serial;
  ASSERT_TRUE(store_.Commit(decision, &serial).ok());
  ApplyResult result;
  ASSERT_TRUE(ApplyPlan(descriptor_, plan, &store_, &providers_, &health_,
                        nullptr, ApplyOptions(), &result)
                  .ok());
  EXPECT_EQ(1, result.added);
  EXPECT_EQ(3, State().desired_counts.at("db"));
  // Without a decision in between, the plan's counts are recorded.
  EXPECT_TRUE(PlanAndApply().ok());
  EXPECT_EQ(3u, State().instances.size());
  EXPECT_EQ(3, State().desired_counts.at("db"));
}

TEST_F(ApplyTest, InterruptedApplyStartsNothing) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: db, type: db, scaling: {min: 4}}]\n");
  StateSnapshot state = State();
  Plan plan;
  Diagnostics diags;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, state, &plan, &diags));
  std::atomic<bool> interrupted{true};
  ApplyOptions options;
  options.interrupted = &interrupted;
  ApplyResult result;
  ASSERT_TRUE(ApplyPlan(descriptor_, plan, &store_, &providers_, &health_,
                        nullptr, options, &result)
                  .ok());
  EXPECT_TRUE(result.interrupted);
  EXPECT_EQ(4u, result.skipped.size());
  EXPECT_TRUE(provider_->calls().empty());
}

// When the state stops taking commits, the apply stops: no provider call
// without its intent recorded, no hang, the store's error returned.
TEST_F(ApplyTest, AStateThatCannotBeWrittenStopsTheApply) {
  Compile("user_id: u\ninfra_name: s\nnodes: [{name: db, type: db, scaling: {min: 8}}]\n");
  for (int fail_from : {1, 2, 3, 4, 5, 8}) {
    SCOPED_TRACE("failing from commit " + std::to_string(fail_from));
    ASSERT_TRUE(PlanAndApply(3, /*destroy=*/true).ok());
    StateSnapshot state = State();
    Plan plan;
    Diagnostics diags;
    ASSERT_TRUE(MakePlan(descriptor_, graph_, state, &plan, &diags));
    size_t calls_before = provider_->calls().size();
    store_.FailFromCommit(fail_from);
    ApplyOptions options;
    options.parallelism = 3;
    ApplyResult result;
    Status s = ApplyPlan(descriptor_, plan, &store_, &providers_, &health_,
                         nullptr, options, &result);
    store_.FailFromCommit(0);
    EXPECT_EQ("disk full", s.message());
    EXPECT_LT(result.added, 8);
    // Every object created has its intent (or result) in the state: the
    // next apply finds it by its tags.
    StateSnapshot after = State();
    std::vector<std::string> calls = provider_->calls();
    for (size_t i = calls_before; i < calls.size(); ++i) {
      EXPECT_EQ(std::string::npos, calls[i].find("WITHOUT INTENT")) << calls[i];
      std::string address = calls[i].substr(calls[i].find(' ') + 1);
      EXPECT_EQ(1u, after.instances.count(address)) << calls[i];
    }
  }
  // And once it can, the next apply converges.
  EXPECT_TRUE(PlanAndApply(3).ok());
  EXPECT_EQ(8u, State().instances.size());
}

}  // namespace
}  // namespace occam
