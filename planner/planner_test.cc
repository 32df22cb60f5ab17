#include "planner/planner.h"

#include <gtest/gtest.h>

#include "descriptor/compiler.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;

const char kNodes[] = R"(
'node_def:db':
  - resource: {type: dummy, attributes: {size: small}}
    health_check: {ping: false}
'node_def:app':
  - resource:
      type: dummy
      name: "app-of-{{ getip('db') }}"
      attributes: {greeting: "{{ variables.greeting }}", all: "{{ getipall('db') }}"}
'node_def:cache':
  - resource: {type: dummy, name: cache}
)";

const char kInfra[] = R"(
user_id: u
infra_name: shop
variables: {greeting: hello, db_password: s3cret}
nodes:
  - {name: db, type: db}
  - {name: app, type: app, scaling: {min: 1, max: 5}}
  - {name: cache, type: cache}
dependencies: [[app, db]]
)";

class PlannerTest : public ::testing::Test {
 protected:
  PlannerTest() {
    state_.lineage = "lineage-1";
    state_.infra_id = "infra-1";
  }

  void Compile(const std::string& infra = kInfra,
               const std::string& nodes = kNodes) {
    CompileOptions options;
    options.infra_path = dir_.Write("infra.yaml", infra);
    dir_.Write("nodes/node_definitions.yaml", nodes);
    Diagnostics diags;
    descriptor_ = Descriptor();
    ASSERT_TRUE(CompileDescriptor(options, &descriptor_, &graph_, &diags))
        << diags.ToString();
  }

  Plan MakePlanOrFail() {
    Plan plan;
    Diagnostics diags;
    EXPECT_TRUE(MakePlan(descriptor_, graph_, state_, &plan, &diags))
        << diags.ToString();
    return plan;
  }

  // Records a plan in the state as a successful apply would: every instance
  // gets an address 10.0.0.N, N counting creations.
  void FakeApply(const Plan& plan) {
    for (const ResourceChange& c : plan.changes) {
      if (c.action == ChangeAction::kDelete) {
        state_.instances.erase(c.address);
        continue;
      }
      if (c.action == ChangeAction::kNoOp) continue;
      ResourceInstance& r = state_.instances[c.address];
      bool fresh = c.action != ChangeAction::kUpdate;
      r.address = c.address;
      r.node = c.node;
      r.index = c.index;
      r.provider = c.provider;
      r.status = InstanceStatus::kReady;
      if (fresh) {
        r.created_serial = ++serial_;
        r.outputs = StoredJson(json{{"ip", "10.0.0." + std::to_string(serial_)}});
      }
      r.dependencies = c.dependencies;
      r.attributes = StoredJson(*c.after);
    }
    for (const auto& [node, count] : plan.desired_counts) {
      state_.desired_counts[node] = count;
    }
    // Attributes as apply renders them, once the addresses they name are
    // known.
    Plan rendered = MakePlanOrFail();
    for (const ResourceChange& c : rendered.changes) {
      if (state_.instances.count(c.address)) {
        state_.instances[c.address].attributes = StoredJson(*c.after);
      }
    }
  }

  // "app[1]:create:scale_up" for each change that is not a no-op.
  static std::vector<std::string> Changes(const Plan& plan) {
    std::vector<std::string> out;
    for (const ResourceChange& c : plan.changes) {
      if (c.action == ChangeAction::kNoOp) continue;
      out.push_back(c.address + ":" + ChangeActionName(c.action) + ":" +
                    ChangeReasonName(c.reason));
    }
    return out;
  }

  const ResourceChange& Find(const Plan& plan, const std::string& address) {
    for (const ResourceChange& c : plan.changes) {
      if (c.address == address) return c;
    }
    static ResourceChange none;
    ADD_FAILURE() << "no change for " << address;
    return none;
  }

  testing::TempDir dir_;
  Descriptor descriptor_;
  NodeGraph graph_;
  StateSnapshot state_;
  int64_t serial_ = 0;
};

