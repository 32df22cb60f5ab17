// occam apply, destroy, refresh and taint end to end with the process
// provider: real processes are started and stopped, and killing occam at
// any commit loses nothing and leaves nothing behind.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "base/process_identity.h"
#include "state/sqlite_state_store.h"
#include "state/state_lock.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;

// Group leaders whose environment carries `lineage`, by OCCAM_ADDRESS.
std::multimap<std::string, int> ProcessesOf(const std::string& lineage) {
  std::multimap<std::string, int> out;
  DIR* proc = opendir("/proc");
  while (dirent* e = readdir(proc)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0 || getpgid(pid) != pid) continue;
    std::ifstream in("/proc/" + std::to_string(pid) + "/environ");
    std::string var, address;
    bool ours = false;
    while (std::getline(in, var, '\0')) {
      if (var == "OCCAM_LINEAGE=" + lineage) ours = true;
      if (var.rfind("OCCAM_ADDRESS=", 0) == 0) address = var.substr(14);
    }
    if (ours && ProcessStartTime(pid) >= 0) out.emplace(address, pid);
  }
  closedir(proc);
  return out;
}

class ApplyCliTest : public ::testing::Test {
 protected:
  ApplyCliTest() {
    std::filesystem::copy(testing::SourceDir() + "/examples/micado",
                          dir_.path() / "micado",
                          std::filesystem::copy_options::recursive);
  }
  ~ApplyCliTest() override {
    // Whatever a failed test left running.
    for (auto& [address, pid] : ProcessesOf(Lineage())) kill(-pid, SIGKILL);
  }

  CommandResult Occam(const std::string& args, const std::string& env = "") {
    return testing::RunCommand("cd " + (dir_.path() / "micado").string() +
                               " && " + env + " " + testing::OccamBinary() +
                               " " + args);
  }

  StateSnapshot State() {
    std::unique_ptr<SqliteStateStore> store;
    StateSnapshot s;
    StateOpenOptions options;
    options.create_if_missing = false;
    if (SqliteStateStore::Open((dir_.path() / "micado/occam.db").string(),
                               options, &store)
            .ok()) {
      store->Load(&s);
    }
    return s;
  }
  std::string Lineage() { return State().lineage; }

  // The state and the machine agree: one live process per instance, and
  // no process of this state that the state does not know.
  void ExpectConverged(size_t instances) {
    StateSnapshot s = State();
    ASSERT_EQ(instances, s.instances.size());
    std::multimap<std::string, int> processes = ProcessesOf(s.lineage);
    EXPECT_EQ(instances, processes.size());
    for (const auto& [address, r] : s.instances) {
      EXPECT_EQ(InstanceStatus::kReady, r.status) << address;
      EXPECT_EQ(1u, processes.count(address)) << address;
      int pid = r.outputs.value().value("pid", 0);
      EXPECT_EQ(pid, processes.find(address)->second) << address;
    }
  }

