// Security and safety of the occam binary end to end: secrets stay masked
// in every rendering, state and plan files are private, the state lock
// cannot be taken from a live holder, and a bad --state is refused.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "state/sqlite_state_store.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;
using testing::RunCommand;

// The secret values of the descriptor below; no output may contain them.
const char kPassword[] = "hunter2-db";
const char kToken[] = "tok-3f9a1c";

const char kDefinitions[] =
    "'node_def:db': [{resource: {type: dummy, attributes: "
    "{password: '{{variables.db_password}}'}}}]\n"
    "'node_def:app': [{resource: {type: dummy, attributes: "
    "{api_token: tok-3f9a1c, message: hello}}}]\n";

std::string Infra(bool with_db) {
  std::string nodes = "nodes:\n"
                      "  - {name: app, type: app, scaling: {min: 1, max: 3}}\n";
  if (with_db) nodes += "  - {name: db, type: db}\n";
  return "user_id: u\ninfra_name: secrets\n" + nodes +
         "variables: {db_password: hunter2-db}\n";
}

class SecurityCliTest : public ::testing::Test {
 protected:
  SecurityCliTest() {
    dir_.Write("infra.yaml", Infra(true));
    dir_.Write("nodes/node_definitions.yaml", kDefinitions);
  }

  CommandResult Occam(const std::string& args) {
    return RunCommand("cd " + dir_.path().string() + " && " +
                      testing::OccamBinary() + " " + args);
  }

  // Runs `args`, expects it to succeed and its output to hold neither
  // secret, and (when it shows values) masked values instead.
  void ExpectMasked(const std::string& args, bool shows_values = true) {
    SCOPED_TRACE(args);
    CommandResult r = Occam(args);
    EXPECT_EQ(0, r.exit_code) << r.out;
    EXPECT_EQ(std::string::npos, r.out.find(kPassword)) << r.out;
    EXPECT_EQ(std::string::npos, r.out.find(kToken)) << r.out;
    if (shows_values) {
      EXPECT_NE(std::string::npos, r.out.find("(sensitive value)")) << r.out;
    }
  }

  testing::TempDir dir_;
};

TEST_F(SecurityCliTest, SecretsOfDeletedInstancesAreMaskedEverywhere) {
  ASSERT_EQ(0, Occam("scale app 3 -f infra.yaml").exit_code);
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  // A scale-down deletes app[2]; the removed node type deletes db[0].
  ASSERT_EQ(0, Occam("scale app 2 -f infra.yaml").exit_code);
  dir_.Write("infra.yaml", Infra(false));
  for (const char* format : {"", " --markdown"}) {
    ExpectMasked(std::string("plan -f infra.yaml") + format);
  }
  // The JSON UI names changes only: nothing to mask, nothing leaked.
  ExpectMasked("plan -f infra.yaml --json", /*shows_values=*/false);
  ExpectMasked("plan -f infra.yaml --out deletes.plan");
  for (const char* format : {"", " --json", " --markdown"}) {
    ExpectMasked(std::string("show deletes.plan") + format);
  }
  ExpectMasked("apply deletes.plan --auto-approve", /*shows_values=*/false);
  ExpectMasked("destroy --auto-approve");
}

