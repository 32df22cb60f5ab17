// occam apply, scale, refresh and destroy end to end on a real Docker Engine
// (scripts/docker-up) with examples/docker: containers per instance, a
// swarm service scaled in place, drift, and SIGKILL at every commit with
// the engine asked afterwards for everything carrying occam's labels.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <map>

#include "providers/provider.h"
#include "state/sqlite_state_store.h"
#include "tests/docker_engine.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;
using testing::CommandResult;

class DockerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OCCAM_REQUIRE_DOCKER(true);
    std::filesystem::copy(testing::SourceDir() + "/examples/docker",
                          dir_.path() / "docker",
                          std::filesystem::copy_options::recursive);
    ready_ = true;
  }
  void TearDown() override {
    if (ready_ && !State().instances.empty()) {
      Occam("destroy --auto-approve");
    }
  }

  CommandResult Occam(const std::string& args, const std::string& env = "") {
    return testing::RunCommand("cd " + (dir_.path() / "docker").string() +
                               " && " + env + " " + testing::OccamBinary() +
                               " " + args + " 2>&1");
  }

  StateSnapshot State() {
    std::unique_ptr<SqliteStateStore> store;
    StateSnapshot s;
    StateOpenOptions options;
    options.create_if_missing = false;
    if (SqliteStateStore::Open((dir_.path() / "docker/occam.db").string(),
                               options, &store)
            .ok()) {
      store->Load(&s);
    }
    return s;
  }

  // Running containers of this state, counted by their address label.
  std::map<std::string, int> RunningByAddress(const std::string& lineage) {
    std::map<std::string, int> out;
    for (const json& c : testing::ContainersLabelled(
             {std::string(kLineageTag) + "=" + lineage})) {
      if (c.value("State", "") != "running") continue;
      ++out[c["Labels"].value(kAddressTag, "")];
    }
    return out;
  }

  // The services of this state, by address.
  std::map<std::string, int> ServicesByAddress(const std::string& lineage) {
    json list;
    Status s = testing::LocalDocker().Call(
        "GET",
        "/services?filters=" +
            UrlEncode(json{{"label",
                            {std::string(kLineageTag) + "=" + lineage}}}
                          .dump()),
        json(), &list);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::map<std::string, int> out;
    for (const json& svc : list) {
      ++out[svc["Spec"]["Labels"].value(kAddressTag, "")];
    }
    return out;
  }

  // The state and the engine agree: `webs` web containers, one app
  // service with `replicas` running tasks, nothing else of this lineage.
  void ExpectConverged(int webs, int replicas) {
    StateSnapshot s = State();
    ASSERT_EQ(static_cast<size_t>(webs + 1), s.instances.size());
    std::map<std::string, int> running = RunningByAddress(s.lineage);
    std::map<std::string, int> want;
    for (int i = 0; i < webs; ++i) want["web[" + std::to_string(i) + "]"] = 1;
    want["app[0]"] = replicas;
    EXPECT_EQ(want, running);
    EXPECT_EQ((std::map<std::string, int>{{"app[0]", 1}}),
              ServicesByAddress(s.lineage));
    for (const auto& [address, r] : s.instances) {
      EXPECT_EQ(InstanceStatus::kReady, r.status) << address;
    }
  }


  testing::TempDir dir_;
  bool ready_ = false;
};

TEST_F(DockerCliTest, ApplyScaleInPlaceDriftAndDestroy) {
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos,
            apply.out.find("Apply complete! Resources: 3 added"));
  ExpectConverged(2, 1);
  EXPECT_EQ(0, Occam("plan -f infra.yaml --detailed-exitcode").exit_code);

  // A count change of the service is an in-place update of its replicas.
  ASSERT_EQ(0, Occam("scale app 3 -f infra.yaml").exit_code);
  CommandResult plan = Occam("plan -f infra.yaml");
  EXPECT_NE(std::string::npos, plan.out.find("# app[0] will be updated in place")) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("replicas")) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("app scales from 1 to 3"))
      << plan.out;
  std::string service_id = State().instances.at("app[0]").provider_id;
  apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("0 added, 1 changed, 0 destroyed"))
      << apply.out;
  EXPECT_EQ(service_id, State().instances.at("app[0]").provider_id);
  ExpectConverged(2, 3);

  // Drift: a removed container is recreated, an exited one replaced.
  StateSnapshot s = State();
  std::string gone = s.instances.at("web[0]").provider_id;
  std::string stopped = s.instances.at("web[1]").provider_id;
  ASSERT_TRUE(testing::LocalDocker()
                  .Call("DELETE", "/containers/" + gone + "?force=1", json(),
                        nullptr)
                  .ok());
  ASSERT_TRUE(testing::LocalDocker()
                  .Call("POST", "/containers/" + stopped + "/kill", json(),
                        nullptr)
                  .ok());
  plan = Occam("plan -f infra.yaml");
  EXPECT_NE(std::string::npos, plan.out.find("web[0] is gone")) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("web[1] has drifted")) << plan.out;
  apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  ExpectConverged(2, 3);
  EXPECT_TRUE(testing::ContainersLabelled({"occam.address=web[1]",
                                           std::string(kLineageTag) + "=" +
                                               s.lineage})
                  .size() == 1);

  std::string lineage = State().lineage;
  ASSERT_EQ(0, Occam("destroy --auto-approve").exit_code);
  EXPECT_TRUE(RunningByAddress(lineage).empty());
  EXPECT_TRUE(ServicesByAddress(lineage).empty());
}