  // Takes the state's lock from this test, a live process of this host,
  // as a running apply would hold it.
  void HoldStateLock(std::unique_ptr<StateLock>* lock) {
    ASSERT_TRUE(
        SqliteStateStore::Open(dir_.Path("micado/occam.db"), {}, &lock_store_)
            .ok());
    ASSERT_TRUE(StateLock::Acquire(lock_store_.get(), "occam.db", "test",
                                   std::chrono::milliseconds(0), lock)
                    .ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteStateStore> lock_store_;  // for HoldStateLock
};

TEST_F(ApplyCliTest, ApplyScaleDriftAndDestroy) {
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("db[0]: Creating...\n"));
  EXPECT_NE(std::string::npos,
            apply.out.find("Apply complete! Resources: 3 added, 0 changed, 0 "
                           "destroyed.\n"));
  EXPECT_LT(apply.out.find("db[0]: Creation complete"),
            apply.out.find("manager[0]: Creating..."));
  ExpectConverged(3);
  EXPECT_EQ(0, Occam("plan -f infra.yaml --detailed-exitcode").exit_code);

  ASSERT_EQ(0, Occam("scale app +2 -f infra.yaml").exit_code);
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  ExpectConverged(5);

  // A dead instance is drift: planned and recreated.
  int victim = State().instances.at("app[1]").outputs.value()["pid"];
  kill(-victim, SIGKILL);
  for (int i = 0; i < 100 && ProcessStartTime(victim) >= 0; ++i) usleep(10000);
  CommandResult plan = Occam("plan -f infra.yaml");
  EXPECT_NE(std::string::npos,
            plan.out.find("  # app[1] will be created\n  # (because app[1] is "
                          "gone: its object no longer exists)\n"))
      << plan.out;
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  ExpectConverged(5);

  ASSERT_EQ(0, Occam("scale app -1 -f infra.yaml --instance app[0]").exit_code);
  CommandResult down = Occam("apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, down.exit_code) << down.out;
  EXPECT_NE(std::string::npos, down.out.find("app[0]: Destruction complete"));
  ExpectConverged(4);
  EXPECT_EQ(0u, State().instances.count("app[0]"));

  std::string lineage = Lineage();
  CommandResult destroy = Occam("destroy --auto-approve");
  ASSERT_EQ(0, destroy.exit_code) << destroy.out;
  EXPECT_NE(std::string::npos,
            destroy.out.find("Destroy complete! Resources: 4 destroyed.\n"));
  EXPECT_LT(destroy.out.find("app[1]: Destruction complete"),
            destroy.out.find("db[0]: Destroying..."));
  EXPECT_TRUE(State().instances.empty());
  EXPECT_TRUE(ProcessesOf(lineage).empty());
}

// A process that exits while its health is awaited fails the create at
// once, saying how it ended and where its output is — not after the whole
// health-check timeout (600 s here) as "port … is closed".
TEST_F(ApplyCliTest, AProcessThatDiesDuringItsHealthWaitFailsAtOnce) {
  dir_.Write("micado/crash/infra.yaml",
             "user_id: u\ninfra_name: crash\nnodes: [{name: app, type: app}]\n");
  dir_.Write("micado/crash/nodes/node_definitions.yaml",
             "'node_def:app':\n"
             "  - resource:\n"
             "      type: process\n"
             "      command: [sh, -c, \"sleep 0.5; echo cannot bind >&2; exit 3\"]\n"
             "    health_check: {ping: false, ports: [9], timeout: 600}\n");
  CommandResult r = Occam("apply -f crash/infra.yaml --auto-approve --state crash/occam.db",
                          "timeout 60");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("it stopped while its health was checked")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("exited with status 3; its output is in ")) << r.out;
  std::smatch log;
  ASSERT_TRUE(std::regex_search(r.out, log, std::regex("its output is in (\\S+/occam-logs/app_0_\\.log)")))
      << r.out;
  std::ifstream in((dir_.path() / "micado" / log[1].str()).string());
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ("cannot bind\n", text);
}

TEST_F(ApplyCliTest, TaintReplaces) {
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  int old_pid = State().instances.at("manager[0]").outputs.value()["pid"];
  CommandResult taint = Occam("taint manager[0]");
  EXPECT_EQ("Resource instance manager[0] has been marked as tainted.\n",
            taint.out);
  CommandResult plan = Occam("plan -f infra.yaml");
  EXPECT_NE(std::string::npos,
            plan.out.find("# manager[0] is tainted, so must be replaced"));
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  ExpectConverged(3);
  EXPECT_NE(old_pid, State().instances.at("manager[0]").outputs.value()["pid"]);
  EXPECT_EQ(1, Occam("taint nope[0]").exit_code);
}

TEST_F(ApplyCliTest, SavedPlanIsAppliedOnceThenStale) {
  ASSERT_EQ(0, Occam("plan -f infra.yaml -out p.plan").exit_code);
  CommandResult apply = Occam("apply p.plan");
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  ExpectConverged(3);
  CommandResult again = Occam("apply p.plan");
  EXPECT_EQ(1, again.exit_code);
  EXPECT_NE(std::string::npos, again.out.find("Error: Saved plan is stale"))
      << again.out;
}

// Each of these fails if its command stops taking the state lock: the
// lock is held by this test (a live process of this host) throughout.
TEST_F(ApplyCliTest, CommandsThatChangeTheStateWaitForItsLock) {
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  std::unique_ptr<StateLock> lock;
  ASSERT_NO_FATAL_FAILURE(HoldStateLock(&lock));
  StateSnapshot before = State();
  for (const char* command :
       {"apply -f infra.yaml --auto-approve", "destroy --auto-approve",
        "scale app 3 -f infra.yaml", "taint app[0]", "refresh",
        "plan -f infra.yaml"}) {
    CommandResult r = Occam(command);
    EXPECT_EQ(1, r.exit_code) << command << ": " << r.out;
    EXPECT_NE(std::string::npos, r.out.find("is locked by another occam"))
        << command << ": " << r.out;
  }
  StateSnapshot after = State();
  EXPECT_EQ(before.serial, after.serial);
  EXPECT_EQ(before.instances, after.instances);
  lock.reset();
  ExpectConverged(3);
}

// A saved plan carries the digest of the descriptor it was made from;
// applying it after the descriptor changed would render other values.
TEST_F(ApplyCliTest, SavedPlanIsRefusedWhenTheDescriptorChanged) {
  ASSERT_EQ(0, Occam("plan -f infra.yaml -out p.plan").exit_code);
  std::string infra = dir_.Path("micado/infra.yaml");
  std::ifstream in(infra);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  dir_.Write("micado/infra.yaml",
             std::regex_replace(text, std::regex("Hello from occam"),
                                "Hello, edited"));
  CommandResult r = Occam("apply p.plan");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_EQ("Error: Saved plan is stale: the descriptor changed after the "
            "plan was made. Plan again\n",
            r.out);
  EXPECT_TRUE(State().instances.empty());
}

TEST_F(ApplyCliTest, RefreshRecordsWhatIsGone) {
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  int victim = State().instances.at("app[0]").outputs.value()["pid"];
  kill(-victim, SIGKILL);
  for (int i = 0; i < 100 && ProcessStartTime(victim) >= 0; ++i) usleep(10000);
  CommandResult r = Occam("refresh");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_EQ("app[0]: gone; the next apply recreates it\n"
            "refresh: 1 gone of 3\n",
            r.out);
  EXPECT_EQ(InstanceStatus::kGone, State().instances.at("app[0]").status);
  EXPECT_EQ(InstanceStatus::kReady, State().instances.at("db[0]").status);
}

TEST_F(ApplyCliTest, HistoryLimitShowsTheNewestEvents) {
  ASSERT_EQ(0, Occam("scale app 2 -f infra.yaml").exit_code);
  ASSERT_EQ(0, Occam("scale app 3 -f infra.yaml").exit_code);
  CommandResult all = Occam("history");
  CommandResult one = Occam("history --limit 1");
  EXPECT_EQ(0, one.exit_code);
  EXPECT_EQ(2, std::count(all.out.begin(), all.out.end(), '\n')) << all.out;
  EXPECT_EQ(1, std::count(one.out.begin(), one.out.end(), '\n')) << one.out;
  EXPECT_NE(std::string::npos, one.out.find("app: desired count 2 -> 3"))
      << one.out;
}

TEST_F(ApplyCliTest, LockTimeoutWaitsForTheHolder) {
  ASSERT_EQ(0, Occam("plan -f infra.yaml").exit_code);
  std::unique_ptr<StateLock> lock;
  ASSERT_NO_FATAL_FAILURE(HoldStateLock(&lock));
  // Held throughout a short wait: refused when the wait runs out.
  EXPECT_EQ(1, Occam("plan -f infra.yaml --lock-timeout 300ms").exit_code);
  // Released half a second into a long one: the command goes ahead.
  std::thread release([&] {
    usleep(500'000);
    lock.reset();
  });
  CommandResult waited = Occam("apply -f infra.yaml --auto-approve "
                               "--lock-timeout 30s");
  release.join();
  EXPECT_EQ(0, waited.exit_code) << waited.out;
  ExpectConverged(3);
}

// Occopus's cloud types are validated and planned; applying one without a
// provider fails the instance with a message that says what to do, records
// nothing and exits 1.
TEST(ApplyCliCloud, ACloudTypeWithoutAProviderFailsClearly) {
  testing::TempDir dir;
  dir.Write("infra.yaml", "user_id: u\ninfra_name: s\n"
                          "nodes: [{name: vm, type: vm}]\n");
  dir.Write("nodes/node_definitions.yaml",
            "'node_def:vm': [{resource: {type: nova, endpoint: e, "
            "image_id: i, flavor_name: f, project_id: p}}]\n");
  std::string occam = "cd " + dir.path().string() + " && " +
                      testing::OccamBinary();
  CommandResult r =
      testing::RunCommand(occam + " apply -f infra.yaml --auto-approve");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos,
            r.out.find("Error: vm[0]: occam can plan resource type 'nova' but "
                       "has no provider to apply it yet; use ec2, process, "
                       "docker, docker_service, exec or dummy, or write an exec "
                       "provider for it (docs/providers.md)"))
      << r.out;
  EXPECT_EQ("", testing::RunCommand(occam + " state list").out);
}

// apply -json streams Terraform's machine-readable UI: JSON lines only,
// every one with @level, @message, @module, @timestamp and type; the
// hooks name the resource as Terraform does (docs: README).
TEST_F(ApplyCliTest, JsonIsTerraformsMachineReadableUi) {
  CommandResult r = testing::RunCommand(
      "cd " + (dir_.path() / "micado").string() + " && " +
      testing::OccamBinary() + " apply -f infra.yaml -auto-approve -json 2>/dev/null");
  ASSERT_EQ(0, r.exit_code) << r.out;
  std::istringstream lines(r.out);
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(e.is_object()) << "not JSON: " << line;
    for (const char* key : {"@level", "@message", "@module", "@timestamp", "type"}) {
      EXPECT_TRUE(e.contains(key)) << key << " in " << line;
    }
    events.push_back(e);
  }
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ("version", events.front()["type"]);
  EXPECT_EQ("1.0", events.front()["ui"]);
  // Terraform's order: the summary, then the outputs ({"NAME": {"sensitive",
  // "type", "value"}}; one per node type, its instances with their ids).
  ASSERT_GE(events.size(), 3u);
  const nlohmann::json& summary = events[events.size() - 2];
  EXPECT_EQ("change_summary", summary["type"]);
  EXPECT_EQ("apply", summary["changes"]["operation"]);
  EXPECT_EQ(3, summary["changes"]["add"]);
  const nlohmann::json& outputs = events.back();
  EXPECT_EQ("outputs", outputs["type"]);
  StateSnapshot state = State();
  for (const char* node : {"db", "manager", "app"}) {
    const nlohmann::json& o = outputs["outputs"][node];
    EXPECT_EQ(false, o["sensitive"]) << outputs;
    EXPECT_TRUE(o["type"].is_array()) << outputs;
    ASSERT_EQ(1u, o["value"].size()) << outputs;
    EXPECT_EQ(state.instances.at(std::string(node) + "[0]").provider_id,
              o["value"][0]["id"]) << outputs;
  }
  for (const char* address : {"db[0]", "manager[0]", "app[0]"}) {
    int planned = 0, starts = 0, completes = 0;
    for (const nlohmann::json& e : events) {
      const nlohmann::json& body = e.contains("hook") ? e["hook"] : e.contains("change") ? e["change"] : nlohmann::json();
      // Terraform's TYPE.NAME[KEY], with the parts beside it.
      if (!body.is_object() || body["resource"]["addr"] != "process." + std::string(address)) continue;
      EXPECT_EQ(body["resource"]["addr"], body["resource"]["resource"]) << e;
      EXPECT_EQ(address, body["resource"]["resource_name"].get<std::string>() + "[0]") << e;
      EXPECT_EQ(0, body["resource"]["resource_key"]) << e;
      EXPECT_EQ("create", body["action"]) << e;
      EXPECT_EQ("process", body["resource"]["resource_type"]) << e;
      if (e["type"] == "planned_change") ++planned;
      if (e["type"] == "apply_start") ++starts;
      if (e["type"] == "apply_complete") {
        ++completes;
        EXPECT_EQ(state.instances.at(address).provider_id, body["id_value"]) << e;
        EXPECT_TRUE(body["elapsed_seconds"].is_number()) << e;
      }
    }
    EXPECT_EQ(1, planned) << address;
    EXPECT_EQ(1, starts) << address;
    EXPECT_EQ(1, completes) << address;
  }
}

