// A load balancer behind occam follows the app's instances without being
// replaced: haproxy (Debian's) renders its backends with getendpoints into
// a `files` entry and reloads on SIGUSR2 (`reload: {signal: USR2}`), so a
// scale-up is an in-place update ("app's endpoints changed") and a
// scale-down under load returns no error: the backend leaves haproxy's
// configuration first, drains, then stops. Real processes throughout.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/background_process.h"
#include "tests/ci.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;
using testing::RunCommand;

constexpr char kInfra[] = R"(user_id: test
infra_name: lb-reload
nodes:
  - &APP {name: app, type: app, scaling: {min: 1, max: 4, drain: 4s}}
  - &LB {name: lb, type: lb}
dependencies:
  - connection: [*LB, *APP]
)";

constexpr char kNodes[] = R"('node_def:app':
  - resource:
      type: process
      command: [sh, -c, "mkdir -p w$PORT && echo $PORT > w$PORT/index.html && exec busybox httpd -f -p 127.0.0.1:$PORT -h w$PORT"]
      port_range: 23000-23499
    health_check:
      ping: false
      urls: ["http://{{ip}}:{{port}}/index.html"]
      timeout: 20
'node_def:lb':
  - resource:
      type: process
      command: [haproxy, -W, -db, -f, haproxy.cfg]
      port_range: 23500-23999
      files:
        haproxy.cfg: |
          global
            maxconn 256
            stats socket unix@haproxy.sock mode 600 level admin expose-fd listeners
          defaults
            mode http
            timeout connect 1s
            timeout client 5s
            timeout server 5s
          frontend web
            bind "127.0.0.1:${PORT}"
            default_backend app
          backend app
            balance roundrobin
          {% for endpoint in getendpoints('app') %}  server s{{ loop.index }} {{ endpoint }}
          {% endfor %}
      reload: {signal: USR2}
    health_check:
      ping: false
      urls: ["http://{{ip}}:{{port}}/index.html"]
      timeout: 20
)";

// Four clients sending requests to `url` until Stop, each a bounded loop
// of curl runs of 50 requests; counts answers other than 200.
class Load {
 public:
  explicit Load(const std::string& url) {
    for (int c = 0; c < 4; ++c) {
      clients_.emplace_back([this, url] {
        for (int i = 0; i < 100 && !stop_; ++i) {
          CommandResult r = RunCommand(
              "for i in $(seq 50); do curl -s -o /dev/null -m 5 -w '%{http_code}\\n' " +
              url + "; done");
          std::istringstream codes(r.out);
          for (std::string code; std::getline(codes, code);) {
            ++requests_;
            if (code != "200") ++errors_;
          }
        }
      });
    }
  }
  ~Load() { Stop(); }
  // Lets the clients see the end of what was applied, then stops them.
  void Stop() {
    if (clients_.empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop_ = true;
    for (std::thread& t : clients_) t.join();
    clients_.clear();
  }
  int requests() const { return requests_; }
  int errors() const { return errors_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0}, errors_{0};
  std::vector<std::thread> clients_;
};

class LbReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* program : {"haproxy", "busybox", "curl"}) {
      if (RunCommand(std::string("command -v ") + program).exit_code != 0) {
        if (testing::InCi()) FAIL() << program << " is missing; scripts/setup installs it";
        GTEST_SKIP() << program << " is not installed";
      }
    }
    work_ = dir_.path().string();
    std::filesystem::create_directories(dir_.path() / "nodes");
    std::ofstream(dir_.path() / "infra.yaml") << kInfra;
    std::ofstream(dir_.path() / "nodes/node_definitions.yaml") << kNodes;
  }
  void TearDown() override { Occam("destroy --auto-approve"); }

  CommandResult Occam(const std::string& args) {
    return RunCommand("cd " + work_ + " && " + testing::OccamBinary() + " " + args);
  }
  std::string Shown(const std::string& address, const std::string& pattern) {
    std::smatch m;
    std::string shown = Occam("state show '" + address + "'").out;
    return std::regex_search(shown, m, std::regex(pattern)) ? m[1].str() : "";
  }
  std::string LbId() { return Shown("lb[0]", "provider_id *= *\"([^\"]+)\""); }
  std::string LbUrl() {
    return "http://127.0.0.1:" + Shown("lb[0]", "\"port\": (\\d+)") + "/index.html";
  }
  // The backends that answer through the lb in `n` requests.
  std::set<std::string> Backends(int n) {
    std::set<std::string> seen;
    for (int i = 0; i < n; ++i) {
      seen.insert(RunCommand("curl -s -m 2 " + LbUrl()).out);
    }
    return seen;
  }

  testing::TempDir dir_;
  std::string work_;
};

