// Terraform's command-line habits through the occam binary: every flag
// spelling, exit codes, -input=false, -lock=false, -target, -var,
// -var-file, -destroy, -no-color/NO_COLOR, version and unknown commands.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "state/sqlite_state_store.h"
#include "state/state_lock.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;
using testing::RunCommand;

// db <- manager <- app, all dummies.
const char kInfra[] = R"(user_id: u
infra_name: flags
variables: {greeting: hello, db: {port: 5432}}
nodes:
  - &DB {name: db, type: db}
  - &M {name: manager, type: node}
  - &A {name: app, type: node, scaling: {min: 2, max: 4}}
dependencies:
  - connection: [*M, *DB]
  - connection: [*A, *M]
)";

const char kNodes[] = R"('node_def:db':
  - resource: {type: dummy, attributes: {port: "{{ variables.db.port }}"}}
'node_def:node':
  - resource: {type: dummy, attributes: {say: "{{ variables.greeting }}"}}
)";

class TerraformFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("infra.yaml", kInfra);
    dir_.Write("nodes/node_definitions.yaml", kNodes);
  }

  CommandResult Occam(const std::string& args, const std::string& env = "") {
    return RunCommand("cd " + dir_.path().string() + " && " + env + " " +
                      testing::OccamBinary() + " " + args + " </dev/null");
  }

  testing::TempDir dir_;
};

TEST_F(TerraformFlagsTest, EverySpellingOfALongOptionWorks) {
  struct Case {
    const char* args;
    int exit_code;
    const char* expect;  // in the output
  };
  for (const Case& c : std::vector<Case>{
           {"plan -f infra.yaml -json", 0, "\"type\":\"change_summary\""},
           {"plan -f infra.yaml --json", 0, "\"type\":\"change_summary\""},
           {"plan -f=infra.yaml -json=true", 0, "\"type\":\"change_summary\""},
           {"plan --file=infra.yaml -no-color", 0, "Plan: 4 to add"},
           {"plan -f infra.yaml -detailed-exitcode", 2, "Plan: 4 to add"},
           {"plan -f infra.yaml --detailed-exitcode -no-color", 2, "Plan: 4 to add"},
           {"plan -f infra.yaml -refresh=false -lock=false", 0, "Plan: 4 to add"},
           {"plan -f infra.yaml -state=other.db -out=p1", 0, "Saved the plan to: p1"},
           {"plan -f infra.yaml -state other.db -out p2", 0, "Saved the plan to: p2"},
           {"plan -f infra.yaml --state=other.db --out=p3", 0, "Saved the plan to: p3"},
           {"plan -f infra.yaml -lock-timeout=1s", 0, "Plan: 4 to add"},
           {"validate -strict -f infra.yaml", 0, "valid: infrastructure 'flags'"},
           {"apply -f infra.yaml -auto-approve -parallelism=2", 0, "Apply complete! Resources: 4 added"},
           {"history -limit=1", 0, "apply"},
       }) {
    CommandResult r = Occam(c.args);
    EXPECT_EQ(c.exit_code, r.exit_code) << c.args << "\n" << r.out;
    EXPECT_NE(std::string::npos, r.out.find(c.expect)) << c.args << "\n" << r.out;
  }
}

TEST_F(TerraformFlagsTest, UsageErrorsExitOneNeverTwo) {
  for (const char* args : {"", "plan -f infra.yaml -bogus",
                           "plan -f infra.yaml --detailed-exitcode -nosuchflag",
                           "apply -f infra.yaml p.plan", "destroy -bogus",
                           "scale", "state show", "taint", "untaint", "state rm",
                           "state mv a", "output -raw", "show", "serve -listen",
                           "plan -chdir=.", "-chdir", "plan -parallelism=0",
                           "plan -refresh-only -out=p", "plan -markdown -markdown-limit=10",
                           "history -limit=x", "force-unlock", "version -bogus"}) {
    CommandResult r = Occam(args);
    EXPECT_EQ(1, r.exit_code) << "occam " << args << "\n" << r.out;
  }
}

TEST_F(TerraformFlagsTest, AnUnknownCommandSuggestsTheClosest) {
  CommandResult r = Occam("aply -f infra.yaml");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_EQ("occam: unknown command 'aply'; did you mean 'apply'?\n", r.out);
  r = Occam("frobnicate");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_EQ("occam: unknown command 'frobnicate'; occam --help lists the commands\n",
            r.out);
}