// A failed create is an apply_errored hook and error diagnostics; still
// only JSON (jq -c . reads every line).
TEST_F(ApplyCliTest, JsonUiReportsAFailureAsJson) {
  dir_.Write("micado/nodes/node_definitions.yaml",
             "'node_def:db':\n  - resource: {type: process, command: [/nonexistent/db]}\n"
             "'node_def:manager':\n  - resource: {type: dummy}\n"
             "'node_def:app':\n  - resource: {type: dummy}\n");
  if (testing::RunCommand("command -v jq").exit_code != 0) {
    GTEST_SKIP() << "jq is not installed";
  }
  std::string dir = (dir_.path() / "micado").string();
  CommandResult apply = testing::RunCommand(
      "cd " + dir + " && " + testing::OccamBinary() +
      " apply -f infra.yaml -auto-approve -json 2>/dev/null > ui.raw");
  EXPECT_EQ(1, apply.exit_code);
  CommandResult jq = testing::RunCommand("cd " + dir + " && jq -c . ui.raw > ui.jsonl");
  EXPECT_EQ(0, jq.exit_code) << jq.out;
  std::ifstream in(dir_.Path("micado/ui.jsonl"));
  std::string all((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(std::string::npos, all.find("\"type\":\"apply_errored\"")) << all;
  EXPECT_NE(std::string::npos, all.find("\"severity\":\"error\"")) << all;
  // The failed create's diagnostic, as Terraform's: the resource in its own
  // field, a summary that does not repeat it, the whole error as detail.
  bool found = false;
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json e = nlohmann::json::parse(line);
    if (e["type"] != "diagnostic" || !e["diagnostic"].contains("address")) continue;
    found = true;
    EXPECT_EQ("process.db[0]", e["diagnostic"]["address"]) << line;
    std::string summary = e["diagnostic"]["summary"];
    EXPECT_EQ(std::string::npos, summary.find("db[0]: ")) << line;
    EXPECT_FALSE(summary.empty()) << line;
    EXPECT_NE(std::string::npos, e["diagnostic"]["detail"].get<std::string>().find(summary))
        << line;
  }
  EXPECT_TRUE(found) << all;
  EXPECT_EQ(std::string::npos, all.find("\"type\":\"change_summary\",\"changes\":{\"add\":0,\"change\":0,\"import\":0,\"operation\":\"apply\"")) << all;
}

TEST_F(ApplyCliTest, JsonNeverPromptsForApproval) {
  CommandResult r = Occam("apply -f infra.yaml -json < /dev/null");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos,
            r.out.find("-json never asks for approval: pass -auto-approve, or "
                       "apply a saved plan"))
      << r.out;
  EXPECT_TRUE(State().instances.empty());
}

