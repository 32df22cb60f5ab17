// The plan document (show -json PLANFILE) holds what Terraform's plan
// representation holds, for every kind of change, and the tools teams
// already use read it: it validates against the JSON schema written from
// Terraform's documentation (tests/schema/plan-json.schema.json, checked
// by scripts/check-plan-json with python3-jsonschema), and
// @ahmadnassri/terraform-unidiff (npm, installed by scripts/node-tools)
// turns it into a unified diff of every changed instance.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/ci.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::RunCommand;

const char kInfra[] = R"(user_id: u
infra_name: shapes
variables: {size: small}
nodes:
  - &DB {name: db, type: db}
  - &APP {name: app, type: app, scaling: {min: 1, max: 5}}
  - &WEB {name: web, type: web}
  - {name: cache, type: web}
dependencies:
  - connection: [*APP, *DB]
)";

const char kNodes[] = R"('node_def:db':
  - resource: {type: dummy}
    contextualisation: {type: cloudinit, context_template: "size={{ variables.size }}"}
'node_def:app':
  - resource: {type: dummy, attributes: {size: "{{ variables.size }}"}}
'node_def:web':
  - resource: {type: dummy}
)";

class PlanJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("infra.yaml", kInfra);
    dir_.Write("nodes/node_definitions.yaml", kNodes);
  }

  CommandResult Run(const std::string& command) {
    return RunCommand("cd " + dir_.path().string() + " && " + command);
  }
  CommandResult Occam(const std::string& args) {
    return Run(testing::OccamBinary() + " " + args);
  }

  // A plan with an update, two replaces, a delete and a no-op.
  json EveryKindOfChange() {
    EXPECT_EQ(0, Occam("apply -f infra.yaml -auto-approve").exit_code);
    EXPECT_EQ(0, Occam("scale app +2 -f infra.yaml").exit_code);
    EXPECT_EQ(0, Occam("apply -f infra.yaml -auto-approve").exit_code);
    // delete (named: which instance a scale-down picks depends on the order
    // a parallel apply created them in)
    EXPECT_EQ(0, Occam("scale app -1 -f infra.yaml --instance 'app[2]'").exit_code);
    EXPECT_EQ(0, Occam("taint web[0]").exit_code);                // replace
    dir_.Write("infra.yaml", std::string(kInfra) + "  - connection: [*WEB, *DB]\n");
    CommandResult plan = Occam("plan -f infra.yaml -var size=large -out=p.plan");
    EXPECT_EQ(0, plan.exit_code) << plan.out;
    CommandResult shown = Occam("show -json p.plan > plan.json && cat plan.json");
    EXPECT_EQ(0, shown.exit_code);
    return json::parse(shown.out);
  }

  testing::TempDir dir_;
};

std::string Python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

TEST_F(PlanJsonTest, HoldsWhatTerraformsPlanRepresentationHolds) {
  json plan = EveryKindOfChange();
  std::map<std::string, json> by_address;
  for (const json& c : plan["resource_changes"]) by_address[c["address"]] = c;
  EXPECT_EQ(json({"delete", "create"}), by_address["web[0]"]["change"]["actions"]);
  EXPECT_EQ("replace_because_tainted", by_address["web[0]"]["action_reason"]);
  EXPECT_EQ(json({"delete"}), by_address["app[2]"]["change"]["actions"]);
  EXPECT_EQ("delete_because_count_index", by_address["app[2]"]["action_reason"]);
  const json& db = by_address["db[0]"];
  ASSERT_EQ(json({"delete", "create"}), db["change"]["actions"]) << db.dump();
  EXPECT_EQ(json::parse(R"([["contextualisation","context_template"]])"),
            db["change"]["replace_paths"]);
  EXPECT_EQ("replace_because_cannot_update", db["action_reason"]);
  EXPECT_EQ("forces replacement: `contextualisation.context_template`",
            db["occam_reason"]["detail"]);
  EXPECT_EQ(json({"update"}), by_address["app[0]"]["change"]["actions"]);
  EXPECT_EQ("changed: `resource.attributes.size`",
            by_address["app[0]"]["occam_reason"]["detail"]);
  EXPECT_EQ("unchanged", by_address["cache[0]"]["occam_reason"]["detail"]);
  for (const json& c : plan["resource_changes"]) {
    EXPECT_FALSE(c["occam_reason"]["detail"].get<std::string>().empty()) << c.dump();
  }
  EXPECT_NE(std::find(plan["relevant_attributes"].begin(),
                      plan["relevant_attributes"].end(),
                      json::parse(R"({"resource":"app[1]","attribute":["resource","attributes","size"]})")),
            plan["relevant_attributes"].end())
      << plan["relevant_attributes"].dump();
  const json& resources = plan["configuration"]["root_module"]["resources"];
  ASSERT_EQ(4u, resources.size()) << resources.dump();
  EXPECT_EQ("app", resources[0]["address"]);
  EXPECT_EQ(2, resources[0]["count_expression"]["constant_value"]);
  EXPECT_EQ(json({"db"}), resources[0]["depends_on"]);
  EXPECT_EQ("dummy", resources[3]["provider_config_key"]);
}

TEST_F(PlanJsonTest, ValidatesAgainstTerraformsSchema) {
  EveryKindOfChange();
  CommandResult r = Run(Python() + " " + testing::SourceDir() +
                        "/scripts/check-plan-json plan.json");
  if (r.exit_code == 77 && !testing::InCi()) GTEST_SKIP() << r.out;
  EXPECT_EQ(0, r.exit_code) << r.out;
  // The schema can fail: a change without its actions does not validate.
  json broken = json::parse(Occam("show -json p.plan").out);
  broken["resource_changes"][0]["change"].erase("actions");
  std::ofstream(dir_.Path("broken.json")) << broken.dump();
  r = Run(Python() + " " + testing::SourceDir() + "/scripts/check-plan-json broken.json");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("'actions' is a required property")) << r.out;
}

TEST_F(PlanJsonTest, TerraformUnidiffReadsIt) {
  std::string tool = testing::SourceDir() +
                     "/build/node-tools/node_modules/.bin/terraform-unidiff";
  if (!std::filesystem::exists(tool)) {
    if (testing::InCi()) FAIL() << tool << " is missing: scripts/node-tools installs it";
    GTEST_SKIP() << "terraform-unidiff is not installed (scripts/node-tools)";
  }
  EveryKindOfChange();
  CommandResult r = Run(tool + " plan.json");
  ASSERT_EQ(0, r.exit_code) << r.out;
  for (const char* address : {"Index: app[1]", "Index: app[2]", "Index: db[0]", "Index: web[0]"}) {
    EXPECT_NE(std::string::npos, r.out.find(address)) << address << "\n" << r.out;
  }
  EXPECT_NE(std::string::npos, r.out.find("-    size: small\n+    size: large")) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("Index: cache[0]")) << r.out;
}

}  // namespace
}  // namespace occam