TEST_F(TerraformFlagsTest, VersionInEveryForm) {
  for (const char* args : {"version", "-version", "--version", "-v"}) {
    CommandResult r = Occam(args);
    EXPECT_EQ(0, r.exit_code) << args;
    EXPECT_EQ(0u, r.out.find("occam v0.1.0\non linux_")) << args << ": " << r.out;
  }
  CommandResult r = Occam("version -json");
  EXPECT_EQ(0, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("\"occam_version\": \"0.1.0\"")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("\"dummy\": \"0.1.0\"")) << r.out;
}

TEST_F(TerraformFlagsTest, InputFalseNeverPrompts) {
  CommandResult r = Occam("apply -f infra.yaml -input=false");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos,
            r.out.find("Error: apply needs approval, and -input=false forbids "
                       "asking for it; pass -auto-approve, or apply a saved plan"))
      << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("Enter a value")) << r.out;
  EXPECT_EQ(0, Occam("apply -f infra.yaml -input=false -auto-approve").exit_code);
  r = Occam("destroy -input=false");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("destroy needs approval")) << r.out;
}

TEST_F(TerraformFlagsTest, LockFalseIsForPlanOnly) {
  StateOpenOptions open;
  open.create_if_missing = true;
  std::unique_ptr<SqliteStateStore> store;
  ASSERT_TRUE(SqliteStateStore::Open(dir_.Path("occam.db"), open, &store).ok());
  std::unique_ptr<StateLock> lock;
  ASSERT_TRUE(StateLock::Acquire(store.get(), "occam.db", "test",
                                 std::chrono::milliseconds(0), &lock)
                  .ok());
  CommandResult locked = Occam("plan -f infra.yaml");
  EXPECT_EQ(1, locked.exit_code) << locked.out;
  CommandResult r = Occam("plan -f infra.yaml -lock=false");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Plan: 4 to add")) << r.out;
  r = Occam("apply -f infra.yaml -auto-approve -lock=false");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos,
            r.out.find("occam apply changes the state and always takes its "
                       "lock; -lock=false is only for plan"))
      << r.out;
}

TEST_F(TerraformFlagsTest, TargetPlansANodeTypeAndWhatItNeeds) {
  CommandResult r = Occam("plan -f infra.yaml -no-color -target=manager");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Warning: Resource targeting is in effect"));
  EXPECT_NE(std::string::npos, r.out.find("# db[0] will be created"));
  EXPECT_NE(std::string::npos, r.out.find("# manager[0] will be created"));
  EXPECT_EQ(std::string::npos, r.out.find("# app[")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Plan: 2 to add, 0 to change, 0 to destroy."));

  ASSERT_EQ(0, Occam("apply -f infra.yaml -auto-approve -target db").exit_code);
  CommandResult list = Occam("state list");
  EXPECT_EQ("db[0]\n", list.out);
  r = Occam("plan -f infra.yaml -no-color -detailed-exitcode");
  EXPECT_EQ(2, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("Plan: 3 to add")) << r.out;

  r = Occam("plan -f infra.yaml -target=apps");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos,
            r.out.find("-target apps: no node named 'apps' in the descriptor; "
                       "did you mean 'app'?"))
      << r.out;
}

TEST_F(TerraformFlagsTest, VarAndVarFileOverrideVariables) {
  dir_.Write("prod.yaml", "greeting: bonjour\ndb: {port: 6543}\n");
  CommandResult r = Occam(
      "plan -f infra.yaml -no-color -var-file=prod.yaml -var greeting=hi "
      "-out=v.plan");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("say = \"hi\"")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("port = \"6543\"")) << r.out;
  // apply PLANFILE reads the descriptor with the same variables.
  r = Occam("apply v.plan");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_EQ(0, Occam("plan -f infra.yaml -var-file prod.yaml -var greeting=hi "
                     "-detailed-exitcode")
                   .exit_code);
  EXPECT_EQ(2, Occam("plan -f infra.yaml -detailed-exitcode").exit_code);
  r = Occam("plan -f infra.yaml -var db.port=1");
  EXPECT_NE(std::string::npos, r.out.find("port = \"6543\" -> \"1\"")) << r.out;
  r = Occam("plan -f infra.yaml -var nothing");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("-var 'nothing': error: write -var NAME=VALUE"))
      << r.out;
}