TEST_F(ApplyCliTest, ConfirmationIsRequired) {
  CommandResult no = Occam("apply -f infra.yaml < /dev/null");
  EXPECT_EQ(1, no.exit_code);
  EXPECT_NE(std::string::npos, no.out.find("Apply cancelled.")) << no.out;
  EXPECT_TRUE(State().instances.empty());
  CommandResult yes = Occam("apply -f infra.yaml", "echo yes |");
  EXPECT_EQ(0, yes.exit_code) << yes.out;
  ExpectConverged(3);
}

TEST_F(ApplyCliTest, FailedCreateExitsOneAndKeepsWhatSucceeded) {
  std::string nodes = (dir_.path() / "micado/nodes/node_definitions.yaml").string();
  std::string text;
  {
    std::ifstream in(nodes);
    std::stringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  text.replace(text.find("'node_def:manager':\n  - resource:\n      type: process\n"
                         "      command: [sh, -c, \"exec sleep 100000\"]"),
               std::string("'node_def:manager':\n  - resource:\n      type: process\n"
                           "      command: [sh, -c, \"exec sleep 100000\"]").size(),
               "'node_def:manager':\n  - resource:\n      type: process\n"
               "      command: [sh, -c, \"exit 7\"]");
  std::ofstream(nodes) << text;
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve");
  EXPECT_EQ(1, apply.exit_code);
  EXPECT_NE(std::string::npos,
            apply.out.find("Error: manager[0]: the process exited "
                           "at once with status 7"))
      << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("app[0]: Skipped: not started: "
                                              "it depends on manager[0], which "
                                              "failed"))
      << apply.out;
  StateSnapshot s = State();
  EXPECT_EQ(InstanceStatus::kReady, s.instances.at("db[0]").status);
  EXPECT_EQ(InstanceStatus::kTainted, s.instances.at("manager[0]").status);
  EXPECT_EQ(0u, s.instances.count("app[0]"));
}