TEST_F(PlannerTest, FirstPlanCreatesMinimumOfEachNodeType) {
  Compile();
  Plan plan = MakePlanOrFail();
  EXPECT_EQ((std::vector<std::string>{"app[0]:create:none",
                                      "cache[0]:create:none",
                                      "db[0]:create:none"}),
            Changes(plan));
  EXPECT_EQ("Plan: 3 to add, 0 to change, 0 to destroy.", plan.Summary());
  const ResourceChange& app = Find(plan, "app[0]");
  // db has no address yet.
  EXPECT_EQ(json({{"resource",
                  {{"name", true}, {"attributes", {{"all", true}}}}}}),
            app.after_unknown.get());
  EXPECT_EQ("hello", (*app.after)["resource"]["attributes"]["greeting"]);
  EXPECT_EQ((std::vector<std::string>{"db"}), app.dependencies);
  EXPECT_EQ("lineage-1", plan.lineage);
}

TEST_F(PlannerTest, HealthCheckUrlsKeepIpAndPortForTheChecker) {
  // The instance's ip and port are known only when it runs: the health
  // checker fills them in (providers/health_check.h).
  Compile("user_id: u\ninfra_name: site\nnodes: [{name: web, type: web}]\n",
          "'node_def:web':\n"
          "  - resource: {type: dummy}\n"
          "    health_check:\n"
          "      urls: ['http://{{ip}}:{{ port }}/{{name}}']\n");
  Plan plan = MakePlanOrFail();
  EXPECT_EQ("http://{{ip}}:{{port}}/web",
            (*Find(plan, "web[0]").after)["health_check"]["urls"][0]);
}

TEST_F(PlannerTest, NothingToDoAfterApply) {
  Compile();
  FakeApply(MakePlanOrFail());
  Plan plan = MakePlanOrFail();
  EXPECT_TRUE(Changes(plan).empty())
      << Changes(plan)[0];
  EXPECT_FALSE(plan.HasChanges());
  EXPECT_EQ("app-of-10.0.0.3", (*Find(plan, "app[0]").after)["resource"]["name"]);
  EXPECT_EQ("['10.0.0.3']",
            (*Find(plan, "app[0]").after)["resource"]["attributes"]["all"]);
}

TEST_F(PlannerTest, ScaleUpTakesLowestFreeIndices) {
  Compile();
  FakeApply(MakePlanOrFail());
  state_.desired_counts["app"] = 3;
  Plan plan = MakePlanOrFail();
  EXPECT_EQ((std::vector<std::string>{"app[1]:create:scale_up",
                                      "app[2]:create:scale_up"}),
            Changes(plan));
  EXPECT_EQ("app scales from 1 to 3", Find(plan, "app[1]").reason_detail);
  EXPECT_EQ(3, plan.desired_counts.at("app"));
}

TEST_F(PlannerTest, ScaleDownRemovesNewestInstance) {
  Compile();
  state_.desired_counts["app"] = 3;
  FakeApply(MakePlanOrFail());
  // app[1] was created last.
  state_.instances["app[1]"].created_serial = 100;
  state_.desired_counts["app"] = 2;
  Plan plan = MakePlanOrFail();
  EXPECT_EQ((std::vector<std::string>{"app[1]:delete:scale_down"}),
            Changes(plan));
  FakeApply(plan);
  // Scaling up again reuses the freed index: one removal shifts nothing.
  state_.desired_counts["app"] = 3;
  EXPECT_EQ((std::vector<std::string>{"app[1]:create:scale_up"}),
            Changes(MakePlanOrFail()));
}

TEST_F(PlannerTest, NamedInstanceIsRemovedFirst) {
  Compile();
  state_.desired_counts["app"] = 3;
  FakeApply(MakePlanOrFail());
  state_.instances["app[0]"].remove_requested = true;
  state_.desired_counts["app"] = 2;
  Plan plan = MakePlanOrFail();
  EXPECT_EQ((std::vector<std::string>{"app[0]:delete:scale_down"}),
            Changes(plan));
  EXPECT_EQ("app scales from 3 to 2; app[0] was named for removal",
            Find(plan, "app[0]").reason_detail);
}

