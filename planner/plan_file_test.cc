#include "planner/plan_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "base/sha256.h"
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

// Read back field by field against the values written here, not against
// the serializer's own output: a field lost both ways is noticed.
TEST(PlanFile, EveryFieldSurvivesTheRoundTrip) {
  Plan plan;
  plan.lineage = "l-9";
  plan.serial = 12;
  plan.infra_id = "i-9";
  plan.infra_name = "shop";
  plan.descriptor_digest = "d1g35t";
  plan.desired_counts = {{"app", 2}, {"db", 1}};
  plan.notes = {"app: desired count 9 is above max 2; using 2"};
  plan.infra_file = "infra.yaml";
  plan.nodes_file = "nodes/node_definitions.yaml";
  ResourceChange c;
  c.address = "app[1]";
  c.node = "app";
  c.index = 1;
  c.provider = "process";
  c.action = ChangeAction::kReplace;
  c.reason = ChangeReason::kConfigChanged;
  c.reason_detail = "command changed";
  c.changed_paths = {"resource.command", "resource.env.X"};
  c.replace_paths = {"resource.command"};
  c.before = json{{"resource", {{"command", "a"}}}};
  c.after = json{{"resource", {{"command", "b"}}}};
  c.after_unknown = json{{"resource", {{"ip", true}}}};
  c.before_sensitive = json{{"resource", {{"token", true}}}};
  c.after_sensitive = json{{"resource", {{"password", true}}}};
  c.dependencies = {"db"};
  c.create_before_destroy = true;
  ResourceChange deposed;
  deposed.address = "app[1]";
  deposed.node = "app";
  deposed.index = 1;
  deposed.provider = "process";
  deposed.action = ChangeAction::kDelete;
  deposed.reason = ChangeReason::kDeposed;
  deposed.deposed = "old-object-7";
  plan.changes = {c, deposed};
  plan.rollouts.push_back({"app", true, 2, 1.5, {"app[1]"}});
  testing::TempDir dir;
  ASSERT_TRUE(WritePlanFile(dir.Path("p.plan"), plan).ok());
  Plan r;
  Status s = ReadPlanFile(dir.Path("p.plan"), &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ("l-9", r.lineage);
  EXPECT_EQ(12, r.serial);
  EXPECT_EQ("i-9", r.infra_id);
  EXPECT_EQ("shop", r.infra_name);
  EXPECT_EQ("d1g35t", r.descriptor_digest);
  EXPECT_EQ((std::map<std::string, int>{{"app", 2}, {"db", 1}}),
            r.desired_counts);
  EXPECT_EQ(plan.notes, r.notes);
  ASSERT_EQ(1u, r.rollouts.size());
  EXPECT_EQ("app", r.rollouts[0].node);
  EXPECT_TRUE(r.rollouts[0].surge);
  EXPECT_EQ(2, r.rollouts[0].at_once);
  EXPECT_DOUBLE_EQ(1.5, r.rollouts[0].drain_seconds);
  EXPECT_EQ(std::vector<std::string>{"app[1]"}, r.rollouts[0].order);
  EXPECT_EQ("infra.yaml", r.infra_file);
  EXPECT_EQ("nodes/node_definitions.yaml", r.nodes_file);
  ASSERT_EQ(2u, r.changes.size());
  const ResourceChange& a = r.changes[0];
  EXPECT_EQ("app[1]", a.address);
  EXPECT_EQ("app", a.node);
  EXPECT_EQ(1, a.index);
  EXPECT_EQ("process", a.provider);
  EXPECT_EQ(ChangeAction::kReplace, a.action);
  EXPECT_EQ(ChangeReason::kConfigChanged, a.reason);
  EXPECT_EQ("command changed", a.reason_detail);
  EXPECT_EQ(c.changed_paths, a.changed_paths);
  EXPECT_EQ(c.replace_paths, a.replace_paths);
  EXPECT_EQ(json::parse(R"({"resource":{"command":"a"}})"), a.before.get());
  EXPECT_EQ(json::parse(R"({"resource":{"command":"b"}})"), a.after.get());
  EXPECT_EQ(json::parse(R"({"resource":{"ip":true}})"), a.after_unknown.get());
  EXPECT_EQ(json::parse(R"({"resource":{"token":true}})"),
            a.before_sensitive.get());
  EXPECT_EQ(json::parse(R"({"resource":{"password":true}})"),
            a.after_sensitive.get());
  EXPECT_EQ(std::vector<std::string>{"db"}, a.dependencies);
  EXPECT_TRUE(a.create_before_destroy);
  EXPECT_EQ("", a.deposed);
  const ResourceChange& d = r.changes[1];
  EXPECT_EQ(ChangeAction::kDelete, d.action);
  EXPECT_EQ(ChangeReason::kDeposed, d.reason);
  EXPECT_EQ("old-object-7", d.deposed);
  EXPECT_FALSE(d.create_before_destroy);
}

// A saved plan is input: a rollout that would drain for ever, or do nothing
// at once, is refused.
TEST(PlanFile, ImpossibleRolloutsAreRefused) {
  for (const char* bad : {R"({"node":"app","surge":false,"at_once":1,"drain_seconds":1e300,"order":[]})",
                          R"({"node":"app","surge":false,"at_once":0,"drain_seconds":1,"order":[]})"}) {
    nlohmann::json j = PlanToJson(Plan());
    j["rollouts"] = nlohmann::json::array({nlohmann::json::parse(bad)});
    Plan plan;
    std::string error;
    EXPECT_FALSE(PlanFromJson(j, &plan, &error)) << bad;
    EXPECT_NE(std::string::npos, error.find("a rollout of app")) << error;
  }
}

// A node type's instances share their configuration: a saved plan holds
// it once (100,000 instances with a 1 KB attribute took 149 MB, more than
// occam reads back), and reading it back shares it again.
TEST(PlanFile, SharedConfigurationsAreWrittenOnce) {
  testing::TempDir dir;
  Plan plan = SamplePlan();
  const std::string big(100'000, 'b');
  SharedJson config(json{{"resource", {{"blob", big}}}});
  plan.changes.clear();
  for (int i = 0; i < 1000; ++i) {
    ResourceChange c;
    c.address = "app[" + std::to_string(i) + "]";
    c.node = "app";
    c.index = i;
    c.provider = "dummy";
    c.action = ChangeAction::kCreate;
    c.after = config;
    plan.changes.push_back(c);
  }
  // A value equal to another but not shared in memory is written once too.
  plan.changes[999].after = json{{"resource", {{"blob", big}}}};
  plan.desired_counts = {{"app", 1000}};
  std::string path = dir.Path("many.plan");
  ASSERT_TRUE(WritePlanFile(path, plan).ok());
  struct stat st {};
  ASSERT_EQ(0, stat(path.c_str(), &st));
  EXPECT_LT(st.st_size, 1'000'000) << "the configuration was written per instance";
  Plan read;
  Status s = ReadPlanFile(path, &read);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(1000u, read.changes.size());
  EXPECT_EQ(big, read.changes[999].after->at("resource").at("blob"));
  EXPECT_EQ(read.changes[0].after.operator->(), read.changes[999].after.operator->());
}

// Version 2 files held each change's values inline; they are still read.
TEST(PlanFile, ReadsVersionTwoFiles) {
  testing::TempDir dir;
  json body = PlanToJson(SamplePlan());
  for (json& c : body["changes"]) {
    for (const char* key : {"before", "after", "after_unknown", "before_sensitive",
                            "after_sensitive"}) {
      c[key] = body["values"][c[key].get<size_t>()];
    }
  }
  body.erase("values");
  json file = {{"format", "occam-plan"}, {"version", 2},
               {"checksum", Sha256Hex(body.dump())}, {"plan", body}};
  dir.Write("v2.plan", file.dump());
  Plan read;
  Status s = ReadPlanFile(dir.Path("v2.plan"), &read);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(PlanToJson(SamplePlan()), PlanToJson(read));
}

TEST(PlanFile, AValueIndexOutsideTheValuesIsDamage) {
  testing::TempDir dir;
  json body = PlanToJson(SamplePlan());
  body["changes"][0]["after"] = 99;
  json file = {{"format", "occam-plan"}, {"version", 3},
               {"checksum", Sha256Hex(body.dump())}, {"plan", body}};
  dir.Write("bad.plan", file.dump());
  Plan read;
  Status s = ReadPlanFile(dir.Path("bad.plan"), &read);
  EXPECT_EQ(Status::Code::kCorruption, s.code());
  EXPECT_NE(std::string::npos,
            s.message().find("after refers to value 99, which the plan does not hold"))
      << s.message();
}

// What ReadPlanFile would refuse as too large is not written at all.
TEST(PlanFile, APlanTooLargeToReadBackIsNotWritten) {
  testing::TempDir dir;
  Plan plan = SamplePlan();
  plan.changes.clear();
  for (int i = 0; i < 70; ++i) {
    ResourceChange c;
    c.address = "app[" + std::to_string(i) + "]";
    c.node = "app";
    c.index = i;
    c.provider = "dummy";
    c.action = ChangeAction::kCreate;
    c.after = json{{"resource", {{"blob", std::string(1 << 20, 'a' + i % 26) +
                                              std::to_string(i)}}}};
    plan.changes.push_back(c);
  }
  plan.desired_counts = {{"app", 70}};
  std::string path = dir.Path("huge.plan");
  Status s = WritePlanFile(path, plan);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos,
            s.message().find("more than the 64 MiB occam reads back")) << s.message();
  EXPECT_FALSE(std::filesystem::exists(path));
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
                " is a plan file of version 9; this occam reads versions 2 "
                "to 3. Plan again with this occam",
            ReadPlanFile(dir.Path("v9.plan"), &plan).message());
  dir.Write("bad.plan",
            "{\"format\": \"occam-plan\", \"version\": 2, \"plan\": {}}");
  EXPECT_EQ(Status::Code::kCorruption,
            ReadPlanFile(dir.Path("bad.plan"), &plan).code());
  EXPECT_TRUE(ReadPlanFile(dir.Path("none.plan"), &plan).IsNotFound());
}

