// occam serve watches health every round: an instance whose server dies
// while its process lives (a child killed inside the node) fails its URL
// check round after round and is recreated, with a log line and an event.
// Real processes (the process provider) and busybox httpd.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/background_process.h"
#include "tests/ci.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::RunCommand;

constexpr char kInfra[] = R"(user_id: test
infra_name: watched
nodes: [{name: web, type: web}]
)";

// The shell stays; httpd is its child, killed by the test.
constexpr char kNodes[] = R"('node_def:web':
  - resource:
      type: process
      command: [sh, -c, "busybox httpd -f -p 127.0.0.1:$PORT -h www & exec sleep 100000"]
      port_range: 22000-22999
    health_check:
      ping: false
      urls: ["http://{{ip}}:{{port}}/index.html"]
      timeout: 20
)";

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class HealthWatchE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RunCommand("command -v busybox").exit_code != 0) {
      if (testing::InCi()) FAIL() << "busybox is missing; scripts/setup installs it";
      GTEST_SKIP() << "busybox is not installed";
    }
    work_ = dir_.path().string();
    std::filesystem::create_directories(dir_.path() / "nodes");
    std::filesystem::create_directories(dir_.path() / "www");
    std::ofstream(dir_.path() / "infra.yaml") << kInfra;
    std::ofstream(dir_.path() / "nodes/node_definitions.yaml") << kNodes;
    std::ofstream(dir_.path() / "www/index.html") << "ok\n";
  }
  void TearDown() override {
    serve_.Stop();
    RunCommand("cd " + work_ + " && " + testing::OccamBinary() + " destroy --auto-approve");
  }
  std::string Occam(const std::string& args) {
    return RunCommand("cd " + work_ + " && " + testing::OccamBinary() + " " + args).out;
  }
  // web[0]'s provider id and port, as the state records them.
  bool Instance(std::string* id, std::string* port) {
    std::smatch m;
    std::string shown = Occam("state show 'web[0]'");
    std::string status = std::regex_search(shown, m, std::regex("status *= *\"(\\w+)\"")) ? m[1].str() : "";
    if (!std::regex_search(shown, m, std::regex("provider_id *= *\"(\\d+:\\d+)\""))) return false;
    *id = m[1];
    if (!std::regex_search(shown, m, std::regex("\"port\": (\\d+)"))) return false;
    *port = m[1];
    return status == "ready";
  }
  // An instance's status as the state records it; "absent" when it has none.
  std::string StatusOf(const std::string& address) {
    std::smatch m;
    std::string shown = Occam("state show '" + address + "' 2>&1");
    return std::regex_search(shown, m, std::regex("status *= *\"(\\w+)\"")) ? m[1].str()
                                                                               : "absent";
  }
  bool WaitFor(int seconds, const std::function<bool()>& done) {
    for (int i = 0; i < seconds * 10; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
  }

  testing::TempDir dir_;
  std::string work_;
  testing::BackgroundProcess serve_;
};

TEST_F(HealthWatchE2eTest, ADeadServerInsideALiveNodeIsRecreated) {
  ASSERT_TRUE(serve_.Start({testing::OccamBinary(), "serve", "-f", "infra.yaml", "--listen",
                            "127.0.0.1:0", "--no-auth", "--interval", "1s",
                            "--health-failures", "2"},
                           work_, work_ + "/serve.log"));
  std::string id, port;
  ASSERT_TRUE(WaitFor(30, [&] { return Instance(&id, &port); }))
      << Occam("state show 'web[0]'") << Slurp(work_ + "/serve.log");
  EXPECT_EQ("ok\n", RunCommand("curl -s http://127.0.0.1:" + port + "/index.html").out);

  // Kill the server, not the node's process: "pid alive" still holds.
  ASSERT_EQ(0, RunCommand("pkill -f '[h]ttpd -f -p 127.0.0.1:" + port + " '").exit_code);
  std::string new_id = id, new_port;
  ASSERT_TRUE(WaitFor(30, [&] { return Instance(&new_id, &new_port) && new_id != id; }))
      << Slurp(work_ + "/serve.log");
  EXPECT_TRUE(WaitFor(10, [&] {
    return RunCommand("curl -s http://127.0.0.1:" + new_port + "/index.html").out == "ok\n";
  }));

  std::string log = Slurp(work_ + "/serve.log");
  EXPECT_NE(std::string::npos, log.find("event=health_check_failed")) << log;
  EXPECT_NE(std::string::npos, log.find("recreate=true")) << log;
  std::string history = Occam("history");
  EXPECT_NE(std::string::npos,
            history.find("web[0]: health checks failed 2 rounds in a row")) << history;
}