// Ctrl-C: no new work starts, running calls finish and are recorded, the
// lock is released, and the next apply finishes the job.
// Synchronised on the apply's own progress: the interrupt follows the first
// completion line the apply prints, and each slow instance takes 2 s, so no
// polling delay on a loaded machine lets the apply finish first (the old
// version, six 0.3 s instances, lost that race once in 70 runs). Into a
// pipe occam flushes progress at most ten times a second, so that first
// line is fast[0]'s or, at the latest, w[0]'s: at most three instances.
TEST_F(ApplyCliTest, InterruptStopsStartingWorkAndSaves) {
  dir_.Write("slow/infra.yaml",
             "user_id: u\ninfra_name: slow\nnodes:\n"
             "  - {name: fast, type: fast}\n"
             "  - {name: w, type: w, scaling: {min: 5}}\n"
             "dependencies: [[w, fast]]\n");
  dir_.Write("slow/nodes/node_definitions.yaml",
             "'node_def:fast': [{resource: {type: dummy}}]\n"
             "'node_def:w': [{resource: {type: dummy, delay: 2}}]\n");
  CommandResult r = testing::RunCommand(
      "cd " + dir_.Path("slow") + " && (" + testing::OccamBinary() +
      " apply -f infra.yaml --auto-approve --parallelism 1 > out.txt 2>&1 & "
      "pid=$!; for i in $(seq 400); do grep -q 'Creation complete' out.txt "
      "&& break; sleep 0.05; done; kill -INT $pid; wait $pid; s=$?; "
      "cat out.txt; exit $s)");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Interrupt received.")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("not started: occam was interrupted"))
      << r.out;
  std::unique_ptr<SqliteStateStore> store;
  ASSERT_TRUE(SqliteStateStore::Open(dir_.Path("slow/occam.db"), {}, &store).ok());
  StateSnapshot s;
  ASSERT_TRUE(store->Load(&s).ok());
  size_t done = s.instances.size();
  EXPECT_GE(done, 1u);  // fast[0]
  EXPECT_LE(done, 3u);  // w[0], and the one running when interrupted
  for (const auto& [address, instance] : s.instances) {
    EXPECT_EQ(InstanceStatus::kReady, instance.status) << address;
  }
  std::optional<LockInfo> lock;
  ASSERT_TRUE(store->CurrentLock(&lock).ok());
  EXPECT_FALSE(lock.has_value());
  CommandResult rest = testing::RunCommand(
      "cd " + dir_.Path("slow") + " && " + testing::OccamBinary() +
      " apply -f infra.yaml --auto-approve");
  EXPECT_EQ(0, rest.exit_code) << rest.out;
  EXPECT_NE(std::string::npos,
            rest.out.find("Resources: " + std::to_string(6 - done) + " added"))
      << rest.out;
}