TEST_F(TerraformFlagsTest, DestroyPlanDeletesEverythingWhenApplied) {
  ASSERT_EQ(0, Occam("apply -f infra.yaml -auto-approve").exit_code);
  CommandResult r = Occam("plan -destroy -f infra.yaml -no-color -out=d.plan");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Plan: 0 to add, 0 to change, 4 to destroy."))
      << r.out;
  CommandResult applied = Occam("apply d.plan");
  EXPECT_EQ(0, applied.exit_code) << applied.out;
  EXPECT_NE(std::string::npos, applied.out.find("Destroy complete! Resources: 4 destroyed."))
      << applied.out;
  EXPECT_EQ("", Occam("state list").out);
}

TEST_F(TerraformFlagsTest, ColourOnlyOnATerminalAndNeverWhenAskedNotTo) {
  if (RunCommand("command -v script").exit_code != 0) {
    GTEST_SKIP() << "util-linux's script (a pseudo-terminal) is not installed";
  }
  auto on_terminal = [&](const std::string& args, const std::string& env) {
    return RunCommand("cd " + dir_.path().string() + " && " + env +
                      " script -qec '" + testing::OccamBinary() + " " + args +
                      "' /dev/null");
  };
  const std::string green_plus = "\x1b[32m+\x1b[0m create";
  EXPECT_NE(std::string::npos,
            on_terminal("plan -f infra.yaml", "").out.find(green_plus));
  EXPECT_EQ(std::string::npos,
            on_terminal("plan -f infra.yaml -no-color", "").out.find("\x1b["));
  EXPECT_EQ(std::string::npos,
            on_terminal("plan -f infra.yaml", "NO_COLOR=1").out.find("\x1b["));
  EXPECT_EQ(std::string::npos, Occam("plan -f infra.yaml").out.find("\x1b["));
}

// Every line of plan -json parses; refresh_start and refresh_complete name
// each instance read before planning.
TEST_F(TerraformFlagsTest, PlanJsonStreamsRefreshAndPlannedChanges) {
  ASSERT_EQ(0, Occam("apply -f infra.yaml -auto-approve").exit_code);
  ASSERT_EQ(0, Occam("scale app +1 -f infra.yaml").exit_code);
  CommandResult r = Occam("plan -f infra.yaml -json", "");
  ASSERT_EQ(0, r.exit_code) << r.out;
  std::map<std::string, int> types;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(e.is_object()) << line;
    ++types[e["type"]];
    if (e["type"] == "refresh_complete" && e["hook"]["resource"]["addr"] == "db[0]") {
      EXPECT_EQ("dummy", e["hook"]["resource"]["resource_type"]);
      EXPECT_FALSE(e["hook"]["id_value"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(1, types["version"]);
  EXPECT_EQ(4, types["refresh_start"]);
  EXPECT_EQ(4, types["refresh_complete"]);
  EXPECT_EQ(1, types["planned_change"]);
  EXPECT_EQ(1, types["change_summary"]);
}

// An operation running for more than 10 s is reported every 10 s.
TEST_F(TerraformFlagsTest, ApplyJsonReportsLongOperationsEveryTenSeconds) {
  dir_.Write("slow.sh",
             "#!/bin/sh\nread request\ncase \"$request\" in\n"
             "  *'\"create\"'*) sleep 11; echo '{\"id\": \"slow-1\", \"outputs\": {}, \"tags\": {}}';;\n"
             "  *'\"find\"'*) echo '{\"objects\": []}';;\n"
             "  *) echo '{}';;\nesac\n");
  dir_.Write("infra.yaml", "user_id: u\ninfra_name: slow\nnodes: [{name: s, type: s}]\n");
  dir_.Write("nodes/node_definitions.yaml",
             "'node_def:s': [{resource: {type: exec, program: [sh, " +
                 dir_.Path("slow.sh") + "]}}]\n");
  CommandResult r = Occam("apply -f infra.yaml -auto-approve -json");
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos,
            r.out.find("\"@message\":\"s[0]: Still creating... [10s elapsed]\""))
      << r.out;
  EXPECT_NE(std::string::npos, r.out.find("\"type\":\"apply_progress\"")) << r.out;
}

}  // namespace
}  // namespace occam
