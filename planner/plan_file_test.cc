#include "planner/plan_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;

Plan SamplePlan() {
  Plan plan;
  plan.lineage = "l-1";
  plan.serial = 4;
  plan.infra_id = "i-1";
  plan.infra_name = "shop";
  plan.descriptor_digest = "abc";
  plan.desired_counts = {{"app", 2}};
  ResourceChange c;
  c.address = "app[1]";
  c.node = "app";
  c.index = 1;
  c.provider = "dummy";
  c.action = ChangeAction::kCreate;
  c.reason = ChangeReason::kScaleUp;
  c.after = json{{"resource", {{"password", "s3cret"}}}};
  c.after_sensitive = json{{"resource", {{"password", true}}}};
  plan.changes.push_back(c);
  return plan;
}

TEST(PlanFile, RoundTripsWithPrivateMode) {
  testing::TempDir dir;
  std::string path = dir.Path("app.plan");
  ASSERT_TRUE(WritePlanFile(path, SamplePlan()).ok());
  struct stat st {};
  ASSERT_EQ(0, stat(path.c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);
  Plan read;
  Status s = ReadPlanFile(path, &read);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(PlanToJson(SamplePlan()), PlanToJson(read));
}

TEST(PlanFile, RefusesOtherFiles) {
  testing::TempDir dir;
  Plan plan;
  dir.Write("x.json", "{\"hello\": 1}");
  EXPECT_EQ(dir.Path("x.json") +
                " is not an occam plan file; make one with occam plan --out "
                "FILE",
            ReadPlanFile(dir.Path("x.json"), &plan).message());
  dir.Write("v9.plan", "{\"format\": \"occam-plan\", \"version\": 9}");
  EXPECT_EQ(dir.Path("v9.plan") +
                " is a plan file of version 9; this occam reads version 1. "
                "Plan again with this occam",
            ReadPlanFile(dir.Path("v9.plan"), &plan).message());
  dir.Write("bad.plan",
            "{\"format\": \"occam-plan\", \"version\": 1, \"plan\": {}}");
  EXPECT_EQ(Status::Code::kCorruption,
            ReadPlanFile(dir.Path("bad.plan"), &plan).code());
  EXPECT_TRUE(ReadPlanFile(dir.Path("none.plan"), &plan).IsNotFound());
}

TEST(PlanFile, StaleOrForeignPlansAreRefused) {
  Plan plan = SamplePlan();
  StateSnapshot state;
  state.lineage = "l-1";
  state.serial = 4;
  EXPECT_TRUE(CheckPlanApplies(plan, state).ok());
  state.serial = 5;
  EXPECT_EQ(
      "Saved plan is stale: the state changed after the plan was made "
      "(serial 4, now 5). Plan again",
      CheckPlanApplies(plan, state).message());
  state.lineage = "l-2";
  EXPECT_EQ(
      "Saved plan does not match the given state: it was made for state "
      "lineage l-1, and this state's lineage is l-2. Plan again against this "
      "state",
      CheckPlanApplies(plan, state).message());
}

}  // namespace
}  // namespace occam
