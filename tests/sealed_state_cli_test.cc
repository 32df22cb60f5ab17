// Secrets sealed at rest, end to end with the occam binary: with a state
// key no secret is written in plain text to the state file, its WAL, a
// PostgreSQL state (pg_dump) or a saved plan; without the key the state
// can still be listed, its history read and planned from, and commands
// that hand secrets to providers refuse before changing anything; rekey
// seals a plain state and rotates keys.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/postgres_server.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;
using testing::RunCommand;

const char* const kSecrets[] = {"hunter2-db", "tok-3f9a1c", "cli-var-s3cr3t"};

const char kDefinitions[] =
    "'node_def:db': [{resource: {type: dummy, attributes: "
    "{password: '{{variables.db_password}}'}}}]\n"
    "'node_def:app': [{resource: {type: dummy, attributes: "
    "{api_token: tok-3f9a1c, message: '{{variables.message}}'}}}]\n";

const char kInfra[] =
    "user_id: u\ninfra_name: sealed\n"
    "nodes:\n"
    "  - {name: app, type: app, scaling: {min: 1, max: 3}}\n"
    "  - {name: db, type: db}\n"
    "variables: {db_password: hunter2-db, message: hello, admin_password: x}\n";

class SealedStateCliTest : public ::testing::Test {
 protected:
  SealedStateCliTest() {
    dir_.Write("infra.yaml", kInfra);
    dir_.Write("nodes/node_definitions.yaml", kDefinitions);
  }

  // occam ARGS in the test's folder, with `env` ("OCCAM_STATE_KEY_FILE=…")
  // before it.
  CommandResult Occam(const std::string& args, const std::string& env = "") {
    return RunCommand("cd " + dir_.path().string() + " && " + env + " " +
                      testing::OccamBinary() + " " + args + " 2>&1");
  }
  // A new key file, and the variable that names it.
  std::string NewKey(const std::string& name) {
    CommandResult r = Occam("state keygen --out " + name);
    EXPECT_EQ(0, r.exit_code) << r.out;
    return "OCCAM_STATE_KEY_FILE=" + dir_.Path(name);
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_.Path(name), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Every file of the state (the database, its WAL and shared memory).
  void ExpectNoSecretIn(const std::string& prefix) {
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) != 0) continue;
      ++files;
      std::string bytes = Read(name);
      for (const char* secret : kSecrets) {
        EXPECT_EQ(std::string::npos, bytes.find(secret)) << secret << " in " << name;
      }
    }
    EXPECT_GT(files, 0) << prefix;
  }
  int64_t Serial() {
    CommandResult r = Occam("show -json");
    size_t at = r.out.find("\"serial\":");
    return at == std::string::npos ? -1 : std::stoll(r.out.substr(at + 9));
  }

  testing::TempDir dir_;
};

TEST_F(SealedStateCliTest, WithAKeyNoSecretReachesTheStateFileOrASavedPlan) {
  std::string key = NewKey("state.key");
  const std::string var = " -var api_password=cli-var-s3cr3t";
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve" + var, key);
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  ExpectNoSecretIn("occam.db");
  // With the key nothing differs; the secrets compare as they are.
  CommandResult plan = Occam("plan -f infra.yaml -detailed-exitcode" + var, key);
  EXPECT_EQ(0, plan.exit_code) << plan.out;
  EXPECT_EQ(std::string::npos, plan.out.find("sealed")) << plan.out;

  // A changed secret is a change; the saved plan holds it sealed.
  dir_.Write("infra.yaml", std::string(kInfra) + "\n");
  std::string infra = Read("infra.yaml");
  infra.replace(infra.find("hunter2-db"), 10, "hunter2-db-2");
  dir_.Write("infra.yaml", infra);
  plan = Occam("plan -f infra.yaml --out change.plan" + var, key);
  ASSERT_EQ(0, plan.exit_code) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("1 to change")) << plan.out;
  ExpectNoSecretIn("change.plan");
  EXPECT_EQ(std::string::npos, Read("change.plan").find("hunter2-db-2"));
  // Shown without the key: the changed secret is masked, nothing fails.
  CommandResult show = Occam("show change.plan");
  EXPECT_EQ(0, show.exit_code) << show.out;
  EXPECT_NE(std::string::npos, show.out.find("password = (sensitive value)")) << show.out;
  // Applied without the key: refused, naming the key.
  CommandResult refused = Occam("apply change.plan");
  EXPECT_EQ(1, refused.exit_code) << refused.out;
  EXPECT_NE(std::string::npos, refused.out.find("sealed with key")) << refused.out;
  CommandResult applied = Occam("apply change.plan", key);
  EXPECT_EQ(0, applied.exit_code) << applied.out;
  ExpectNoSecretIn("occam.db");
  EXPECT_EQ(std::string::npos, Read("occam.db").find("hunter2-db-2"));
  plan = Occam("plan -f infra.yaml -detailed-exitcode" + var, key);
  EXPECT_EQ(0, plan.exit_code) << plan.out;
}

