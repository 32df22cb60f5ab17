// The state and plan commands end to end: golden renderings of the example,
// scaling, saved plans, the lock, and state files that are not ours.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "base/clock.h"
#include "state/sqlite_state_store.h"
#include "state/state_lock.h"
#include "tests/ci.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;
using testing::RunCommand;

const char kInfraId[] = "00000000-0000-4000-8000-000000000001";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class PlanCliTest : public ::testing::Test {
 protected:
  PlanCliTest() {
    std::filesystem::copy(testing::SourceDir() + "/examples/micado",
                          dir_.path() / "micado",
                          std::filesystem::copy_options::recursive);
  }

  CommandResult Occam(const std::string& args) {
    return RunCommand("cd " + (dir_.path() / "micado").string() + " && " +
                      testing::OccamBinary() + " " + args);
  }

  // Compares with tests/golden/NAME, or rewrites it when
  // OCCAM_UPDATE_GOLDEN is set - and then fails, so that an update is
  // always a diff someone reviews, never a silent pass.
  void ExpectGolden(const std::string& name, const std::string& actual) {
    std::string path = testing::SourceDir() + "/tests/golden/" + name;
    if (std::getenv("OCCAM_UPDATE_GOLDEN")) {
      std::ofstream(path) << actual;
      ADD_FAILURE() << "rewrote " << path << "; review it with git diff";
      return;
    }
    EXPECT_EQ(ReadFile(path), actual) << "golden file " << path;
  }

  testing::TempDir dir_;
};

TEST_F(PlanCliTest, GoldenText) {
  CommandResult r = Occam("plan -f infra.yaml --infra-id " +
                          std::string(kInfraId));
  EXPECT_EQ(0, r.exit_code);
  ExpectGolden("micado_plan.txt", r.out);
}

TEST_F(PlanCliTest, GoldenJson) {
  // The plan document, as Terraform gives it: plan -out, then show -json.
  ASSERT_EQ(0, Occam("plan -f infra.yaml -out=p --infra-id " +
                     std::string(kInfraId)).exit_code);
  CommandResult r = Occam("show -json p");
  ASSERT_EQ(0, r.exit_code) << r.out;
  nlohmann::json plan = nlohmann::json::parse(r.out);
  // The lineage is a new UUID with every state.
  EXPECT_EQ(36u, plan["occam"]["lineage"].get<std::string>().size());
  plan["occam"]["lineage"] = "LINEAGE";
  ExpectGolden("micado_plan.json", plan.dump(2) + "\n");
}

TEST_F(PlanCliTest, GoldenMarkdown) {
  CommandResult r = Occam("plan -f infra.yaml --markdown --infra-id " +
                          std::string(kInfraId));
  EXPECT_EQ(0, r.exit_code);
  ExpectGolden("micado_plan.md", r.out);
}

// The Markdown as GitHub renders it: cmark-gfm (GitHub's own CommonMark,
// with the table extension; raw HTML kept, as GitHub keeps <details>)
// turns the plan of a scale-up and a changed attribute into a table and
// diff blocks.
TEST_F(PlanCliTest, GoldenMarkdownRendersAsGitHubRendersIt) {
  if (RunCommand("command -v cmark-gfm").exit_code != 0) {
    if (testing::InCi()) FAIL() << "cmark-gfm is missing (scripts/setup installs it)";
    GTEST_SKIP() << "cmark-gfm is not installed (apt-get install cmark-gfm)";
  }
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve --infra-id " +
                     std::string(kInfraId)).exit_code);
  ASSERT_EQ(0, Occam("scale app +1 -f infra.yaml").exit_code);
  CommandResult md = Occam("plan -f infra.yaml --markdown -var app_message=changed -out=p");
  ASSERT_EQ(0, md.exit_code) << md.out;
  CommandResult html = Occam("show p --markdown | cmark-gfm -e table --unsafe");
  // The apply started processes: stop them.
  EXPECT_EQ(0, Occam("destroy --auto-approve").exit_code);
  ASSERT_EQ(0, html.exit_code) << html.out;
  EXPECT_NE(std::string::npos, html.out.find("<table>")) << html.out;
  EXPECT_NE(std::string::npos, html.out.find("<code class=\"language-diff\">")) << html.out;
  ExpectGolden("micado_plan_update.html", html.out);
}