// A state that may only be read (a backup, a read-only mount, another
// user's) can still be listed, shown, its history read and planned from
// with -lock=false; commands that need the lock say how to plan anyway.
// As root the permissions would not apply, so the commands run as nobody.
TEST_F(SecurityCliTest, AReadOnlyStateCanBeRead) {
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  std::filesystem::path dir = dir_.path();
  ASSERT_EQ(0, chmod(dir.c_str(), 0555));
  ASSERT_EQ(0, chmod((dir / "occam.db").c_str(), 0444));
  auto as_reader = [&](const std::string& args) {
    std::string command = "cd " + dir.string() + " && " +
                          testing::OccamBinary() + " " + args;
    if (geteuid() != 0) return RunCommand(command);
    return RunCommand("su nobody -s /bin/sh -c '" + command + "'");
  };
  CommandResult list = as_reader("state list");
  EXPECT_EQ(0, list.exit_code) << list.out;
  EXPECT_EQ("app[0]\ndb[0]\n", list.out);
  CommandResult show = as_reader("state show db[0]");
  EXPECT_EQ(0, show.exit_code) << show.out;
  EXPECT_EQ(std::string::npos, show.out.find(kPassword));
  CommandResult history = as_reader("history --limit 1");
  EXPECT_EQ(0, history.exit_code) << history.out;
  EXPECT_NE(std::string::npos, history.out.find("apply: 2 added")) << history.out;
  CommandResult plan = as_reader("plan -f infra.yaml -lock=false -detailed-exitcode");
  EXPECT_EQ(0, plan.exit_code) << plan.out;
  CommandResult locked = as_reader("plan -f infra.yaml");
  EXPECT_EQ(1, locked.exit_code) << locked.out;
  EXPECT_NE(std::string::npos, locked.out.find("-lock=false")) << locked.out;
  chmod(dir.c_str(), 0755);
  chmod((dir / "occam.db").c_str(), 0600);
  // Nothing was written: no -wal, -shm or journal files appeared.
  EXPECT_FALSE(std::filesystem::exists(dir / "occam.db-journal"));
}

// On a read-only mount plan blamed a missing file ("unable to open
// database file (No such file or directory)"). It says the state cannot be
// written, and how to plan anyway. Needs root (a bind mount).
TEST_F(SecurityCliTest, AStateOnAReadOnlyMountSaysSo) {
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  std::filesystem::path ro = dir_.path().string() + "-ro";
  std::filesystem::create_directory(ro);
  if (geteuid() != 0 ||
      RunCommand("mount --bind " + dir_.path().string() + " " + ro.string() +
                 " && mount -o remount,bind,ro " + ro.string())
              .exit_code != 0) {
    RunCommand("umount " + ro.string() + " 2>/dev/null");
    std::filesystem::remove(ro);
    GTEST_SKIP() << "cannot make a read-only bind mount here (needs root)";
  }
  auto in_ro = [&](const std::string& args) {
    return RunCommand("cd " + ro.string() + " && " + testing::OccamBinary() + " " + args);
  };
  CommandResult plan = in_ro("plan -f infra.yaml");
  CommandResult unlocked = in_ro("plan -f infra.yaml -lock=false -detailed-exitcode");
  RunCommand("umount " + ro.string());
  std::filesystem::remove(ro);
  EXPECT_EQ(1, plan.exit_code) << plan.out;
  EXPECT_NE(std::string::npos,
            plan.out.find("Error: cannot write the state occam.db: Read-only file system; "
                          "this command records in the state (it takes the lock). Commands "
                          "that only read work: occam plan -lock=false"))
      << plan.out;
  EXPECT_EQ(std::string::npos, plan.out.find("No such file")) << plan.out;
  EXPECT_EQ(0, unlocked.exit_code) << unlocked.out;
}

// A full disk: the apply said "cannot read occam.db", marked everything
// left "interrupted" and printed no summary. Now it says the state could
// not be written, what was recorded, and the next apply, with room again,
// finishes with nothing lost. Needs root (a 400 KiB tmpfs).
TEST(FullDiskTest, AnApplyOnAFullDiskSaysSoAndTheNextFinishes) {
  testing::TempDir dir;
  std::filesystem::path small = dir.path() / "small";
  std::filesystem::create_directory(small);
  if (geteuid() != 0 ||
      RunCommand("mount -t tmpfs -o size=400k tmpfs " + small.string()).exit_code != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root)";
  }
  std::filesystem::create_directory(small / "nodes");
  RunCommand("printf \"'node_def:a': [{resource: {type: dummy}}]\\n\" > " +
             (small / "nodes/node_definitions.yaml").string());
  RunCommand("printf 'user_id: u\\ninfra_name: full\\nnodes: [{name: a, type: a, "
             "scaling: {min: 3000, max: 3000}}]\\n' > " + (small / "infra.yaml").string());
  auto apply = [&] {
    return RunCommand("cd " + small.string() + " && " + testing::OccamBinary() +
                      " apply -f infra.yaml --auto-approve 2>&1 | tail -4");
  };
  CommandResult full = apply();
  RunCommand("mount -o remount,size=64m " + small.string());
  CommandResult again = apply();
  CommandResult list = RunCommand("cd " + small.string() + " && " + testing::OccamBinary() +
                                  " state list | wc -l");
  RunCommand("umount " + small.string());
  EXPECT_NE(std::string::npos,
            full.out.find("Error: cannot write occam.db: database or disk is full"))
      << full.out;
  EXPECT_NE(std::string::npos, full.out.find("Recorded in the state before it could not be "
                                             "written: "))
      << full.out;
  EXPECT_NE(std::string::npos, full.out.find("not started: the state could not be written"))
      << full.out;
  EXPECT_EQ(std::string::npos, full.out.find("interrupted")) << full.out;
  EXPECT_NE(std::string::npos, again.out.find("Apply complete!")) << again.out;
  EXPECT_EQ("3000\n", list.out);
}