// serve's drains: an instance draining is left alone (neither counted nor
// replaced) and its index is not reused; once its drain is over, it is the
// first to go.
TEST_F(PlannerTest, DrainingInstancesAreLeftAloneAndGoFirst) {
  Compile();
  state_.desired_counts["app"] = 3;
  FakeApply(MakePlanOrFail());
  state_.instances["app[1]"].status = InstanceStatus::kDeleting;  // left draining
  state_.instances["app[2]"].created_serial = 100;  // the newest
  state_.desired_counts["app"] = 2;
  PlanningOptions draining;
  draining.draining = {"app[1]"};
  Plan plan;
  Diagnostics diags;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, state_, &plan, &diags, draining));
  EXPECT_TRUE(Changes(plan).empty());
  // A scale-up meanwhile takes a free index, not the draining one's.
  state_.desired_counts["app"] = 3;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, state_, &plan, &diags, draining));
  EXPECT_EQ((std::vector<std::string>{"app[3]:create:scale_up"}), Changes(plan));
  // Its drain over, the instance being deleted goes before the newest.
  state_.desired_counts["app"] = 2;
  EXPECT_EQ((std::vector<std::string>{"app[1]:delete:scale_down"}),
            Changes(MakePlanOrFail()));
}

// occam serve plans one step of a rollout at a time: the other
// replacements a changed configuration asks for wait for later plans, so
// that decisions in between are not held up by a whole rollout; what is
// broken is replaced at once.
TEST_F(PlannerTest, OneRolloutStepAtATimeWhenAsked) {
  Compile();
  state_.desired_counts["app"] = 3;
  FakeApply(MakePlanOrFail());
  std::string nodes = kNodes;
  nodes.replace(nodes.find("name: \"app-of-"), 14, "name: \"app2-of-");
  Compile(kInfra, nodes);
  EXPECT_EQ(3u, Changes(MakePlanOrFail()).size());
  PlanningOptions step;
  step.one_rollout_step = true;
  Plan plan;
  Diagnostics diags;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, state_, &plan, &diags, step));
  EXPECT_EQ((std::vector<std::string>{"app[0]:replace:config_changed"}), Changes(plan));
  EXPECT_EQ(2, plan.replacements_deferred);
  ASSERT_EQ(1u, plan.rollouts.size());
  EXPECT_EQ((std::vector<std::string>{"app[0]"}), plan.rollouts[0].order);
  EXPECT_EQ((std::vector<std::string>{
                "app: 2 more replacements wait for the next step of its rollout"}),
            plan.notes);
  EXPECT_EQ(*Find(plan, "app[1]").before, *Find(plan, "app[1]").after);
  // (FakeApply records every instance as rendered now: not the deferred.)
  StoredJson old1 = state_.instances["app[1]"].attributes;
  StoredJson old2 = state_.instances["app[2]"].attributes;
  FakeApply(plan);
  state_.instances["app[1]"].attributes = old1;
  state_.instances["app[2]"].attributes = old2;
  EXPECT_EQ((std::vector<std::string>{"app[1]:replace:config_changed"}),
            Changes([&] {
              Plan next;
              EXPECT_TRUE(MakePlan(descriptor_, graph_, state_, &next, &diags, step));
              return next;
            }()));
  // The next step; a tainted instance is replaced beside it.
  state_.instances["app[2]"].status = InstanceStatus::kTainted;
  ASSERT_TRUE(MakePlan(descriptor_, graph_, state_, &plan, &diags, step));
  EXPECT_EQ((std::vector<std::string>{"app[1]:replace:config_changed",
                                      "app[2]:replace:tainted"}),
            Changes(plan));
  EXPECT_EQ(0, plan.replacements_deferred);
}

TEST_F(PlannerTest, CountIsClampedToScalingRange) {
  Compile();
  state_.desired_counts["app"] = 50;
  state_.desired_counts["db"] = 0;
  Plan plan = MakePlanOrFail();
  EXPECT_EQ(5, plan.desired_counts.at("app"));
  EXPECT_EQ(1, plan.desired_counts.at("db"));
  // In build order: db first.
  EXPECT_EQ((std::vector<std::string>{
                "db: the recorded count 0 is outside scaling [1, 1]; using 1",
                "app: the recorded count 50 is outside scaling [1, 5]; using "
                "5"}),
            plan.notes);
}

TEST_F(PlannerTest, UpdatableAttributeChangesInPlace) {
  Compile();
  FakeApply(MakePlanOrFail());
  std::string nodes = kNodes;
  nodes.replace(nodes.find("size: small"), 11, "size: large");
  nodes.replace(nodes.find("ping: false"), 11, "ping: true");
  Compile(kInfra, nodes);
  Plan plan = MakePlanOrFail();
  EXPECT_EQ((std::vector<std::string>{"db[0]:update:config_changed"}),
            Changes(plan));
  const ResourceChange& db = Find(plan, "db[0]");
  EXPECT_EQ((std::vector<std::string>{"health_check.ping",
                                      "resource.attributes.size"}),
            db.changed_paths);
  EXPECT_TRUE(db.replace_paths.empty());
  EXPECT_EQ("Plan: 0 to add, 1 to change, 0 to destroy.", plan.Summary());
}