// A plan file edited by hand (or by an attacker who does not recompute the
// checksum), and plans whose content apply cannot trust.
class TamperedPlanFile : public ::testing::Test {
 protected:
  // Writes SamplePlan() changed by `edit`, with a checksum that matches
  // when `fix_checksum`; returns ReadPlanFile's message.
  std::string Read(const std::function<void(json*)>& edit,
                   bool fix_checksum = true) {
    std::string path = dir_.Path("t.plan");
    EXPECT_TRUE(WritePlanFile(path, SamplePlan()).ok());
    std::ifstream in(path);
    json file = json::parse(in);
    edit(&file["plan"]);
    if (fix_checksum) file["checksum"] = Sha256Hex(file["plan"].dump());
    std::ofstream(path) << file.dump();
    Plan plan;
    std::string message = ReadPlanFile(path, &plan).message();
    std::string prefix = path + " is a damaged plan file (";
    return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size())
                                         : message;
  }
  testing::TempDir dir_;
};

TEST_F(TamperedPlanFile, AnEditIsRefusedByTheChecksum) {
  EXPECT_EQ("its checksum does not match its content: it was edited or "
            "damaged); plan again",
            Read([](json* p) { (*p)["desired_counts"]["app"] = 3; },
                 /*fix_checksum=*/false));
  EXPECT_EQ("", Read([](json*) {}, /*fix_checksum=*/false));
}