// Kills occam with SIGKILL right after each state commit of an apply, then
// applies again: the result is exactly the descriptor's instances, each one
// process, with no duplicate and no orphan.
TEST_F(ApplyCliTest, KillAtEveryCommitThenConverge) {
  // A full apply of 5 instances commits the counts, an intent and a result
  // per instance, and the closing event: 12 commits.
  for (int k = 1; k <= 12; ++k) {
    SCOPED_TRACE("crash after commit " + std::to_string(k));
    // destroy forgets the counts: scale again every round.
    ASSERT_EQ(0, Occam("scale app 3 -f infra.yaml").exit_code);
    CommandResult crashed =
        Occam("apply -f infra.yaml --auto-approve --parallelism 1",
              "OCCAM_CRASH_AFTER_COMMIT=" + std::to_string(k));
    EXPECT_EQ(128 + SIGKILL, crashed.exit_code) << crashed.out;
    // No manual step: the killed apply's lock is taken over, saying so.
    CommandResult rerun = Occam("apply -f infra.yaml --auto-approve");
    ASSERT_EQ(0, rerun.exit_code) << rerun.out;
    EXPECT_NE(std::string::npos,
              rerun.out.find("occam: took over the state lock "))
        << rerun.out;
    ExpectConverged(5);
    // Back to nothing for the next round.
    ASSERT_EQ(0, Occam("destroy --auto-approve").exit_code);
    EXPECT_TRUE(ProcessesOf(Lineage()).empty());
  }
}