TEST_F(PlanCliTest, GoldenScaleUp) {
  ASSERT_EQ(0, Occam("scale app +2 -f infra.yaml").exit_code);
  CommandResult r = Occam("plan -f infra.yaml");
  EXPECT_EQ(0, r.exit_code);
  ExpectGolden("micado_scaled_plan.txt", r.out);
}

TEST_F(PlanCliTest, DetailedExitCode) {
  EXPECT_EQ(2, Occam("plan -f infra.yaml --detailed-exitcode").exit_code);
  EXPECT_EQ(0, Occam("plan -f infra.yaml").exit_code);
}

TEST_F(PlanCliTest, SavedPlanShowsTheSame) {
  CommandResult plan = Occam("plan -f infra.yaml -out app.plan");
  ASSERT_EQ(0, plan.exit_code) << plan.out;
  EXPECT_NE(std::string::npos,
            plan.out.find("\nSaved the plan to: app.plan\n\nTo perform "
                          "exactly these actions, run:\n  occam apply "
                          "app.plan\n"));
  CommandResult show = Occam("show app.plan");
  EXPECT_EQ(0, show.exit_code);
  EXPECT_EQ(plan.out.substr(0, plan.out.find("\nSaved the plan")), show.out);
  nlohmann::json shown = nlohmann::json::parse(Occam("show app.plan --json").out);
  EXPECT_EQ("1.2", shown["format_version"]);
  EXPECT_EQ(3u, shown["resource_changes"].size());
  CommandResult markdown = Occam("show app.plan --markdown");
  EXPECT_EQ(0, markdown.exit_code);
  EXPECT_EQ(Occam("plan -f infra.yaml --markdown").out, markdown.out);
  CommandResult bad = Occam("show infra.yaml");
  EXPECT_EQ(1, bad.exit_code);
  EXPECT_EQ("Error: infra.yaml is not an occam plan file; make one with "
            "occam plan --out FILE\n",
            bad.out);
}

TEST_F(PlanCliTest, ScaleIsClampedAndRecorded) {
  EXPECT_EQ("app: desired count 1 -> 3.\nRun occam plan to see the "
            "instances this changes.\n",
            Occam("scale app +2 -f infra.yaml").out);
  EXPECT_EQ("app: desired count 3 -> 5 (asked for 12; max is 5).\nRun occam "
            "plan to see the instances this changes.\n",
            Occam("scale app 12 -f infra.yaml").out);
  EXPECT_EQ("app: desired count 5 -> 1 (asked for -5; min is 1).\nRun occam "
            "plan to see the instances this changes.\n",
            Occam("scale app -10 -f infra.yaml").out);
  EXPECT_EQ("app: desired count stays 1 (asked for 0; min is 1).\n",
            Occam("scale app -1 -f infra.yaml").out);
  CommandResult unknown = Occam("scale ap +1 -f infra.yaml");
  EXPECT_EQ(1, unknown.exit_code);
  EXPECT_EQ("Error: no node 'ap' in the descriptor; did you mean 'app'?\n",
            unknown.out);
  CommandResult bad = Occam("scale app lots -f infra.yaml");
  EXPECT_EQ(1, bad.exit_code);
  EXPECT_EQ("Error: 'lots' is not a count change; write +N or -N to add or "
            "remove instances, or N for an exact count\n",
            bad.out);
  CommandResult history = Occam("history");
  EXPECT_EQ(0, history.exit_code);
  std::vector<std::string> lines;
  std::istringstream in(history.out);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line.substr(line.find("  ") + 2));  // drop the time
  }
  EXPECT_EQ((std::vector<std::string>{
                "scale  app  app: desired count stays 1 (asked for 0; min is "
                "1)  [cli]",
                "scale  app  app: desired count 5 -> 1 (asked for -5; min is "
                "1)  [cli]",
                "scale  app  app: desired count 3 -> 5 (asked for 12; max is "
                "5)  [cli]",
                "scale  app  app: desired count 1 -> 3  [cli]"}),
            lines);
}

