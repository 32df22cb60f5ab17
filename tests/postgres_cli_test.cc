// occam's commands on a state in PostgreSQL (--state postgres://…): real
// processes built and scaled with the state in a schema of its own; two
// CLIs applying at once (one is refused with the holder named, and kill -9
// of the holder frees the lock without force-unlock); a saved plan applied
// where its state is missing; the password never shown.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/process_identity.h"
#include "state/postgres_state_store.h"
#include "state/state_location.h"
#include "tests/background_process.h"
#include "tests/postgres_server.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;

class PostgresCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OCCAM_REQUIRE_POSTGRES();
    state_ = testing::NewPostgresState();
    dir_.Write("infra.yaml",
               "user_id: u\ninfra_name: pg\n"
               "nodes: [{name: app, type: app, scaling: {min: 1, max: 4}}]\n");
    dir_.Write("nodes/node_definitions.yaml",
               "'node_def:app':\n  - resource: {type: process, command: [sleep, '300']}\n");
  }
  void TearDown() override {
    if (state_.empty()) return;
    Occam("destroy -auto-approve");
    std::unique_ptr<PostgresStateStore> store;
    StateOpenOptions existing;
    existing.create_if_missing = false;
    if (PostgresStateStore::Open(state_, existing, &store).ok()) {
      EXPECT_TRUE(store->DropSchema().ok());
    }
  }

  // occam ARGS --state STATE in the test's folder.
  CommandResult Occam(const std::string& args, const std::string& state = "") {
    return testing::RunCommand("cd " + dir_.path().string() + " && " +
                               testing::OccamBinary() + " " + args + " --state '" +
                               (state.empty() ? state_ : state) + "' 2>&1");
  }

  StateSnapshot State() {
    std::unique_ptr<StateStore> store;
    StateOpenOptions read;
    read.read_only = true;
    StateSnapshot s;
    Status st = OpenStateStore(state_, read, &store);
    if (st.ok()) st = store->Load(&s);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return s;
  }

  std::vector<int> Pids() {
    std::vector<int> pids;
    StateSnapshot state = State();
    for (const auto& [address, i] : state.instances) {
      pids.push_back(i.outputs.value().value("pid", 0));
    }
    return pids;
  }

  testing::TempDir dir_;
  std::string state_;
};

bool Alive(int pid) { return pid > 0 && ProcessStartTime(pid) >= 0; }

TEST_F(PostgresCliTest, ApplyScaleHistoryAndDestroyKeepTheStateInTheDatabase) {
  CommandResult apply = Occam("apply -auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  ASSERT_EQ(0, Occam("scale app 3").exit_code);
  apply = Occam("apply -auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("2 added")) << apply.out;
  std::vector<int> pids = Pids();
  ASSERT_EQ(3u, pids.size());
  for (int pid : pids) EXPECT_TRUE(Alive(pid)) << pid;
  EXPECT_EQ("app[0]\napp[1]\napp[2]\n", Occam("state list").out);
  CommandResult history = Occam("history --limit 2");
  EXPECT_NE(std::string::npos, history.out.find("app: desired count 1 -> 3  [cli]"))
      << history.out;
  CommandResult plan = Occam("plan -detailed-exitcode");
  EXPECT_EQ(0, plan.exit_code) << plan.out;
  // Nothing of the state is a file in the folder.
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "occam.db"));
  ASSERT_EQ(0, Occam("destroy -auto-approve").exit_code);
  for (int pid : pids) EXPECT_FALSE(Alive(pid)) << pid;
  EXPECT_TRUE(State().instances.empty());
}