// The same at the default parallelism, where one transaction carries the
// intents and results of several app instances: killed before or after
// any of its commits, the apply converges on the rerun.
TEST_F(ApplyCliTest, KillDuringAParallelApplyThenConverge) {
  // db, then manager, then four apps: at least eight commits (the counts,
  // two each for db and manager, one or more for the apps' intents and for
  // their results, the closing event).
  for (const char* when : {"AFTER", "BEFORE"}) {
    for (int k = 1; k <= 8; ++k) {
      SCOPED_TRACE(std::string("crash ") + when + " commit " + std::to_string(k));
      ASSERT_EQ(0, Occam("scale app 4 -f infra.yaml").exit_code);
      CommandResult crashed = Occam(
          "apply -f infra.yaml --auto-approve",
          std::string("OCCAM_CRASH_") + when + "_COMMIT=" + std::to_string(k));
      EXPECT_EQ(128 + SIGKILL, crashed.exit_code) << crashed.out;
      CommandResult rerun = Occam("apply -f infra.yaml --auto-approve");
      ASSERT_EQ(0, rerun.exit_code) << rerun.out;
      ExpectConverged(6);
      ASSERT_EQ(0, Occam("destroy --auto-approve").exit_code);
      EXPECT_TRUE(ProcessesOf(Lineage()).empty());
    }
  }
}