TEST_F(LbReloadTest, ScalingReconfiguresTheLbInPlaceWithoutErrors) {
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  std::string lb = LbId();
  ASSERT_FALSE(lb.empty());
  EXPECT_EQ(1u, Backends(4).size());

  // Scale-up: the lb is updated in place, not replaced.
  ASSERT_EQ(0, Occam("scale app 3 -f infra.yaml").exit_code);
  CommandResult plan = Occam("plan -f infra.yaml");
  EXPECT_NE(std::string::npos, plan.out.find("# lb[0] will be updated in place")) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("app's endpoints changed")) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("Plan: 2 to add, 1 to change, 0 to destroy."))
      << plan.out;
  apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_EQ(lb, LbId()) << "the lb was replaced";
  std::string cfg;
  {
    std::ifstream in(work_ + "/haproxy.cfg");
    cfg.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(std::string::npos, cfg.find("server s3 127.0.0.1:23")) << cfg;
  std::set<std::string> three;
  for (int i = 0; i < 50 && three.size() < 3; ++i) {
    for (const std::string& b : Backends(3)) three.insert(b);
  }
  EXPECT_EQ(3u, three.size()) << "haproxy did not reload its backends";

  // Scale-down under load: every request answered 200.
  Load load(LbUrl());
  ASSERT_EQ(0, Occam("scale app 1 -f infra.yaml").exit_code);
  apply = Occam("apply -f infra.yaml --auto-approve");
  load.Stop();
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("1 changed, 2 destroyed")) << apply.out;
  EXPECT_EQ(lb, LbId());
  EXPECT_GT(load.requests(), 10);
  EXPECT_EQ(0, load.errors()) << "of " << load.requests() << " requests";
  EXPECT_EQ(1u, Backends(4).size());
}

// A replacement of the app's instances (a configuration change, a taint)
// is a rolling update: each old instance leaves haproxy's backends and
// drains before it goes, one at a time, so that no request fails.
TEST_F(LbReloadTest, ReplacingTheAppUnderLoadReturnsNoErrors) {
  ASSERT_EQ(0, Occam("scale app 2 -f infra.yaml").exit_code);
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  std::string lb = LbId();
  std::string old0 = Shown("app[0]", "provider_id *= *\"([^\"]+)\"");

  // A configuration change: a new variable in the app's environment.
  std::string nodes = kNodes;
  nodes.replace(nodes.find("      port_range: 23000"), 0, "      env: {VERSION: \"2\"}\n");
  std::ofstream(dir_.path() / "nodes/node_definitions.yaml") << nodes;
  CommandResult plan = Occam("plan -f infra.yaml");
  EXPECT_NE(std::string::npos,
            plan.out.find("Rollout of app: app[0], then app[1] (one at a time: each old "
                          "instance leaves its dependents' targets and drains 4s"))
      << plan.out;
  {
    Load load(LbUrl());
    apply = Occam("apply -f infra.yaml --auto-approve");
    load.Stop();
    ASSERT_EQ(0, apply.exit_code) << apply.out;
    EXPECT_NE(std::string::npos, apply.out.find("2 added, 1 changed, 2 destroyed")) << apply.out;
    EXPECT_GT(load.requests(), 10);
    EXPECT_EQ(0, load.errors()) << "of " << load.requests() << " requests";
  }
  EXPECT_EQ(lb, LbId()) << "the lb was replaced";
  EXPECT_NE(old0, Shown("app[0]", "provider_id *= *\"([^\"]+)\""));
  EXPECT_NE(std::string::npos, Occam("state show 'app[1]'").out.find("\"VERSION\": \"2\""));

  // A taint: the same, for one instance.
  ASSERT_EQ(0, Occam("taint 'app[1]'").exit_code);
  {
    Load load(LbUrl());
    apply = Occam("apply -f infra.yaml --auto-approve");
    load.Stop();
    ASSERT_EQ(0, apply.exit_code) << apply.out;
    EXPECT_NE(std::string::npos, apply.out.find("1 added, 1 changed, 1 destroyed")) << apply.out;
    EXPECT_GT(load.requests(), 10);
    EXPECT_EQ(0, load.errors()) << "of " << load.requests() << " requests";
  }
  std::set<std::string> two;
  for (int i = 0; i < 20 && two.size() < 2; ++i) {
    for (const std::string& b : Backends(2)) two.insert(b);
  }
  EXPECT_EQ(2u, two.size()) << "haproxy does not send to both instances";
}

