// occam rules writes the whole monitoring configuration of the MiCADO loop:
// the alerting rules, an Alertmanager receiver that always carries serve's
// credentials, and a prometheus.yml over occam's targets — checked by
// Prometheus's and Alertmanager's own tools.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <chrono>
#include <thread>

#include "tests/background_process.h"
#include "tests/ci.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;

class RulesCliTest : public ::testing::Test {
 protected:
  RulesCliTest() {
    std::filesystem::copy(testing::SourceDir() + "/examples/micado", dir_.path() / "m",
                          std::filesystem::copy_options::recursive);
    work_ = (dir_.path() / "m").string();
  }
  CommandResult Rules(const std::string& args) {
    return testing::RunCommand("cd " + work_ + " && " + testing::OccamBinary() +
                               " rules -f infra.yaml " + args);
  }
  std::string Slurp(const std::string& name) {
    std::ifstream in(work_ + "/" + name);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  bool HaveTools() {
    return testing::RunCommand("command -v promtool && command -v amtool").exit_code == 0;
  }
  testing::TempDir dir_;
  std::string work_;
};

TEST_F(RulesCliTest, WritesACompleteCheckedMonitoringConfiguration) {
  CommandResult r = Rules("--out rules.yml --alertmanager-out am.yml "
                          "--prometheus-out prometheus.yml "
                          "--scrape-static node=127.0.0.1:9100");
  ASSERT_EQ(0, r.exit_code) << r.out;
  // serve's token file is made now (0600), and the receiver sends it.
  EXPECT_NE(std::string::npos, r.out.find("wrote a new token to ./occam-serve.token"))
      << r.out;
  struct stat st {};
  ASSERT_EQ(0, stat((work_ + "/occam-serve.token").c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);
  std::string am = Slurp("am.yml");
  EXPECT_NE(std::string::npos,
            am.find("credentials_file: \"" + work_ + "/occam-serve.token\"")) << am;
  // The policy (for_up 1m, for_down 2m, cooldown 60s) sets the pace.
  EXPECT_NE(std::string::npos, am.find("group_wait: 15s")) << am;
  EXPECT_NE(std::string::npos, am.find("repeat_interval: 1m")) << am;
  std::string prometheus = Slurp("prometheus.yml");
  for (const std::string& line :
       {std::string("  evaluation_interval: 15s\n"),
        "  - \"" + work_ + "/rules.yml\"\n",
        std::string("        - targets: [\"127.0.0.1:9093\"]\n"),
        "  - job_name: \"app\"\n    file_sd_configs:\n      - files: [\"" + work_ +
            "/occam-targets/app.json\"]\n",
        std::string("  - job_name: \"node\"\n    static_configs:\n"
                    "      - targets: [\"127.0.0.1:9100\"]\n")}) {
    EXPECT_NE(std::string::npos, prometheus.find(line)) << line << "\n" << prometheus;
  }
  EXPECT_EQ(std::string::npos, prometheus.find("job_name: \"db\"")) << "db has no policy";

  if (!HaveTools()) {
    if (testing::InCi()) FAIL() << "CI needs promtool and amtool";
    GTEST_SKIP() << "promtool/amtool not installed (apt-get install prometheus "
                    "prometheus-alertmanager)";
  }
  CommandResult check = testing::RunCommand("cd " + work_ +
                                            " && promtool check config prometheus.yml");
  EXPECT_EQ(0, check.exit_code) << check.out;
  EXPECT_NE(std::string::npos, check.out.find("SUCCESS: 1 rule files found")) << check.out;
  check = testing::RunCommand("cd " + work_ + " && amtool check-config am.yml");
  EXPECT_EQ(0, check.exit_code) << check.out;
}

TEST_F(RulesCliTest, TheReceiverCarriesNoCredentialsOnlyWhenServeNeedsNone) {
  CommandResult r = Rules("--out rules.yml --alertmanager-out am.yml --no-auth");
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_EQ(std::string::npos, Slurp("am.yml").find("authorization"));
  EXPECT_FALSE(std::filesystem::exists(work_ + "/occam-serve.token"));

  // A token file serve would refuse is refused here too.
  std::ofstream(work_ + "/occam-serve.token") << "abc\n";
  chmod((work_ + "/occam-serve.token").c_str(), 0666);
  r = Rules("--out rules.yml --alertmanager-out am.yml");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("may be read or written by other users"))
      << r.out;
}

TEST_F(RulesCliTest, BadRequestsAreRefusedWithTheReason) {
  CommandResult r = Rules("--prometheus-out p.yml");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_EQ("Error: --prometheus-out needs --out FILE: the rules file prometheus.yml "
            "loads\n",
            r.out);
  r = Rules("--out r.yml --prometheus-out p.yml --scrape-static app=127.0.0.1:1");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("--scrape-static 'app=127.0.0.1:1' is not "))
      << r.out;
  r = Rules("--out r.yml --prometheus-out p.yml --scrape nosuch");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("--scrape nosuch: the descriptor has no such node"))
      << r.out;
  EXPECT_FALSE(std::filesystem::exists(work_ + "/p.yml"));
}