TEST_F(TamperedPlanFile, RepeatedChangesAreRefused) {
  EXPECT_EQ("instance app[1] has more than one change); plan again",
            Read([](json* p) {
              json c = (*p)["changes"][0];
              (*p)["changes"] = {c, c, c};
            }));
}

TEST_F(TamperedPlanFile, AddressesMustMatchNodeAndIndex) {
  EXPECT_EQ("change app[-1] does not match node 'app' and index -1); plan "
            "again",
            Read([](json* p) {
              (*p)["changes"][0]["index"] = -1;
              (*p)["changes"][0]["address"] = "app[-1]";
            }));
  EXPECT_EQ("change db[1] does not match node 'app' and index 1); plan again",
            Read([](json* p) { (*p)["changes"][0]["address"] = "db[1]"; }));
}

TEST_F(TamperedPlanFile, DependencyCyclesAndNegativeCountsAreRefused) {
  EXPECT_EQ("the dependencies of its node types form a cycle); plan again",
            Read([](json* p) {
              (*p)["changes"][0]["dependencies"] = {"app"};
            }));
  EXPECT_EQ("node type app has a negative count (-5)); plan again",
            Read([](json* p) { (*p)["desired_counts"]["app"] = -5; }));
}

TEST_F(TamperedPlanFile, FieldsOfTheWrongTypeAreRefusedNotThrown) {
  std::string path = dir_.Path("w.plan");
  Plan plan;
  for (const char* text :
       {R"({"format": 1, "version": 2})", R"({"format": "occam-plan", "version": "2"})",
        R"({"format": "occam-plan", "version": 2, "checksum": 7, "plan": {}})",
        R"([1, 2])"}) {
    dir_.Write("w.plan", text);
    EXPECT_FALSE(ReadPlanFile(path, &plan).ok()) << text;
  }
}

TEST(PlanFile, DevicesAndHugeFilesAreNotRead) {
  Plan plan;
  EXPECT_EQ("/dev/urandom is not an occam plan file (not a regular file); "
            "make one with occam plan --out FILE",
            ReadPlanFile("/dev/urandom", &plan).message());
  testing::TempDir dir;
  std::string path = dir.Path("big.plan");
  ASSERT_EQ(0, truncate(dir.Write("big.plan", "").c_str(), 65 << 20));
  EXPECT_EQ(path + " is not an occam plan file (larger than 64 MiB); make "
                   "one with occam plan --out FILE",
            ReadPlanFile(path, &plan).message());
  // 60 MiB of '[' took 4.7 GB to parse.
  dir.Write("deep.plan", std::string(1000, '[') + "\"[[[\"");
  EXPECT_EQ(dir.Path("deep.plan") + " is not an occam plan file (nested "
                                    "deeper than 256 levels); make one with "
                                    "occam plan --out FILE",
            ReadPlanFile(dir.Path("deep.plan"), &plan).message());
  dir.Write("strings.plan", "[\"" + std::string(1000, '[') + "\"]");
  EXPECT_EQ(dir.Path("strings.plan") + " is not an occam plan file; make "
                                       "one with occam plan --out FILE",
            ReadPlanFile(dir.Path("strings.plan"), &plan).message());
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