TEST_F(SealedStateCliTest, WithoutTheKeyTheStateReadsAndPlansButNothingApplies) {
  std::string key = NewKey("state.key");
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve", key).exit_code);
  int64_t serial = Serial();
  ASSERT_GT(serial, 0);

  CommandResult list = Occam("state list");
  EXPECT_EQ(0, list.exit_code) << list.out;
  EXPECT_EQ("app[0]\ndb[0]\n", list.out);
  CommandResult history = Occam("history --limit 1");
  EXPECT_EQ(0, history.exit_code) << history.out;
  EXPECT_NE(std::string::npos, history.out.find("apply: 2 added")) << history.out;
  CommandResult show = Occam("state show db[0]");
  EXPECT_EQ(0, show.exit_code) << show.out;
  EXPECT_NE(std::string::npos, show.out.find("(sensitive value)")) << show.out;

  // No change: the sealed secrets are taken as unchanged, and said so.
  CommandResult plan = Occam("plan -f infra.yaml -detailed-exitcode");
  EXPECT_EQ(0, plan.exit_code) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("2 secret value(s)")) << plan.out;
  // A change of something that is not secret shows as it is.
  std::string infra = kInfra;
  infra.replace(infra.find("message: hello"), 14, "message: bye");
  dir_.Write("infra.yaml", infra);
  plan = Occam("plan -f infra.yaml -detailed-exitcode");
  EXPECT_EQ(2, plan.exit_code) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("\"hello\" -> \"bye\"")) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("1 to change")) << plan.out;
  // But it is not saved: a saved plan holds the secrets, and only the key
  // seals them.
  CommandResult saved = Occam("plan -f infra.yaml --out keyless.plan");
  EXPECT_EQ(1, saved.exit_code) << saved.out;
  EXPECT_NE(std::string::npos, saved.out.find("not saving the plan")) << saved.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("keyless.plan")));

  // Commands that hand secrets to providers refuse and change nothing.
  for (const char* args : {"apply -f infra.yaml --auto-approve",
                           "destroy -f infra.yaml --auto-approve"}) {
    CommandResult r = Occam(args);
    EXPECT_EQ(1, r.exit_code) << args << "\n" << r.out;
    EXPECT_NE(std::string::npos, r.out.find("OCCAM_STATE_KEY")) << r.out;
  }
  EXPECT_EQ(serial, Serial());
  // With the key, the same apply works.
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve", key);
  EXPECT_EQ(0, apply.exit_code) << apply.out;
  ExpectNoSecretIn("occam.db");
}