// SIGKILL after every commit of a from-nothing apply, and before every
// commit (the engine has acted, the state does not know yet); the rerun
// converges with nothing twice and nothing orphaned.
// import adopts containers started by hand — one as the descriptor says
// (no change planned), one with another command (replaced) — and a swarm
// service; each leaves an event, and destroy removes them.
TEST_F(DockerCliTest, ImportAdoptsContainersStartedByHand) {
  std::string suffix = std::to_string(getpid());
  std::string same = "occam-import-same-" + suffix, other = "occam-import-other-" + suffix;
  for (const auto& [name, command] :
       {std::pair{same, "httpd -f -p 80 -h /www"}, std::pair{other, "sleep 100000"}}) {
    CommandResult run = testing::RunCommand("docker run -d --name " + name +
                                            " occam-test/busybox:1 " + command);
    ASSERT_EQ(0, run.exit_code) << run.out;
  }
  CommandResult r = Occam("import web[0] " + same);
  EXPECT_EQ(0, r.exit_code) << r.out;
  r = Occam("import docker.web[1] " + other);
  EXPECT_EQ(0, r.exit_code) << r.out;
  StateSnapshot state = State();
  ASSERT_EQ(2u, state.instances.size());
  EXPECT_EQ(same, state.instances["web[0]"].outputs.value()["name"]);
  EXPECT_EQ(other, state.instances["web[1]"].outputs.value()["name"]);
  // A swarm service, with the example's app command and one replica.
  std::string service = "occam-import-svc-" + suffix;
  CommandResult created = testing::RunCommand(
      "docker service create --detach --name " + service +
      " --replicas 1 occam-test/busybox:1 sleep 100000 2>&1");
  ASSERT_EQ(0, created.exit_code) << created.out;
  r = Occam("import app[0] " + service);
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_EQ(service, State().instances["app[0]"].outputs.value()["name"]);
  ASSERT_EQ(0, Occam("plan -out=p").exit_code);
  json plan = json::parse(Occam("show -json p").out, nullptr, false);
  std::map<std::string, json> actions;
  for (const json& c : plan["resource_changes"]) actions[c["address"]] = c["change"]["actions"];
  EXPECT_EQ(json({"no-op"}), actions["web[0]"]) << plan["resource_changes"];
  EXPECT_EQ(json({"delete", "create"}), actions["web[1]"]) << plan["resource_changes"];
  EXPECT_EQ(json({"no-op"}), actions["app[0]"]) << plan["resource_changes"];
  CommandResult history = Occam("history -limit=2");
  EXPECT_NE(std::string::npos, history.out.find("web[1] imported from docker")) << history.out;
  EXPECT_EQ(1, Occam("import web[0] " + other).exit_code);
  EXPECT_EQ(1, Occam("import web[2] no-such-container-" + suffix).exit_code);
  EXPECT_EQ(0, Occam("destroy --auto-approve").exit_code);
  EXPECT_NE(0, testing::RunCommand("docker inspect " + same).exit_code);
  EXPECT_NE(0, testing::RunCommand("docker inspect " + other).exit_code);
  EXPECT_NE(0, testing::RunCommand("docker service inspect " + service).exit_code);
  testing::RunCommand("docker rm -f " + same + " " + other);
  testing::RunCommand("docker service rm " + service);
}