TEST_F(PlanCliTest, LockedStateIsReported) {
  ASSERT_EQ(0, Occam("plan -f infra.yaml").exit_code);
  std::unique_ptr<SqliteStateStore> store;
  std::string state = (dir_.path() / "micado/occam.db").string();
  ASSERT_TRUE(SqliteStateStore::Open(state, {}, &store).ok());
  std::unique_ptr<StateLock> lock;
  ASSERT_TRUE(StateLock::Acquire(store.get(), "occam.db", "apply",
                                 std::chrono::milliseconds(0), &lock)
                  .ok());
  CommandResult r = Occam("plan -f infra.yaml");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_EQ("Error: the state occam.db is locked by another occam:\n" +
                DescribeLock(lock->info()) +
                "Wait for it to finish, or pass --lock-timeout to wait "
                "longer\n",
            r.out);
}

// occam serve holds the lock only for a round: a command beside it waits
// for the round (saying so) instead of failing at once; `occam scale`
// beside serve failed whenever it met one.
TEST_F(PlanCliTest, ACommandWaitsForServesRound) {
  ASSERT_EQ(0, Occam("plan -f infra.yaml").exit_code);
  std::unique_ptr<SqliteStateStore> store;
  std::string state = (dir_.path() / "micado/occam.db").string();
  ASSERT_TRUE(SqliteStateStore::Open(state, {}, &store).ok());
  std::unique_ptr<StateLock> lock;
  ASSERT_TRUE(StateLock::Acquire(store.get(), "occam.db", "serve",
                                 std::chrono::milliseconds(0), &lock)
                  .ok());
  std::thread round_ends([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    lock.reset();
  });
  auto start = std::chrono::steady_clock::now();
  CommandResult r = Occam("scale app 2 -f infra.yaml");
  auto waited = std::chrono::steady_clock::now() - start;
  round_ends.join();
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos,
            r.out.find("occam: waiting for occam serve (process " + std::to_string(getpid()) +
                       ") to finish its round and release the state lock"))
      << r.out;
  EXPECT_NE(std::string::npos, r.out.find("desired count 1 -> 2")) << r.out;
  EXPECT_GE(waited, std::chrono::milliseconds(1400));
  // Another operation's lock is still reported at once.
  ASSERT_TRUE(StateLock::Acquire(store.get(), "occam.db", "apply",
                                 std::chrono::milliseconds(0), &lock)
                  .ok());
  EXPECT_EQ(1, Occam("scale app 3 -f infra.yaml").exit_code);
}

TEST_F(PlanCliTest, StaleLockIsTakenOverSayingSo) {
  ASSERT_EQ(0, Occam("plan -f infra.yaml").exit_code);
  // A lock left by a process that has died.
  CommandResult dead = RunCommand("sh -c 'echo $$'");
  LockInfo left = ThisProcessLockInfo("apply");
  left.pid = std::stoi(dead.out);
  left.process_start = 1;
  std::unique_ptr<SqliteStateStore> store;
  ASSERT_TRUE(SqliteStateStore::Open((dir_.path() / "micado/occam.db").string(),
                                     {}, &store)
                  .ok());
  LockInfo holder;
  ASSERT_TRUE(store->TryLock(left, &holder).ok());
  CommandResult r = Occam("plan -f infra.yaml");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_EQ(0u, r.out.find("occam: took over the state lock " + left.id +
                           " of apply (process " + std::to_string(left.pid) +
                           ", since " + FormatTimestamp(left.since_ms) +
                           "), which is no longer running\n"))
      << r.out;
  std::optional<LockInfo> now;
  ASSERT_TRUE(store->CurrentLock(&now).ok());
  EXPECT_FALSE(now.has_value());
}