// A scale-down's drain (20 s here) does not hold serve up: another node
// type's scale-up, decided during the drain, is applied within seconds,
// and the drained instance goes once its drain is over.
TEST_F(HealthWatchE2eTest, ADrainDoesNotHoldUpOtherDecisions) {
  std::ofstream(dir_.path() / "infra.yaml") << R"(user_id: test
infra_name: drains
nodes:
  - {name: app, type: worker, scaling: {min: 1, max: 3, drain: 20s}}
  - {name: web, type: worker, scaling: {min: 1, max: 3}}
)";
  std::ofstream(dir_.path() / "nodes/node_definitions.yaml") << R"('node_def:worker':
  - resource: {type: process, command: [sleep, "100000"]}
    health_check: {ping: false}
)";
  Occam("scale app 2 -f infra.yaml");
  ASSERT_NE(std::string::npos, Occam("apply -f infra.yaml --auto-approve 2>&1").find("3 added"));
  ASSERT_TRUE(serve_.Start({testing::OccamBinary(), "serve", "-f", "infra.yaml", "--listen",
                            "127.0.0.1:0", "--no-auth", "--interval", "1s"},
                           work_, work_ + "/serve.log"));
  std::string scaled = Occam("scale app 1 -f infra.yaml 2>&1");
  ASSERT_NE(std::string::npos, scaled.find("desired count 2 -> 1")) << scaled;
  ASSERT_TRUE(WaitFor(20, [&] {
    return Slurp(work_ + "/serve.log").find("event=draining") != std::string::npos;
  })) << Slurp(work_ + "/serve.log");
  auto drain_started = std::chrono::steady_clock::now();
  std::string leaving = StatusOf("app[1]") == "deleting" ? "app[1]" : "app[0]";
  EXPECT_EQ("deleting", StatusOf(leaving));
  scaled = Occam("scale web 2 -f infra.yaml 2>&1");
  ASSERT_NE(std::string::npos, scaled.find("desired count 1 -> 2")) << scaled;
  ASSERT_TRUE(WaitFor(15, [&] { return StatusOf("web[1]") == "ready"; }))
      << Slurp(work_ + "/serve.log");
  EXPECT_EQ("deleting", StatusOf(leaving)) << "the drain was cut short";
  ASSERT_TRUE(WaitFor(40, [&] { return StatusOf(leaving) == "absent"; }))
      << Slurp(work_ + "/serve.log");
  EXPECT_GE(std::chrono::steady_clock::now() - drain_started, std::chrono::seconds(15));
  std::string history = Occam("history");
  EXPECT_NE(std::string::npos, history.find("1 destroyed")) << history;
}

// Seconds of the day of a log line's time=…T12:34:56.789Z.
double LoggedSecond(const std::string& line) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex("time=[0-9-]+T(\\d+):(\\d+):(\\d+\\.\\d+)Z"))) {
    return -1;
  }
  return std::stoi(m[1]) * 3600 + std::stoi(m[2]) * 60 + std::stod(m[3]);
}