TEST_F(ApplyCliTest, KillDuringScaleDownThenConverge) {
  ASSERT_EQ(0, Occam("scale app 4 -f infra.yaml").exit_code);
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  ASSERT_EQ(0, Occam("scale app 1 -f infra.yaml").exit_code);
  // Counts, then an intent and a removal per deleted instance.
  for (int k = 1; k <= 3; ++k) {
    CommandResult crashed =
        Occam("apply -f infra.yaml --auto-approve --parallelism 1",
              "OCCAM_CRASH_AFTER_COMMIT=" + std::to_string(k));
    EXPECT_EQ(128 + SIGKILL, crashed.exit_code) << crashed.out;
  }
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  ExpectConverged(3);
}

// A create-before-destroy replacement killed at each of its commits, before
// and after writing it: the rerun leaves one process per instance, the new
// configuration running, and no deposed object anywhere.
TEST_F(ApplyCliTest, KillDuringCreateBeforeDestroyThenConverge) {
  std::string infra = (dir_.path() / "micado/infra.yaml").string();
  auto set_message = [&](const std::string& message) {
    std::ifstream in(infra);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text = std::regex_replace(text, std::regex("app_message: .*"),
                              "app_message: \"" + message + "\"");
    if (message == "m0") {
      text = std::regex_replace(text, std::regex("    type: app\n"),
                                "    type: app\n    lifecycle: {create_before_destroy: true}\n");
    }
    std::ofstream(infra) << text;
  };
  set_message("m0");
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  int round = 0;
  // The counts, the intent (old object deposed), the successor, the old
  // object's removal, the closing event.
  for (const char* when : {"AFTER", "BEFORE"}) {
    for (int k = 1; k <= 5; ++k) {
      SCOPED_TRACE(std::string("crash ") + when + " commit " + std::to_string(k));
      std::string message = "m" + std::to_string(++round);
      set_message(message);
      CommandResult plan = Occam("plan -f infra.yaml");
      EXPECT_NE(std::string::npos, plan.out.find("+/- resource \"process\" \"app\""))
          << plan.out;
      CommandResult crashed = Occam(
          "apply -f infra.yaml --auto-approve --parallelism 1",
          std::string("OCCAM_CRASH_") + when + "_COMMIT=" + std::to_string(k));
      EXPECT_EQ(128 + SIGKILL, crashed.exit_code) << crashed.out;
      CommandResult rerun = Occam("apply -f infra.yaml --auto-approve");
      ASSERT_EQ(0, rerun.exit_code) << rerun.out;
      ExpectConverged(3);
      StateSnapshot s = State();
      for (const auto& [address, r] : s.instances) EXPECT_EQ("", r.deposed) << address;
      int pid = s.instances.at("app[0]").outputs.value().value("pid", 0);
      std::ifstream env("/proc/" + std::to_string(pid) + "/environ");
      std::string vars((std::istreambuf_iterator<char>(env)), {});
      EXPECT_NE(std::string::npos, vars.find("MESSAGE=" + message + '\0'));
    }
  }
}

// Progress lines name the object as its provider does: an exec provider's
// id without the program occam keeps in front of it.
TEST(ApplyCliExec, ProgressShowsTheObjectIdNotTheProgram) {
  testing::TempDir dir;
  dir.Write("infra.yaml", "user_id: u\ninfra_name: files\n"
                          "nodes: [{name: f, type: f}]\n");
  dir.Write("nodes/node_definitions.yaml",
            "'node_def:f': [{resource: {type: exec, program: [python3, '" +
                testing::SourceDir() +
                "/examples/exec-provider/file_provider.py'], "
                "config: {dir: objects}}}]\n");
  CommandResult r = testing::RunCommand(
      "cd " + dir.path().string() + " && " + testing::OccamBinary() +
      " apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex("f\\[0\\]: Creation complete after [0-9.]+s "
                        "\\[id=[0-9a-f]{32}\\]\n")))
      << r.out;
  std::string progress = r.out.substr(r.out.find("f[0]: Creating..."));
  EXPECT_EQ(std::string::npos, progress.find("python3")) << progress;
}

}  // namespace
}  // namespace occam