TEST_F(PostgresCliTest, TwoAppliesAtOnceOneIsRefusedAndKillNineFreesTheLock) {
  // The first apply holds the lock while it waits for its approval.
  testing::RunCommand("cd " + dir_.path().string() + " && (sleep 60 | " +
                      testing::OccamBinary() + " apply --state '" + state_ +
                      "' > held.log 2>&1 &) >/dev/null 2>&1");
  std::filesystem::path log = dir_.path() / "held.log";
  for (int i = 0; i < 300 && testing::RunCommand("grep -q 'Enter a value' '" +
                                                 log.string() + "'").exit_code != 0;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CommandResult second = Occam("apply -auto-approve");
  ASSERT_EQ(1, second.exit_code) << second.out;
  EXPECT_NE(std::string::npos, second.out.find("is locked by another occam")) << second.out;
  EXPECT_NE(std::string::npos, second.out.find("Operation: apply")) << second.out;
  std::smatch pid, id;
  ASSERT_TRUE(std::regex_search(second.out, pid, std::regex("PID: +([0-9]+)"))) << second.out;
  ASSERT_TRUE(std::regex_search(second.out, id, std::regex("ID: +([0-9a-f-]{36})"))) << second.out;
  int holder = std::stoi(pid[1]);
  ASSERT_TRUE(Alive(holder));
  // A live holder's lock is not stale: force-unlock refuses it.
  CommandResult force = Occam("force-unlock " + id[1].str());
  EXPECT_EQ(1, force.exit_code) << force.out;
  EXPECT_NE(std::string::npos, force.out.find("still running")) << force.out;
  EXPECT_TRUE(State().instances.empty());
  // kill -9 ends its connection, and the lock with it.
  ASSERT_EQ(0, kill(holder, SIGKILL));
  CommandResult after = Occam("apply -auto-approve --lock-timeout 10s");
  EXPECT_EQ(0, after.exit_code) << after.out;
  EXPECT_EQ(std::string::npos, after.out.find("force-unlock")) << after.out;
  EXPECT_EQ(1u, State().instances.size());
}

TEST_F(PostgresCliTest, ASavedPlanWhereItsStateIsMissingSaysNoStateFound) {
  CommandResult plan = Occam("plan -out=tfplan");
  ASSERT_EQ(0, plan.exit_code) << plan.out;
  std::string lineage = State().lineage;
  std::string elsewhere = testing::NewPostgresState();
  CommandResult apply = Occam("apply tfplan", elsewhere);
  EXPECT_EQ(1, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("no state found at ")) << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find(lineage)) << apply.out;
  EXPECT_EQ(std::string::npos, apply.out.find("lineage mismatch")) << apply.out;
  // Nothing was created there.
  CommandResult list = Occam("state list", elsewhere);
  EXPECT_EQ(1, list.exit_code) << list.out;
  EXPECT_NE(std::string::npos, list.out.find("no state found at ")) << list.out;
  // The same with a file state that is not in this folder.
  ASSERT_EQ(0, Occam("plan -out=fileplan", "here.db").exit_code);
  std::filesystem::create_directory(dir_.path() / "runner2");
  for (const char* f : {"infra.yaml", "fileplan"}) {
    std::filesystem::copy(dir_.path() / f, dir_.path() / "runner2" / f);
  }
  std::filesystem::copy(dir_.path() / "nodes", dir_.path() / "runner2" / "nodes");
  CommandResult file = testing::RunCommand(
      "cd " + dir_.path().string() + "/runner2 && " + testing::OccamBinary() +
      " apply fileplan --state here.db 2>&1");
  EXPECT_EQ(1, file.exit_code) << file.out;
  EXPECT_NE(std::string::npos, file.out.find("no state found at here.db")) << file.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "runner2" / "here.db"));
  // Applied where it was made, it applies.
  EXPECT_EQ(0, Occam("apply tfplan").exit_code);
}

TEST_F(PostgresCliTest, APasswordInTheLocationIsNeverShown) {
  std::string with_password =
      std::regex_replace(state_, std::regex("://occam@"), "://occam:hunter2@");
  ASSERT_NE(with_password, state_);
  CommandResult plan = Occam("plan -out=tfplan", with_password);
  EXPECT_EQ(0, plan.exit_code) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("occam:***@")) << plan.out;
  CommandResult bad = Occam("scale nosuch 2", with_password);
  CommandResult down = Occam(
      "plan", "postgresql://occam:hunter2@127.0.0.1:1/postgres?password=hunter2");
  EXPECT_EQ(1, down.exit_code) << down.out;
  EXPECT_NE(std::string::npos, down.out.find("cannot connect to the state database")) << down.out;
  for (const CommandResult& r : {plan, bad, down}) {
    EXPECT_EQ(std::string::npos, r.out.find("hunter2")) << r.out;
  }
}