// A failing instance is checked again a second later, not at the next
// round (10 s here): three failures in a row take about three seconds.
TEST_F(HealthWatchE2eTest, AFailingInstanceIsCheckedAgainWithinSeconds) {
  ASSERT_NE(std::string::npos, Occam("apply -f infra.yaml --auto-approve 2>&1").find("1 added"));
  std::string id, port;
  ASSERT_TRUE(Instance(&id, &port));
  ASSERT_TRUE(serve_.Start({testing::OccamBinary(), "serve", "-f", "infra.yaml", "--listen",
                            "127.0.0.1:0", "--no-auth", "--interval", "10s",
                            "--health-failures", "3"},
                           work_, work_ + "/serve.log"));
  ASSERT_EQ(0, RunCommand("pkill -f '[h]ttpd -f -p 127.0.0.1:" + port + " '").exit_code);
  std::string new_id = id, new_port;
  ASSERT_TRUE(WaitFor(40, [&] { return Instance(&new_id, &new_port) && new_id != id; }))
      << Slurp(work_ + "/serve.log");
  std::vector<double> failed;  // when failures=1, 2, 3 were logged
  std::istringstream log(Slurp(work_ + "/serve.log"));
  for (std::string line; std::getline(log, line);) {
    if (line.find("event=health_check_failed") != std::string::npos) {
      failed.push_back(LoggedSecond(line));
    }
  }
  ASSERT_EQ(3u, failed.size()) << Slurp(work_ + "/serve.log");
  EXPECT_LT(failed[2] - failed[0], 6.0) << Slurp(work_ + "/serve.log");
}

// An edited configuration rolls out under serve --watch one step per
// round: a scale-up decided during the rollout (three replacements that
// drain 4 s each) is ready while old instances are still being replaced,
// and the rollout then finishes.
TEST_F(HealthWatchE2eTest, ARolloutDoesNotHoldUpOtherDecisions) {
  std::ofstream(dir_.path() / "infra.yaml") << R"(user_id: test
infra_name: rollouts
variables: {nap: "100000"}
nodes:
  - {name: app, type: app, scaling: {min: 1, max: 3, drain: 4s}}
  - {name: web, type: web, scaling: {min: 1, max: 3}}
)";
  std::ofstream(dir_.path() / "nodes/node_definitions.yaml") << R"('node_def:app':
  - resource: {type: process, command: [sleep, "{{ variables.nap }}"]}
    health_check: {ping: false}
'node_def:web':
  - resource: {type: process, command: [sleep, "100000"]}
    health_check: {ping: false}
)";
  Occam("scale app 3 -f infra.yaml");
  ASSERT_NE(std::string::npos, Occam("apply -f infra.yaml --auto-approve 2>&1").find("4 added"));
  ASSERT_TRUE(serve_.Start({testing::OccamBinary(), "serve", "-f", "infra.yaml", "--listen",
                            "127.0.0.1:0", "--no-auth", "--interval", "1s", "--watch"},
                           work_, work_ + "/serve.log"));
  // Edited once serve has read the files it started with.
  ASSERT_TRUE(WaitFor(20, [&] {
    return Slurp(work_ + "/serve.log").find("event=listening") != std::string::npos;
  }));
  auto edited = [&](const std::string& address) {
    return Occam("state show '" + address + "' 2>&1").find("\"100001\"") != std::string::npos;
  };
  std::string text = Slurp(work_ + "/infra.yaml");
  text.replace(text.find("100000"), 6, "100001");
  std::ofstream(dir_.path() / "infra.yaml") << text;
  ASSERT_TRUE(WaitFor(20, [&] {
    return Slurp(work_ + "/serve.log").find("event=rollout_continues") != std::string::npos;
  })) << Slurp(work_ + "/serve.log");
  std::string scaled = Occam("scale web 2 -f infra.yaml 2>&1");
  ASSERT_NE(std::string::npos, scaled.find("desired count 1 -> 2")) << scaled;
  ASSERT_TRUE(WaitFor(15, [&] { return StatusOf("web[1]") == "ready"; }))
      << Slurp(work_ + "/serve.log");
  int done = edited("app[0]") + edited("app[1]") + edited("app[2]");
  EXPECT_LT(done, 3) << "the scale-up waited for the whole rollout\n" << Slurp(work_ + "/serve.log");
  ASSERT_TRUE(WaitFor(40, [&] {
    return edited("app[0]") && edited("app[1]") && edited("app[2]");
  })) << Slurp(work_ + "/serve.log");
  EXPECT_EQ(3, std::stoi(Occam("state list | grep -c '^app'")));
}

}  // namespace
}  // namespace occam