TEST_F(DockerCliTest, KillAtEveryCommitThenConverge) {
  // Counts, then an intent and a result for web[0], web[1] and app[0].
  constexpr int kCommits = 7;
  for (const char* when : {"AFTER", "BEFORE"}) {
    for (int k = 1; k <= kCommits; ++k) {
      SCOPED_TRACE(std::string(when) + " commit " + std::to_string(k));
      CommandResult crashed =
          Occam("apply -f infra.yaml --auto-approve --parallelism 1",
                "OCCAM_CRASH_" + std::string(when) + "_COMMIT=" +
                    std::to_string(k));
      EXPECT_EQ(128 + SIGKILL, crashed.exit_code) << crashed.out;
      CommandResult rerun = Occam("apply -f infra.yaml --auto-approve");
      ASSERT_EQ(0, rerun.exit_code) << rerun.out;
      ExpectConverged(2, 1);
      std::string lineage = State().lineage;
      ASSERT_EQ(0, Occam("destroy --auto-approve").exit_code);
      EXPECT_TRUE(testing::ContainersLabelled(
                      {std::string(kLineageTag) + "=" + lineage})
                      .empty());
      EXPECT_TRUE(ServicesByAddress(lineage).empty());
    }
  }
}

// A docker node that follows the app's instances changes in place: its
// `files` render getendpoints('app') and `reload: {signal: HUP}` makes a
// scale an update of the same container, whose file then lists every
// instance (served by busybox httpd on a published port).
constexpr char kLbInfra[] = R"(user_id: test
infra_name: docker-lb
nodes:
  - &APP {name: app, type: app, scaling: {min: 1, max: 3, drain: 0s}}
  - &LB {name: lb, type: lb}
dependencies:
  - connection: [*LB, *APP]
)";

std::string LbNodes(int published) {
  return R"('node_def:app':
  - resource:
      type: process
      command: [sleep, "300"]
      port_range: 24000-24499
    health_check:
      ping: false
'node_def:lb':
  - resource:
      type: docker
      endpoint: unix:///var/run/docker.sock
      origin: local
      image: occam-test/busybox
      tag: "1"
      grace_period: 1
      ports: [")" + std::to_string(published) + R"(:80"]
      files:
        /www/backends.txt: |
          {% for endpoint in getendpoints('app') %}{{ endpoint }}
          {% endfor %}
      reload: {signal: HUP}
    contextualisation:
      type: docker
      env: []
      command: "httpd -f -p 80 -h /www"
    health_check:
      ping: false
      urls: ["http://127.0.0.1:)" + std::to_string(published) + R"(/backends.txt"]
      timeout: 30
)";
}

class DockerLbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OCCAM_REQUIRE_DOCKER(false);
    published_ = 24500 + getpid() % 400;
    std::filesystem::create_directories(dir_.path() / "nodes");
    std::ofstream(dir_.path() / "infra.yaml") << kLbInfra;
    std::ofstream(dir_.path() / "nodes/node_definitions.yaml") << LbNodes(published_);
    ready_ = true;
  }
  void TearDown() override {
    if (ready_) Occam("destroy --auto-approve");
  }
  CommandResult Occam(const std::string& args) {
    return testing::RunCommand("cd " + dir_.path().string() + " && " +
                               testing::OccamBinary() + " " + args + " 2>&1");
  }
  std::string LbId() {
    StateSnapshot s;
    std::unique_ptr<SqliteStateStore> store;
    StateOpenOptions options;
    options.create_if_missing = false;
    if (SqliteStateStore::Open((dir_.path() / "occam.db").string(), options, &store).ok()) {
      store->Load(&s);
    }
    auto it = s.instances.find("lb[0]");
    return it == s.instances.end() ? "" : it->second.provider_id;
  }
  // The lines of backends.txt as the lb serves it.
  size_t Backends() {
    std::string text = testing::RunCommand("curl -s -m 5 http://127.0.0.1:" +
                                           std::to_string(published_) +
                                           "/backends.txt").out;
    size_t lines = 0;
    for (size_t at = 0; (at = text.find("127.0.0.1:24", at)) != std::string::npos; ++at) {
      ++lines;
    }
    return lines;
  }

  testing::TempDir dir_;
  int published_ = 0;
  bool ready_ = false;
};

TEST_F(DockerLbTest, ScalingReconfiguresTheContainerInPlace) {
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  std::string lb = LbId();
  ASSERT_FALSE(lb.empty());
  EXPECT_EQ(1u, Backends());

  ASSERT_EQ(0, Occam("scale app 3 -f infra.yaml").exit_code);
  CommandResult plan = Occam("plan -f infra.yaml");
  EXPECT_NE(std::string::npos, plan.out.find("# lb[0] will be updated in place")) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("app's endpoints changed")) << plan.out;
  apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("2 added, 1 changed, 0 destroyed")) << apply.out;
  EXPECT_EQ(lb, LbId()) << "the lb container was replaced";
  EXPECT_EQ(3u, Backends());

  ASSERT_EQ(0, Occam("scale app 1 -f infra.yaml").exit_code);
  apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_EQ(lb, LbId());
  EXPECT_EQ(1u, Backends());
}

}  // namespace
}  // namespace occam