// A user who may not create schemas uses one an administrator made for
// it; without one, the error is the server's reason, and nothing is made.
TEST_F(PostgresCliTest, AUserWithoutCreateUsesASchemaMadeForIt) {
  if (testing::RunCommand("command -v psql").exit_code != 0) {
    GTEST_SKIP() << "psql (postgresql-client) is not installed";
  }
  std::string schema = state_.substr(state_.rfind("schema=") + 7);
  std::string role = "r_" + schema.substr(2, 12);
  std::string admin = testing::PostgresServer();
  auto psql = [&](const std::string& sql) {
    return testing::RunCommand("psql -X -q -v ON_ERROR_STOP=1 '" + admin + "' -c \"" +
                               sql + "\" 2>&1");
  };
  CommandResult made = psql("CREATE ROLE " + role + " LOGIN; CREATE SCHEMA " + schema +
                            " AUTHORIZATION " + role);
  ASSERT_EQ(0, made.exit_code) << made.out;
  std::string as_role =
      std::regex_replace(state_, std::regex("://occam@"), "://" + role + "@");
  CommandResult apply = Occam("apply -auto-approve", as_role);
  EXPECT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_EQ(1u, State().instances.size());
  ASSERT_EQ(0, Occam("destroy -auto-approve", as_role).exit_code);
  std::string elsewhere = std::regex_replace(testing::NewPostgresState(),
                                             std::regex("://occam@"), "://" + role + "@");
  CommandResult refused = Occam("apply -auto-approve", elsewhere);
  EXPECT_EQ(1, refused.exit_code) << refused.out;
  EXPECT_NE(std::string::npos, refused.out.find("permission denied")) << refused.out;
  psql("DROP SCHEMA " + schema + " CASCADE; DROP ROLE " + role);
  state_.clear();  // dropped
}

// state migrate carries a state between a file and PostgreSQL, lineage,
// serial and history included; the processes stay managed; a destination
// holding another state is refused and left as it was.
TEST_F(PostgresCliTest, MigrateCarriesAStateBetweenAFileAndPostgres) {
  ASSERT_EQ(0, Occam("apply -auto-approve", "local.db").exit_code);
  ASSERT_EQ(0, Occam("scale app 2", "local.db").exit_code);
  ASSERT_EQ(0, Occam("apply -auto-approve", "local.db").exit_code);
  CommandResult migrate = Occam("state migrate --to '" + state_ + "'", "local.db");
  ASSERT_EQ(0, migrate.exit_code) << migrate.out;
  StateSnapshot copied = State();
  EXPECT_EQ(2u, copied.instances.size());
  std::vector<int> pids = Pids();
  CommandResult local_history = Occam("history --json", "local.db");
  CommandResult pg_history = Occam("history --json");
  // The same events, the migration's own on top.
  EXPECT_NE(std::string::npos, pg_history.out.find("\"kind\":\"migrate\"")) << pg_history.out;
  EXPECT_NE(std::string::npos, pg_history.out.find(local_history.out)) << pg_history.out;
  CommandResult plan = Occam("plan -detailed-exitcode");
  EXPECT_EQ(0, plan.exit_code) << plan.out;
  // Migrating again from the older file would go back in time.
  CommandResult again = Occam("state migrate --to '" + state_ + "'", "local.db");
  EXPECT_EQ(1, again.exit_code) << again.out;
  EXPECT_NE(std::string::npos, again.out.find("is newer")) << again.out;
  // Another state is never overwritten.
  std::string other = testing::NewPostgresState();
  ASSERT_EQ(0, Occam("apply -auto-approve", other).exit_code);
  CommandResult onto = Occam("state migrate --to '" + other + "'");
  EXPECT_EQ(1, onto.exit_code) << onto.out;
  EXPECT_NE(std::string::npos, onto.out.find("is another state")) << onto.out;
  ASSERT_EQ(0, Occam("destroy -auto-approve", other).exit_code);
  // And back to a new file, which then manages the same processes.
  ASSERT_EQ(0, Occam("state migrate --to back.db").exit_code);
  ASSERT_EQ(0, Occam("destroy -auto-approve", "back.db").exit_code);
  for (int pid : pids) EXPECT_FALSE(Alive(pid)) << pid;
}