TEST_F(SealedStateCliTest, RekeySealsAPlainStateAndRotatesKeys) {
  ASSERT_EQ(0, Occam("apply -f infra.yaml --auto-approve").exit_code);
  EXPECT_NE(std::string::npos, Read("occam.db").find("hunter2-db"));  // as before
  CommandResult no_key = Occam("state rekey");
  EXPECT_EQ(1, no_key.exit_code) << no_key.out;
  EXPECT_NE(std::string::npos, no_key.out.find("occam state keygen")) << no_key.out;

  std::string first = NewKey("first.key");
  CommandResult rekey = Occam("state rekey", first);
  ASSERT_EQ(0, rekey.exit_code) << rekey.out;
  EXPECT_NE(std::string::npos, rekey.out.find("Sealing 2 secret value(s)")) << rekey.out;
  // The plain texts the rows held are gone from the file, its free pages
  // and its WAL.
  ExpectNoSecretIn("occam.db");
  EXPECT_EQ(0, Occam("plan -f infra.yaml -detailed-exitcode", first).exit_code);

  // Another key: refused until the old one is given too.
  std::string second = NewKey("second.key");
  CommandResult wrong = Occam("state rekey", second);
  EXPECT_EQ(1, wrong.exit_code) << wrong.out;
  EXPECT_NE(std::string::npos, wrong.out.find("OCCAM_STATE_OLD_KEY")) << wrong.out;
  std::string old_file = "OCCAM_STATE_OLD_KEY_FILE=" + dir_.Path("first.key");
  rekey = Occam("state rekey", second + " " + old_file);
  ASSERT_EQ(0, rekey.exit_code) << rekey.out;
  EXPECT_EQ(0, Occam("plan -f infra.yaml -detailed-exitcode", second).exit_code);
  // The first key no longer opens the state.
  CommandResult old = Occam("apply -f infra.yaml --auto-approve", first);
  EXPECT_EQ(1, old.exit_code) << old.out;
  CommandResult history = Occam("history --limit 1");
  EXPECT_NE(std::string::npos, history.out.find("rekey")) << history.out;
}

TEST_F(SealedStateCliTest, AKeyOthersMayReadOrThatIsNoKeyIsRefused) {
  std::string key = NewKey("state.key");
  chmod(dir_.Path("state.key").c_str(), 0640);
  CommandResult r = Occam("apply -f infra.yaml --auto-approve", key);
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("chmod 600")) << r.out;
  r = Occam("apply -f infra.yaml --auto-approve", "OCCAM_STATE_KEY=hunter2");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("is not a state key")) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("hunter2")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("occam.db")));
  // keygen never overwrites a key.
  r = Occam("state keygen --out state.key");
  EXPECT_EQ(1, r.exit_code) << r.out;
}

TEST_F(SealedStateCliTest, NoSecretInAPostgresDump) {
  OCCAM_REQUIRE_POSTGRES();
  std::string state = testing::NewPostgresState();
  std::string key = NewKey("state.key");
  std::string args = " --state '" + state + "'";
  CommandResult apply = Occam("apply -f infra.yaml --auto-approve -var api_password=cli-var-s3cr3t" + args, key);
  ASSERT_EQ(0, apply.exit_code) << apply.out;
  std::string schema = state.substr(state.find("schema=") + 7);
  CommandResult dump = RunCommand("pg_dump '" + testing::PostgresServer() + "' -n " + schema);
  ASSERT_EQ(0, dump.exit_code) << dump.out;
  EXPECT_NE(std::string::npos, dump.out.find("occam:sealed:v1:")) << dump.out;
  for (const char* secret : kSecrets) {
    EXPECT_EQ(std::string::npos, dump.out.find(secret)) << secret;
  }
  EXPECT_EQ(0, Occam("plan -f infra.yaml -detailed-exitcode -var api_password=cli-var-s3cr3t" + args, key).exit_code);
  EXPECT_EQ(0, Occam("destroy -f infra.yaml --auto-approve" + args, key).exit_code);
  RunCommand("psql '" + testing::PostgresServer() + "' -q -c 'DROP SCHEMA " + schema + " CASCADE'");
}

}  // namespace
}  // namespace occam