// occam serve recreates an instance whose health check fails: a rolling
// replacement too, so that no request fails while it happens (the app
// still answers requests; only its health page is gone).
TEST_F(LbReloadTest, AHealthRecreationUnderLoadReturnsNoErrors) {
  std::string nodes = kNodes;
  const std::string serve_cmd = "&& exec busybox httpd";
  nodes.replace(nodes.find(serve_cmd), 0, "&& echo ok > w$PORT/health.html ");
  nodes.replace(nodes.find("{{port}}/index.html"), 19, "{{port}}/health.html");
  std::ofstream(dir_.path() / "nodes/node_definitions.yaml") << nodes;
  ASSERT_EQ(0, Occam("scale app 2 -f infra.yaml").exit_code);
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  std::string old0 = Shown("app[0]", "provider_id *= *\"([^\"]+)\"");
  std::string port0 = Shown("app[0]", "\"port\": (\\d+)");
  ASSERT_FALSE(port0.empty());
  testing::BackgroundProcess serve;
  ASSERT_TRUE(serve.Start({testing::OccamBinary(), "serve", "-f", "infra.yaml", "--listen",
                           "127.0.0.1:0", "--no-auth", "--interval", "1s",
                           "--health-failures", "2"},
                          work_, work_ + "/serve.log"));
  std::string recreated;
  {
    Load load(LbUrl());
    std::this_thread::sleep_for(std::chrono::seconds(2));
    std::filesystem::remove(work_ + "/w" + port0 + "/health.html");
    for (int i = 0; i < 600; ++i) {  // 60 s at most
      std::string id = Shown("app[0]", "provider_id *= *\"([^\"]+)\"");
      std::string status = Shown("app[0]", "status *= *\"(\\w+)\"");
      // Recreated, and the apply that did it is over.
      if (!id.empty() && id != old0 && status == "ready" &&
          Occam("history").out.find("apply: 1 added") != std::string::npos) {
        recreated = id;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    load.Stop();
    std::ifstream log(work_ + "/serve.log");
    std::string text((std::istreambuf_iterator<char>(log)), {});
    ASSERT_FALSE(recreated.empty()) << "app[0] was not recreated\n" << text;
    EXPECT_NE(std::string::npos, text.find("event=health_check_failed")) << text;
    EXPECT_GT(load.requests(), 10);
    EXPECT_EQ(0, load.errors()) << "of " << load.requests() << " requests\n" << text;
  }
  serve.Stop();
}

}  // namespace
}  // namespace occam

namespace occam {
namespace {

// A service on a port from port_range is checked on that port
// (health_check ports: ["{{port}}"]), and another node reads it with
// getport('db').
TEST_F(LbReloadTest, HealthChecksTheInstancesOwnPortAndGetportReadsIt) {
  std::filesystem::create_directories(dir_.path() / "ports/nodes");
  std::ofstream(dir_.path() / "ports/infra.yaml") << R"(user_id: test
infra_name: ports
nodes:
  - &DB {name: db, type: db}
  - &APP {name: app, type: app}
dependencies:
  - connection: [*APP, *DB]
)";
  std::ofstream(dir_.path() / "ports/nodes/node_definitions.yaml") << R"('node_def:db':
  - resource:
      type: process
      command: [sh, -c, "mkdir -p w && exec busybox httpd -f -p 127.0.0.1:$PORT -h w"]
      port_range: 24000-24499
    health_check: {ping: false, ports: ["{{port}}"], timeout: 20}
'node_def:app':
  - resource:
      type: process
      command: [sleep, "100000"]
      env: {DB_PORT: "{{ getport('db') }}"}
    health_check: {ping: false}
)";
  std::string ports = (dir_.path() / "ports").string();
  CommandResult apply = RunCommand("cd " + ports + " && " + testing::OccamBinary() +
                                   " apply -auto-approve 2>&1");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  CommandResult outputs = RunCommand("cd " + ports + " && " + testing::OccamBinary() +
                                     " output db -json");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(outputs.out, m, std::regex("\"port\":(\\d+)"))) << outputs.out;
  std::string db_port = m[1];
  CommandResult app = RunCommand("cd " + ports + " && " + testing::OccamBinary() +
                                 " state show 'app[0]'");
  EXPECT_NE(std::string::npos, app.out.find("\"DB_PORT\": \"" + db_port + "\"")) << app.out;
  // A service that never listens fails its {{port}} check.
  std::ofstream(dir_.path() / "ports/nodes/node_definitions.yaml") << R"('node_def:db':
  - resource:
      type: process
      command: [sleep, "100001"]
      port_range: 24000-24499
    health_check: {ping: false, ports: ["{{port}}"], timeout: 2}
'node_def:app':
  - resource:
      type: process
      command: [sleep, "100000"]
    health_check: {ping: false}
)";
  CommandResult closed = RunCommand("cd " + ports + " && " + testing::OccamBinary() +
                                    " apply -auto-approve 2>&1");
  EXPECT_EQ(1, closed.exit_code) << closed.out;
  EXPECT_NE(std::string::npos, closed.out.find("of 127.0.0.1 is closed")) << closed.out;
  RunCommand("cd " + ports + " && " + testing::OccamBinary() + " destroy -auto-approve");
}

}  // namespace
}  // namespace occam