TEST_F(PlannerTest, OtherAttributeChangeReplaces) {
  Compile();
  FakeApply(MakePlanOrFail());
  std::string nodes = kNodes;
  nodes.replace(nodes.find("name: cache"), 11, "name: kache");
  Compile(kInfra, nodes);
  Plan plan = MakePlanOrFail();
  EXPECT_EQ((std::vector<std::string>{"cache[0]:replace:config_changed"}),
            Changes(plan));
  EXPECT_EQ((std::vector<std::string>{"resource.name"}),
            Find(plan, "cache[0]").replace_paths);
  EXPECT_EQ("Plan: 1 to add, 0 to change, 1 to destroy.", plan.Summary());
}

TEST_F(PlannerTest, ReplacedDependencyCascades) {
  Compile();
  FakeApply(MakePlanOrFail());
  state_.instances["db[0]"].status = InstanceStatus::kTainted;
  Plan plan = MakePlanOrFail();
  EXPECT_EQ((std::vector<std::string>{"app[0]:replace:dependency_replaced",
                                      "db[0]:replace:tainted"}),
            Changes(plan));
  const ResourceChange& app = Find(plan, "app[0]");
  EXPECT_EQ("it renders addresses of db, which this plan changes",
            app.reason_detail);
  EXPECT_EQ((std::vector<std::string>{"resource.attributes.all",
                                      "resource.name"}),
            app.changed_paths);
  EXPECT_EQ((std::vector<std::string>{"resource.name"}), app.replace_paths);
  // cache does not render db's address: untouched.
  EXPECT_EQ(ChangeAction::kNoOp, Find(plan, "cache[0]").action);
}

TEST_F(PlannerTest, RemovedNodeTypeIsDeleted) {
  Compile();
  FakeApply(MakePlanOrFail());
  std::string infra = kInfra;
  infra.replace(infra.find("  - {name: cache, type: cache}\n"), 30, "");
  Compile(infra);
  Plan plan = MakePlanOrFail();
  EXPECT_EQ((std::vector<std::string>{"cache[0]:delete:node_type_removed"}),
            Changes(plan));
  EXPECT_EQ("node type cache is no longer in the descriptor",
            Find(plan, "cache[0]").reason_detail);
}

TEST_F(PlannerTest, InterruptedCreateIsRedone) {
  Compile();
  FakeApply(MakePlanOrFail());
  state_.instances["cache[0]"].status = InstanceStatus::kCreating;
  EXPECT_EQ((std::vector<std::string>{"cache[0]:replace:interrupted"}),
            Changes(MakePlanOrFail()));
}

TEST_F(PlannerTest, SecretsAreMarkedSensitive) {
  std::string infra = kInfra;
  infra.insert(infra.find("dependencies"), "  - {name: vault, type: vault}\n");
  Compile(infra, std::string(kNodes) + R"(
'node_def:vault':
  - resource:
      type: dummy
      attributes: {conn: "db:{{ variables.db_password }}", password: x, plain: y}
)");
  Plan plan = MakePlanOrFail();
  EXPECT_EQ(json({{"resource",
                   {{"attributes", {{"conn", true}, {"password", true}}}}}}),
            Find(plan, "vault[0]").after_sensitive.get());
}

TEST_F(PlannerTest, SamePlanEveryTime) {
  Compile();
  FakeApply(MakePlanOrFail());
  state_.desired_counts["app"] = 4;
  state_.instances["db[0]"].status = InstanceStatus::kTainted;
  std::string first = PlanToJson(MakePlanOrFail()).dump();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(first, PlanToJson(MakePlanOrFail()).dump());
  }
}

TEST_F(PlannerTest, PlanRoundTripsThroughJson) {
  Compile();
  Plan plan = MakePlanOrFail();
  Plan back;
  std::string error;
  ASSERT_TRUE(PlanFromJson(PlanToJson(plan), &back, &error)) << error;
  EXPECT_EQ(PlanToJson(plan), PlanToJson(back));
  EXPECT_FALSE(PlanFromJson(json::object(), &back, &error));
}

}  // namespace
}  // namespace occam
