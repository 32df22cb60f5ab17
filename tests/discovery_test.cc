// Service discovery follows the state, whoever applied it: occam apply and
// destroy rewrite the Prometheus file_sd targets (address and port, with
// node, infra_id, instance and address labels), and a template sees every
// instance's endpoint through getendpoints — the role Consul plays in
// MiCADO. Real processes (the process provider), no serve running.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;
using testing::CommandResult;

constexpr char kInfra[] = R"(user_id: test
infra_name: discovery
nodes:
  - &APP {name: app, type: app, scaling: {min: 1, max: 4}}
  - &LB {name: lb, type: lb}
dependencies:
  - connection: [*LB, *APP]
)";

constexpr char kNodes[] = R"('node_def:app':
  - resource:
      type: process
      command: [sh, -c, "exec sleep 100000"]
      port_range: 21000-21999
    health_check: {ping: false}
'node_def:lb':
  - resource:
      type: process
      command: [sh, -c, "exec sleep 100000"]
      env:
        BACKENDS: "{{ getendpoints('app') | join(',') }}"
        IPS: "{{ getipall('app') | join(',') }}"
    health_check: {ping: false}
)";

class DiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "nodes");
    std::ofstream(dir_.path() / "infra.yaml") << kInfra;
    std::ofstream(dir_.path() / "nodes/node_definitions.yaml") << kNodes;
  }
  void TearDown() override { Occam("destroy --auto-approve"); }

  CommandResult Occam(const std::string& args) {
    return testing::RunCommand("cd " + dir_.path().string() + " && " +
                               testing::OccamBinary() + " " + args);
  }

  json Targets(const std::string& node) {
    std::ifstream in(dir_.path() / "occam-targets" / (node + ".json"));
    return json::parse(in, nullptr, false);
  }

  // The lb's environment variable NAME as the state records it.
  std::string LbEnv(const std::string& name) {
    std::string shown = Occam("state show 'lb[0]'").out;
    std::smatch m;
    return std::regex_search(shown, m, std::regex("\"" + name + "\": \"([^\"]*)\""))
               ? m[1].str()
               : "<none>";
  }

  testing::TempDir dir_;
};

TEST_F(DiscoveryTest, ApplyAndDestroyWriteTheTargetsAndTemplatesSeeEndpoints) {
  ASSERT_EQ(0, Occam("scale app 2 -f infra.yaml").exit_code);
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;

  json app = Targets("app");
  ASSERT_TRUE(app.is_array()) << app;
  ASSERT_EQ(2u, app.size()) << app;
  std::vector<std::string> endpoints;
  for (const json& group : app) {
    std::string target = group["targets"][0];
    EXPECT_TRUE(std::regex_match(target, std::regex("127\\.0\\.0\\.1:21\\d\\d\\d"))) << target;
    EXPECT_EQ(target, group["labels"]["address"]);
    EXPECT_EQ("app", group["labels"]["node"]);
    EXPECT_FALSE(group["labels"]["infra_id"].get<std::string>().empty());
    endpoints.push_back(target);
  }
  EXPECT_EQ("app[0]", app[0]["labels"]["instance"]);
  EXPECT_EQ("app[1]", app[1]["labels"]["instance"]);
  // The lb, built after app, was rendered with app's endpoints.
  EXPECT_EQ(endpoints[0] + "," + endpoints[1], LbEnv("BACKENDS"));
  EXPECT_EQ("127.0.0.1,127.0.0.1", LbEnv("IPS"));
  json lb = Targets("lb");
  ASSERT_TRUE(lb.is_array());
  EXPECT_EQ(1u, lb.size());
  EXPECT_EQ("127.0.0.1", lb[0]["targets"][0]);  // no port: the ip alone

  // A scale-down applied from the CLI: one target less.
  ASSERT_EQ(0, Occam("scale app 1 -f infra.yaml").exit_code);
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  app = Targets("app");
  ASSERT_TRUE(app.is_array());
  ASSERT_EQ(1u, app.size()) << app;
  // The newest instance goes (Occopus's "last born"); the two were created
  // in parallel, so either may be the one left.
  std::string left = app[0]["targets"][0];
  EXPECT_TRUE(left == endpoints[0] || left == endpoints[1]) << left;
  EXPECT_EQ(left, LbEnv("BACKENDS")) << "the lb is re-rendered with one backend";

  // destroy, without the descriptor: every list is emptied.
  ASSERT_EQ(0, Occam("destroy --auto-approve").exit_code);
  EXPECT_EQ(json::array(), Targets("app"));
  EXPECT_EQ(json::array(), Targets("lb"));
}

TEST_F(DiscoveryTest, TargetsDirIsAnOption) {
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve --targets-dir sd");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "sd/app.json"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "occam-targets"));
  // One that cannot be written is an error that says where.
  std::ofstream(dir_.path() / "file") << "x";
  CommandResult bad = Occam("apply -f infra.yaml --auto-approve --targets-dir file/sd");
  EXPECT_EQ(1, bad.exit_code);
  EXPECT_NE(std::string::npos, bad.out.find("cannot create file/sd")) << bad.out;
}

}  // namespace
}  // namespace occam