TEST_F(PlanCliTest, ForceUnlockRemovesOnlyALockNobodyRuns) {
  ASSERT_EQ(0, Occam("plan -f infra.yaml").exit_code);
  std::unique_ptr<SqliteStateStore> store;
  ASSERT_TRUE(SqliteStateStore::Open((dir_.path() / "micado/occam.db").string(),
                                     {}, &store)
                  .ok());
  // Held by this test, a running process of this host: a running apply.
  std::unique_ptr<StateLock> lock;
  ASSERT_TRUE(StateLock::Acquire(store.get(), "occam.db", "apply",
                                 std::chrono::milliseconds(0), &lock)
                  .ok());
  CommandResult refused = Occam("force-unlock " + lock->info().id);
  EXPECT_EQ(1, refused.exit_code);
  EXPECT_EQ("Error: the state lock " + lock->info().id +
                " is held by process " + std::to_string(getpid()) +
                " of this host, which is still running:\n" +
                DescribeLock(lock->info()) +
                "Wait for it to finish, or stop it; nothing was changed\n",
            refused.out);
  std::optional<LockInfo> now;
  ASSERT_TRUE(store->CurrentLock(&now).ok());
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(lock->info().id, now->id);
  lock.reset();

  // A lock of a process that has ended (or of another host) can be removed.
  CommandResult dead = RunCommand("sh -c 'echo $$'");
  LockInfo left = ThisProcessLockInfo("apply");
  left.pid = std::stoi(dead.out);
  left.process_start = 1;
  LockInfo holder;
  ASSERT_TRUE(store->TryLock(left, &holder).ok());
  EXPECT_EQ(1, Occam("force-unlock not-the-id").exit_code);
  CommandResult unlock = Occam("force-unlock " + left.id);
  EXPECT_EQ(0, unlock.exit_code);
  EXPECT_EQ("occam state has been successfully unlocked!\n", unlock.out);
  ASSERT_TRUE(store->CurrentLock(&now).ok());
  EXPECT_FALSE(now.has_value());
}

TEST_F(PlanCliTest, ForeignStateFileIsRefusedUntouched) {
  dir_.Write("micado/notes.db", "my notes\n");
  CommandResult r = Occam("plan -f infra.yaml --state notes.db");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_EQ("Error: notes.db is not an occam state file (it is not an SQLite "
            "database); occam has not changed it. Name another file with "
            "--state\n",
            r.out);
  EXPECT_EQ("my notes\n", ReadFile(dir_.Path("micado/notes.db")));
}

TEST_F(PlanCliTest, StateReadCommands) {
  EXPECT_EQ(1, Occam("state list").exit_code);  // no state yet
  ASSERT_EQ(0, Occam("plan -f infra.yaml").exit_code);
  CommandResult list = Occam("state list");
  EXPECT_EQ(0, list.exit_code);
  EXPECT_EQ("", list.out);  // planned, nothing applied
  CommandResult show = Occam("state show app[0]");
  EXPECT_EQ(1, show.exit_code);
  EXPECT_EQ("Error: no instance app[0] in the state; occam state list shows "
            "them\n",
            show.out);
  EXPECT_EQ(1, Occam("plan -f infra.yaml --infra-id other").exit_code);
}

// A full disk was reported as "cannot read occam.db: disk I/O error".
TEST(PlanCliDisk, AFullDiskSaysSo) {
  if (geteuid() != 0) {
    if (std::getenv("CI") && std::string(std::getenv("CI")) == "true") {
      FAIL() << "CI runs as root, to mount a small tmpfs";
    }
    GTEST_SKIP() << "needs root to mount a small tmpfs";
  }
  testing::TempDir dir;
  std::string full = dir.Path("full");
  std::filesystem::create_directories(full);
  ASSERT_EQ(0, RunCommand("mount -t tmpfs -o size=48k tmpfs " + full).exit_code);
  dir.Write("full/infra.yaml",
            "user_id: u\ninfra_name: s\nnodes: [{name: app, type: app}]\n");
  dir.Write("full/nodes/node_definitions.yaml",
            "'node_def:app': [{resource: {type: dummy}}]\n");
  dir.Write("full/filler", std::string(20000, 'x'));
  std::string occam = "cd " + full + " && " + testing::OccamBinary();
  RunCommand(occam + " plan -f infra.yaml");
  RunCommand("dd if=/dev/zero of=" + full + "/filler2 bs=1k count=100");
  CommandResult r = RunCommand(occam + " plan -f infra.yaml");
  RunCommand("umount " + full);
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos,
            r.out.find("(no space left on the device; free some and run "
                       "again: nothing was lost)"))
      << r.out;
}

}  // namespace
}  // namespace occam