TEST_F(SecurityCliTest, StateShowMasksSecrets) {
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  ExpectMasked("state show db[0]");
  ExpectMasked("state show app[0]");
}

TEST_F(SecurityCliTest, AStateThatWouldNotBeKeptIsRefused) {
  for (const char* state : {"''", ":memory:"}) {
    CommandResult r = Occam(std::string("apply -f infra.yaml --auto-approve "
                                        "--state ") + state);
    EXPECT_EQ(1, r.exit_code) << r.out;
    EXPECT_NE(std::string::npos, r.out.find("is not a state file; name a "
                                            "file with --state"))
        << r.out;
    EXPECT_EQ(std::string::npos, r.out.find("Apply complete")) << r.out;
  }
}

// What comes from outside (a descriptor's keys, alert labels in the event
// log) is shown, never obeyed: no escape sequence reaches the terminal.
TEST_F(SecurityCliTest, EscapeSequencesAreShownNotSentToTheTerminal) {
  dir_.Write("infra.yaml", Infra(true) + "\"\\e]0;pwned\\a\\e[2J\": 1\n");
  CommandResult bad = Occam("validate -f infra.yaml");
  EXPECT_EQ(1, bad.exit_code);
  EXPECT_EQ(std::string::npos, bad.out.find('\x1b')) << bad.out;
  EXPECT_NE(std::string::npos, bad.out.find("\\x1b]0;pwned\\x07\\x1b[2J"))
      << bad.out;

  dir_.Write("infra.yaml", Infra(true));
  ASSERT_EQ(0, Occam("scale app 2 -f infra.yaml").exit_code);
  std::unique_ptr<SqliteStateStore> store;
  ASSERT_TRUE(SqliteStateStore::Open(dir_.Path("occam.db"), {}, &store).ok());
  StateChange change;
  Event e;
  e.kind = "alert";
  e.node = "app";
  e.message = "alert app_overloaded\x1b[8m (hidden)";
  e.detail = {{"cause", "alert\x1b[31m"}};
  change.events.push_back(e);
  int64_t serial = 0;
  ASSERT_TRUE(store->Commit(change, &serial).ok());
  CommandResult history = Occam("history");
  EXPECT_EQ(0, history.exit_code);
  EXPECT_EQ(std::string::npos, history.out.find('\x1b')) << history.out;
  EXPECT_NE(std::string::npos,
            history.out.find("alert app_overloaded\\x1b[8m (hidden)  "
                             "[alert\\x1b[31m]"))
      << history.out;
}

TEST_F(SecurityCliTest, AHugeNameIsNotEchoedWhole) {
  dir_.Write("infra.yaml", "user_id: u\ninfra_name: " +
                               std::string(10 << 20, 'X') +
                               "\nnodes: [{name: app, type: app}]\n");
  CommandResult r = Occam("validate -f infra.yaml");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_LT(r.out.size(), 1000u) << r.out.substr(0, 2000);
  EXPECT_NE(std::string::npos, r.out.find("(10485760 bytes)' is not a valid "
                                          "name"))
      << r.out.substr(0, 2000);
}

}  // namespace
}  // namespace occam