TEST_F(RulesCliTest, TargetTrackingSettingsAreChecked) {
  std::string infra = Slurp("infra.yaml");
  std::string bad = infra;
  bad.replace(bad.find("cooldown: 60s"), 13, "cooldown: 60s\n        target: 0\n        max_step: 0");
  std::ofstream(work_ + "/bad.yaml") << bad;
  CommandResult r = testing::RunCommand("cd " + work_ + " && " + testing::OccamBinary() +
                                        " validate -f bad.yaml");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("'target' in the policy in the scaling of node "
                                          "'app' must be a positive number")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("'max_step' in the policy in the scaling of node "
                                          "'app' must be from 1 to 1000000")) << r.out;
  // The rules carry the value that target tracking scales by.
  ASSERT_EQ(0, Rules("--out rules.yml").exit_code);
  EXPECT_NE(std::string::npos, Slurp("rules.yml").find("value: \"{{ $value }}\""));
}

// A policy changed in the descriptor reaches a running Prometheus with
// `occam apply` alone: apply rewrites the rules `occam rules` wrote and asks
// Prometheus to reload; plan says they are out of date; a query Prometheus
// would reject is refused and the files it would replace are kept.
TEST_F(RulesCliTest, APolicyChangeReachesPrometheusOnApply) {
  if (testing::RunCommand("command -v prometheus").exit_code != 0 || !HaveTools()) {
    if (testing::InCi()) FAIL() << "CI needs prometheus, promtool and amtool";
    GTEST_SKIP() << "Prometheus not installed (apt-get install prometheus)";
  }
  std::string dir = (dir_.path() / "p").string();
  std::filesystem::create_directories(dir + "/nodes");
  auto infra = [&](const std::string& query) {
    std::ofstream(dir + "/infra.yaml")
        << "user_id: u\ninfra_name: policies\nnodes:\n"
           "  - {name: app, type: app, scaling: {min: 1, max: 3, policy: {query: '"
        << query << "', overloaded_above: 0.8, underloaded_below: 0.2}}}\n";
  };
  std::ofstream(dir + "/nodes/node_definitions.yaml")
      << "'node_def:app': [{resource: {type: dummy}}]\n";
  infra("avg(up)");
  auto occam = [&](const std::string& args) {
    return testing::RunCommand("cd " + dir + " && " + testing::OccamBinary() + " " + args);
  };
  int port = testing::FreeLoopbackPort();
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  ASSERT_EQ(0, occam("apply -f infra.yaml --auto-approve").exit_code);
  CommandResult r = occam("rules -f infra.yaml --out rules.yml --prometheus-out "
                          "prometheus.yml --no-auth --reload " + url + "/-/reload");
  ASSERT_EQ(0, r.exit_code) << r.out;
  testing::BackgroundProcess prometheus;
  std::filesystem::create_directories(dir + "/data");
  ASSERT_TRUE(prometheus.Start({"prometheus", "--config.file=" + dir + "/prometheus.yml",
                                "--storage.tsdb.path=" + dir + "/data",
                                "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                "--web.enable-lifecycle"},
                               dir, dir + "/prometheus.log"));
  auto rules_hold = [&](const std::string& text) {
    for (int i = 0; i < 150; ++i) {
      CommandResult got = testing::RunCommand("curl -s " + url + "/api/v1/rules");
      if (got.out.find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  ASSERT_TRUE(rules_hold("avg(up)")) << testing::RunCommand("cat " + dir + "/prometheus.log").out;

  infra("max(up)");
  CommandResult plan = occam("plan -f infra.yaml");
  EXPECT_EQ(0, plan.exit_code) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find(dir + "/rules.yml is out of date")) << plan.out;
  CommandResult apply = occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("Monitoring: rewrote " + dir + "/rules.yml"))
      << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("Monitoring: reloaded " + url + "/-/reload"))
      << apply.out;
  EXPECT_TRUE(rules_hold("max(up)"));
  // In step now: nothing more to do.
  plan = occam("plan -f infra.yaml");
  EXPECT_EQ(std::string::npos, plan.out.find("out of date")) << plan.out;

  // A query Prometheus would reject is never written.
  infra("max(up");
  r = occam("rules -f infra.yaml --out other.yml");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("promtool rejects the alerting rules")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/other.yml"));
  apply = occam("apply -f infra.yaml --auto-approve");
  EXPECT_EQ(1, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("promtool rejects")) << apply.out;
  EXPECT_NE(std::string::npos, Slurp("../p/rules.yml").find("max(up)"));
  EXPECT_TRUE(rules_hold("max(up)"));
  // And a receiver URL Alertmanager would refuse.
  infra("max(up)");
  r = occam("rules -f infra.yaml --alertmanager-out am.yml --no-auth --url 'http:// x'");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Alertmanager would refuse")) << r.out;
}

}  // namespace
}  // namespace occam