// occam serve keeps its daemon lease and its decisions in the database:
// a count change by the CLI reaches it.
TEST_F(PostgresCliTest, ServeFollowsTheCliOnAPostgresState) {
  testing::BackgroundProcess serve;
  int port = testing::FreeLoopbackPort();
  ASSERT_TRUE(serve.Start({testing::OccamBinary(), "serve", "--state", state_,
                           "--listen", "127.0.0.1:" + std::to_string(port),
                           "--interval", "1s"},
                          dir_.path().string(), dir_.Path("serve.log")));
  // How many instances the state has ready; 0 before serve has made it.
  auto count = [&] {
    std::unique_ptr<StateStore> store;
    StateOpenOptions read;
    read.read_only = true;
    StateSnapshot s;
    if (OpenStateStore(state_, read, &store).ok()) store->Load(&s);
    size_t ready = 0;
    for (const auto& [address, i] : s.instances) {
      ready += i.status == InstanceStatus::kReady;
    }
    return ready;
  };
  auto wait_for = [&](size_t n) {
    for (int i = 0; i < 200 && count() != n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return count();
  };
  ASSERT_EQ(1u, wait_for(1)) << testing::RunCommand("cat " + dir_.Path("serve.log")).out;
  CommandResult scale = Occam("scale app 3 --lock-timeout 10s");
  EXPECT_EQ(0, scale.exit_code) << scale.out;
  EXPECT_NE(std::string::npos, scale.out.find("manages this state")) << scale.out;
  EXPECT_EQ(3u, wait_for(3));
  for (int pid : Pids()) EXPECT_TRUE(Alive(pid)) << pid;
  EXPECT_EQ(0, serve.Stop());
}

// Several serves on one state in PostgreSQL: one leads, the others stand
// by (reads answered, changes refused with the leader named); alerts sent
// to all (Alertmanager's habit with several receivers) are acted on once;
// kill -9 of the leader: a standby leads within 5 s, an alert that only it
// received meanwhile is acted on once it leads (Alertmanager retries a
// receiver that answered 503), and one the old leader acted on is not acted
// on again.
TEST_F(PostgresCliTest, AStandbyServeLeadsWithinFiveSecondsOfTheLeadersKill) {
  const char* scaling =
      "scaling: {min: 1, max: 4, policy: {query: up, overloaded_above: 0.5, "
      "underloaded_below: 0.2, cooldown: 60s}}";
  dir_.Write("infra.yaml", std::string("user_id: u\ninfra_name: ha\nnodes:\n") +
                               "  - {name: app, type: app, " + scaling + "}\n" +
                               "  - {name: web, type: app, " + scaling + "}\n");
  int port_a = testing::FreeLoopbackPort(), port_b = testing::FreeLoopbackPort();
  auto start = [&](testing::BackgroundProcess* p, int port, const char* log) {
    return p->Start({testing::OccamBinary(), "serve", "--state", state_, "--listen",
                     "127.0.0.1:" + std::to_string(port), "--interval", "1s",
                     "--no-auth"},
                    dir_.path().string(), dir_.Path(log));
  };
  auto http = [&](const std::string& method, int port, const std::string& path,
                  const std::string& body = "") {
    std::ofstream(dir_.Path("body.json")) << body;
    CommandResult r = testing::RunCommand(
        "curl -s -o " + dir_.Path("answer.json") + " -w '%{http_code}' -X " + method +
        (body.empty() ? "" : " -H 'Content-Type: application/json' --data-binary @" +
                                 dir_.Path("body.json")) +
        " http://127.0.0.1:" + std::to_string(port) + path);
    return std::atoi(r.out.c_str());
  };
  auto log_of = [&](const char* log) { return testing::RunCommand("cat " + dir_.Path(log)).out; };
  testing::BackgroundProcess a, b;
  ASSERT_TRUE(start(&a, port_a, "a.log"));
  for (int i = 0; i < 100 && log_of("a.log").find("apply complete") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(start(&b, port_b, "b.log"));
  for (int i = 0; i < 100 && log_of("b.log").find("event=standby") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(std::string::npos, log_of("b.log").find("event=standby")) << log_of("b.log");
  std::string infra = State().infra_id;
  auto alert = [&](const std::string& node, const std::string& fingerprint) {
    return nlohmann::json{{"version", "4"}, {"status", "firing"},
                          {"alerts", {{{"status", "firing"}, {"fingerprint", fingerprint},
                                       {"startsAt", "2026-12-07T00:00:00Z"},
                                       {"labels", {{"alertname", node + "_overloaded"},
                                                   {"alert", "overloaded"}, {"node", node},
                                                   {"infra_id", infra}}}}}}}
        .dump();
  };
  // The standby answers reads and says who leads; it refuses changes.
  EXPECT_EQ(200, http("GET", port_b, "/infrastructures/" + infra));
  EXPECT_EQ(200, http("GET", port_b, "/"));
  EXPECT_NE(std::string::npos, testing::RunCommand("cat " + dir_.Path("answer.json")).out.find("standby"));
  EXPECT_EQ(503, http("POST", port_b, "/infrastructures/" + infra + "/scaleup/app"));
  EXPECT_NE(std::string::npos,
            testing::RunCommand("cat " + dir_.Path("answer.json")).out.find(std::to_string(port_a)));
  // An alert sent to both: the leader acts, the standby refuses.
  EXPECT_EQ(200, http("POST", port_a, "/api/v1/alerts", alert("app", "fp-app")));
  EXPECT_EQ(503, http("POST", port_b, "/api/v1/alerts", alert("app", "fp-app")));
  // The leader dies; meanwhile an alert for web reaches only the standby,
  // and Alertmanager retries both refused notifications.
  ASSERT_EQ(0, kill(a.pid(), SIGKILL));
  auto killed = std::chrono::steady_clock::now();
  int web = 0, app = 0;
  for (int i = 0; i < 100 && (web != 200 || app != 200); ++i) {
    if (web != 200) web = http("POST", port_b, "/api/v1/alerts", alert("web", "fp-web"));
    if (app != 200) app = http("POST", port_b, "/api/v1/alerts", alert("app", "fp-app"));
    if (web != 200 || app != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_EQ(200, web);
  EXPECT_EQ(200, app);
  EXPECT_LT(took, 5.0) << "the standby took " << took << " s to lead";
  EXPECT_NE(std::string::npos, log_of("b.log").find("event=leading")) << log_of("b.log");
  // Each alert was acted on exactly once: app 1 -> 2, web 1 -> 2.
  CommandResult history = Occam("history --json");
  int scaled_app = 0, scaled_web = 0, duplicates = 0;
  std::istringstream lines(history.out);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
    if (!e.is_object() || !e["detail"].is_object()) continue;
    std::string outcome = e["detail"].value("outcome", "");
    if (e.value("kind", "") == "scale") {
      std::string fp = e["detail"]["source"].value("fingerprint", "");
      scaled_app += outcome == "scaled" && fp == "fp-app";
      scaled_web += outcome == "scaled" && fp == "fp-web";
    }
    duplicates += outcome == "duplicate" && e["detail"].value("fingerprint", "") == "fp-app";
  }
  EXPECT_EQ(1, scaled_app) << history.out;
  EXPECT_EQ(1, scaled_web) << history.out;
  EXPECT_EQ(1, duplicates) << history.out;
  // And the new leader converges: two of each.
  size_t ready = 0;
  for (int i = 0; i < 100 && ready != 4; ++i) {
    ready = 0;
    for (const auto& [address, r] : State().instances) ready += r.status == InstanceStatus::kReady;
    if (ready != 4) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(4u, ready);
  EXPECT_EQ(0, b.Stop());
}

// A leader whose database connection ends (the server restarted, or an
// administrator ended it) has lost the leadership a standby may take: it
// stops, and says why, instead of leading beside its successor.
TEST_F(PostgresCliTest, ALeaderThatLosesItsConnectionStops) {
  dir_.Write("infra.yaml", "user_id: u\ninfra_name: lost\nnodes:\n"
                           "  - {name: app, type: app, scaling: {min: 1, max: 2}}\n");
  std::string app = "occam-lost-" + NewUuid().substr(0, 8);
  testing::BackgroundProcess serve;
  ASSERT_TRUE(serve.Start({"env", "PGAPPNAME=" + app, testing::OccamBinary(), "serve",
                           "--state", state_, "--listen",
                           "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()),
                           "--interval", "1s", "--no-auth"},
                          dir_.path().string(), dir_.Path("serve.log")));
  auto log = [&] { return testing::RunCommand("cat " + dir_.Path("serve.log")).out; };
  for (int i = 0; i < 100 && log().find("apply complete") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(std::string::npos, log().find("apply complete")) << log();
  CommandResult ended = testing::RunCommand(
      "psql '" + testing::PostgresServer() + "' -Atc \"SELECT count(pg_terminate_backend(pid)) "
      "FROM pg_stat_activity WHERE application_name = '" + app + "'\"");
  ASSERT_EQ(0, ended.exit_code) << ended.out;
  EXPECT_GE(std::atoi(ended.out.c_str()), 1) << ended.out;
  for (int i = 0; i < 100 && serve.Running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(serve.Running()) << log();
  EXPECT_EQ(1, serve.Stop());
  EXPECT_NE(std::string::npos, log().find("event=leadership_lost")) << log();
}

}  // namespace
}  // namespace occam
