// The rest of Terraform's habits, through the occam binary on real
// processes: the CI line that Terraform pipelines run unchanged, -chdir,
// -replace, -refresh-only, -compact-warnings, state surgery (untaint,
// state rm, state mv), import, output and show of the state, version -json.
#include <gtest/gtest.h>
#include <signal.h>

#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;
using testing::RunCommand;

// Two long-running processes: real objects with pids that outlive a state
// entry.
const char kInfra[] = R"(user_id: u
infra_name: habits
nodes:
  - &A {name: app, type: app, scaling: {min: 2, max: 4}}
)";

const char kNodes[] = R"('node_def:app':
  - resource:
      type: process
      command: [sh, -c, "exec sleep 100000"]
)";

class TerraformHabitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("work/infra-habits.yaml", kInfra);
    dir_.Write("work/nodes/node_definitions.yaml", kNodes);
  }
  void TearDown() override {
    Occam("destroy -auto-approve");
    for (int pid : forgotten_) {
      if (pid > 0) kill(pid, SIGKILL);
    }
  }

  // Runs occam in work/, with no -f: the descriptor is found there.
  CommandResult Occam(const std::string& args) {
    return RunCommand("cd " + dir_.Path("work") + " && " + testing::OccamBinary() +
                      " " + args + " </dev/null");
  }
  nlohmann::json Outputs() {
    CommandResult r = Occam("output -json");
    EXPECT_EQ(0, r.exit_code) << r.out;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  int Pid(const std::string& address) {
    nlohmann::json outputs = Outputs();
    for (const nlohmann::json& i : outputs["app"]["value"]) {
      if (i["address"] == address) return i["pid"].get<int>();
    }
    return 0;
  }
  // Running, not a zombie waiting to be reaped.
  static bool Alive(int pid) {
    if (pid <= 0 || kill(pid, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    size_t paren = text.rfind(')');
    return paren == std::string::npos || text.compare(paren + 2, 1, "Z") != 0;
  }
  static bool Dies(int pid) {
    for (int i = 0; i < 200 && Alive(pid); ++i) usleep(10'000);
    return !Alive(pid);
  }

  testing::TempDir dir_;
  std::vector<int> forgotten_;  // processes a state rm left running
};

TEST_F(TerraformHabitsTest, TheTerraformCiLineRunsUnchangedAndExitsTwo) {
  CommandResult plan = Occam("plan -input=false -no-color -out=tfplan -detailed-exitcode");
  EXPECT_EQ(2, plan.exit_code) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("Plan: 2 to add")) << plan.out;
  EXPECT_EQ(std::string::npos, plan.out.find("\x1b[")) << plan.out;
  CommandResult apply = Occam("apply -input=false -parallelism=2 -compact-warnings tfplan");
  EXPECT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_EQ(0, Occam("plan -input=false -no-color -detailed-exitcode -parallelism=4").exit_code);
}

TEST_F(TerraformHabitsTest, ChdirRunsTheCommandInAnotherFolder) {
  CommandResult r = RunCommand("cd " + dir_.path().string() + " && " +
                               testing::OccamBinary() + " -chdir=work plan -no-color");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Plan: 2 to add")) << r.out;
  r = RunCommand("cd " + dir_.path().string() + " && " + testing::OccamBinary() +
                 " -chdir=nowhere plan");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("-chdir=nowhere: cannot enter the folder")) << r.out;
  r = RunCommand("cd " + dir_.path().string() + " && " + testing::OccamBinary() +
                 " plan -no-color");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("no descriptor to read: give one with -f FILE"))
      << r.out;
}

TEST_F(TerraformHabitsTest, ASavedPlanWithoutItsDescriptorSaysWhyItIsNeeded) {
  ASSERT_EQ(0, Occam("plan -out=tfplan -state=team.db").exit_code);
  CommandResult hint = Occam("plan -out=tfplan -state=team.db");
  EXPECT_NE(std::string::npos, hint.out.find("occam apply --state team.db tfplan")) << hint.out;
  RunCommand("mv " + dir_.Path("work/infra-habits.yaml") + " " + dir_.Path("infra-habits.yaml"));
  CommandResult r = Occam("apply -state=team.db tfplan");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("which the saved plan tfplan was made from: apply "
                                          "reads the descriptor again"))
      << r.out;
  RunCommand("mv " + dir_.Path("infra-habits.yaml") + " " + dir_.Path("work/infra-habits.yaml"));
}

TEST_F(TerraformHabitsTest, ReplaceReplacesOnlyWhatWasNamed) {
  ASSERT_EQ(0, Occam("apply -auto-approve").exit_code);
  int app0 = Pid("app[0]"), app1 = Pid("app[1]");
  ASSERT_TRUE(Alive(app0) && Alive(app1)) << Occam("output -json").out;
  CommandResult plan = Occam("plan -no-color -replace=app[0]");
  EXPECT_NE(std::string::npos, plan.out.find("# app[0] will be replaced, as requested"))
      << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("Plan: 1 to add, 0 to change, 1 to destroy."));
  CommandResult unknown = Occam("plan -replace=app[9]");
  EXPECT_EQ(1, unknown.exit_code);
  EXPECT_NE(std::string::npos, unknown.out.find("the state has no instance app[9]")) << unknown.out;
  // Terraform's spelling of the address works too.
  CommandResult apply = Occam("apply -auto-approve -replace=process.app[0]");
  EXPECT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_NE(app0, Pid("app[0]"));
  EXPECT_TRUE(Dies(app0));
  EXPECT_EQ(app1, Pid("app[1]"));
  EXPECT_EQ(0, Occam("plan -detailed-exitcode").exit_code);
}

TEST_F(TerraformHabitsTest, RefreshOnlyReportsAndRecordsWhatDied) {
  ASSERT_EQ(0, Occam("apply -auto-approve").exit_code);
  EXPECT_EQ(0, Occam("plan -refresh-only -detailed-exitcode").exit_code);
  int app1 = Pid("app[1]");
  ASSERT_GT(app1, 0);
  kill(app1, SIGKILL);
  ASSERT_TRUE(Dies(app1));
  CommandResult plan = Occam("plan -refresh-only -no-color -detailed-exitcode");
  EXPECT_EQ(2, plan.exit_code) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("# app[1] has been deleted")) << plan.out;
  CommandResult json = Occam("plan -refresh-only -json");
  EXPECT_NE(std::string::npos, json.out.find("\"type\":\"resource_drift\"")) << json.out;
  // Nothing recorded yet; then apply -refresh-only records it.
  EXPECT_EQ(std::string::npos, Occam("state show app[1]").out.find("\"gone\""));
  EXPECT_EQ(1, Occam("apply -refresh-only -input=false").exit_code);
  CommandResult apply = Occam("apply -refresh-only -auto-approve");
  EXPECT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos, Occam("state show app[1]").out.find("\"gone\""));
  EXPECT_NE(std::string::npos, Occam("history -limit=1").out.find("apply -refresh-only: 1 gone"));
  // It reads no descriptor, and needs none.
  RunCommand("mv " + dir_.Path("work/infra-habits.yaml") + " " + dir_.Path("infra-habits.yaml"));
  CommandResult bare = Occam("apply -refresh-only -auto-approve");
  EXPECT_EQ(0, bare.exit_code) << bare.out;
  RunCommand("mv " + dir_.Path("infra-habits.yaml") + " " + dir_.Path("work/infra-habits.yaml"));
}

TEST_F(TerraformHabitsTest, StateSurgeryOnRealProcessesLeavesEvents) {
  ASSERT_EQ(0, Occam("apply -auto-approve").exit_code);
  int app0 = Pid("app[0]"), app1 = Pid("app[1]");
  ASSERT_TRUE(Alive(app0) && Alive(app1));

  // untaint: only a tainted instance; afterwards apply keeps it.
  CommandResult r = Occam("untaint app[0]");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("app[0] is not tainted")) << r.out;
  ASSERT_EQ(0, Occam("taint app[0]").exit_code);
  EXPECT_EQ(2, Occam("plan -detailed-exitcode").exit_code);
  r = Occam("untaint process.app[0]");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("app[0] has been successfully untainted")) << r.out;
  EXPECT_EQ(0, Occam("plan -detailed-exitcode").exit_code);

  // state mv: the same process under a new address; the count is still met.
  r = Occam("state mv app[1] app[4]");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_EQ(app1, Pid("app[4]"));
  EXPECT_EQ(0, Pid("app[1]"));
  EXPECT_EQ(0, Occam("plan -detailed-exitcode").exit_code);
  r = Occam("state mv app[4] app[0]");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("the state already has app[0]")) << r.out;

  // state rm: forgotten, not deleted; the next plan makes a new one.
  r = Occam("state rm app[4]");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Successfully removed 1 resource instance(s).")) << r.out;
  forgotten_.push_back(app1);
  EXPECT_TRUE(Alive(app1));
  EXPECT_EQ(1u, Outputs()["app"]["value"].size());
  CommandResult plan = Occam("plan -no-color");
  EXPECT_NE(std::string::npos, plan.out.find("Plan: 1 to add, 0 to change, 0 to destroy."))
      << plan.out;
  EXPECT_EQ(1, Occam("state rm app[7]").exit_code);

  CommandResult history = Occam("history -json -limit=10");
  for (const char* kind : {"\"kind\":\"taint\"", "\"kind\":\"untaint\"",
                           "\"kind\":\"state_mv\"", "\"kind\":\"state_rm\""}) {
    EXPECT_NE(std::string::npos, history.out.find(kind)) << kind << "\n" << history.out;
  }
  EXPECT_NE(std::string::npos, history.out.find(std::to_string(app1) + ":")) << history.out;
}

TEST_F(TerraformHabitsTest, OutputAndShowReadTheState) {
  CommandResult empty = Occam("output");
  EXPECT_EQ(1, empty.exit_code);  // no state yet
  ASSERT_EQ(0, Occam("apply -auto-approve").exit_code);
  nlohmann::json outputs = Outputs();
  ASSERT_TRUE(outputs.contains("app")) << outputs;
  EXPECT_EQ(false, outputs["app"]["sensitive"]);
  EXPECT_EQ("tuple", outputs["app"]["type"][0]);
  ASSERT_EQ(2u, outputs["app"]["value"].size());
  for (const nlohmann::json& i : outputs["app"]["value"]) {
    EXPECT_TRUE(Alive(i["pid"].get<int>())) << i;
    EXPECT_EQ("127.0.0.1", i["ip"]) << i;
    EXPECT_EQ("ready", i["status"]) << i;
    EXPECT_FALSE(i["id"].get<std::string>().empty()) << i;
  }
  CommandResult one = Occam("output app -json");
  EXPECT_EQ(outputs["app"]["value"], nlohmann::json::parse(one.out, nullptr, false));
  CommandResult raw = Occam("output app -raw");
  EXPECT_EQ("127.0.0.1\n127.0.0.1\n", raw.out);
  CommandResult missing = Occam("output db");
  EXPECT_EQ(1, missing.exit_code);
  EXPECT_NE(std::string::npos, missing.out.find("output 'db' not found")) << missing.out;

  CommandResult show = Occam("show -no-color");
  EXPECT_EQ(0, show.exit_code) << show.out;
  EXPECT_NE(std::string::npos, show.out.find("# app[1]:\nresource \"process\" \"app\" {"));
  EXPECT_NE(std::string::npos, show.out.find("Outputs:\n\napp = ["));
  nlohmann::json state = nlohmann::json::parse(Occam("show -json").out, nullptr, false);
  EXPECT_EQ("1.0", state["format_version"]) << state;
  EXPECT_EQ("1.5.0", state["terraform_version"]);
  const nlohmann::json& resources = state["values"]["root_module"]["resources"];
  ASSERT_EQ(2u, resources.size()) << state;
  EXPECT_EQ("app[0]", resources[0]["address"]);
  EXPECT_EQ("managed", resources[0]["mode"]);
  EXPECT_EQ("process", resources[0]["type"]);
  EXPECT_EQ("app", resources[0]["name"]);
  EXPECT_EQ(0, resources[0]["index"]);
  EXPECT_TRUE(resources[0]["values"].is_object());
  EXPECT_EQ(outputs["app"]["value"], state["values"]["outputs"]["app"]["value"]);
}

// A process that occam did not start: `sleep 100000` as the descriptor
// says, and one with another command line.
int StartProcess(const std::string& seconds) {
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    execlp("sleep", "sleep", seconds.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

TEST_F(TerraformHabitsTest, ImportAdoptsRunningProcessesAndChecksTheirCommandLine) {
  dir_.Write("work/nodes/node_definitions.yaml",
             "'node_def:app':\n  - resource:\n      type: process\n"
             "      command: [sleep, \"100000\"]\n");
  int same = StartProcess("100000"), other = StartProcess("200000");
  forgotten_ = {same, other};  // until imported
  ASSERT_TRUE(Alive(same) && Alive(other));
  CommandResult r = Occam("import app[0] " + std::to_string(same));
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Import successful!")) << r.out;
  EXPECT_EQ(same, Pid("app[0]"));
  r = Occam("import process.app[1] " + std::to_string(other));
  EXPECT_EQ(0, r.exit_code) << r.out;
  // app[0] matches the descriptor; app[1]'s command line does not.
  CommandResult plan = Occam("plan -no-color");
  EXPECT_EQ(std::string::npos, plan.out.find("# app[0]")) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("# app[1] must be replaced")) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("\"200000\"")) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("Plan: 1 to add, 0 to change, 1 to destroy."))
      << plan.out;
  EXPECT_NE(std::string::npos, Occam("history -limit=2").out.find("import  app  app[1] imported"));

  // Refused: an address already managed, the same object twice, no such
  // pid, a node the descriptor lacks.
  r = Occam("import app[0] " + std::to_string(other));
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("app[0] is already managed")) << r.out;
  r = Occam("import app[2] " + std::to_string(same));
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("is already managed as app[0]")) << r.out;
  r = Occam("import app[2] 999999999");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("no process 999999999 is running")) << r.out;
  r = Occam("import db[0] " + std::to_string(same));
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("the descriptor has no node named 'db'")) << r.out;

  // The next apply replaces app[1], keeps app[0]; destroy stops the
  // imported process, which leads no process group of occam's.
  ASSERT_EQ(0, Occam("apply -auto-approve").exit_code);
  EXPECT_TRUE(Dies(other));
  EXPECT_EQ(same, Pid("app[0]"));
  ASSERT_EQ(0, Occam("destroy -auto-approve").exit_code);
  EXPECT_TRUE(Dies(same));
}

TEST_F(TerraformHabitsTest, ImportRefusesWhatAnotherStateOwns) {
  ASSERT_EQ(0, Occam("apply -auto-approve -state=other.db").exit_code);
  CommandResult out = Occam("output app -json -state=other.db");
  nlohmann::json value = nlohmann::json::parse(out.out, nullptr, false);
  ASSERT_TRUE(value.is_array()) << out.out;
  int pid = value[0]["pid"];
  CommandResult r = Occam("import app[0] " + std::to_string(pid));
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("carries occam's ownership tags of another state"))
      << r.out;
  EXPECT_NE(std::string::npos, r.out.find("as app[0])")) << r.out;
  EXPECT_EQ(0, Occam("destroy -auto-approve -state=other.db").exit_code);
}

TEST_F(TerraformHabitsTest, CompactWarningsAndMarkdownLimits) {
  CommandResult full = Occam("plan -no-color -target=app");
  EXPECT_NE(std::string::npos, full.out.find("The -target option is not for routine use"));
  CommandResult compact = Occam("plan -no-color -target=app -compact-warnings");
  EXPECT_NE(std::string::npos, compact.out.find("Warnings:\n\n- Resource targeting is in effect"))
      << compact.out;
  EXPECT_EQ(std::string::npos, compact.out.find("The -target option is not for routine use"));
  CommandResult small = Occam("plan -markdown -markdown-limit=100");
  EXPECT_EQ(1, small.exit_code);
  EXPECT_NE(std::string::npos, small.out.find("--markdown-limit 100 is too small")) << small.out;
  size_t at = small.out.find("give at least ");
  ASSERT_NE(std::string::npos, at) << small.out;
  int minimum = std::stoi(small.out.substr(at + 14));
  CommandResult fits = Occam("plan -markdown -markdown-limit=" + std::to_string(minimum));
  EXPECT_EQ(0, fits.exit_code) << fits.out;
  EXPECT_LE(fits.out.size(), static_cast<size_t>(minimum)) << fits.out;
}

// Terraform's UI message structs (internal/command/views/json): for each
// body, the fields it must have and those it may have. occam's own
// additions are named occam*.
struct Fields {
  std::set<std::string> required, optional;
};

// Checks `object`'s keys against `fields`; returns what is wrong.
std::string Mismatch(const nlohmann::json& object, const Fields& fields) {
  if (!object.is_object()) return "not an object: " + object.dump();
  std::string wrong;
  for (const std::string& k : fields.required) {
    if (!object.contains(k)) wrong += " missing " + k + ";";
  }
  for (const auto& [k, v] : object.items()) {
    if (!fields.required.count(k) && !fields.optional.count(k) && k.rfind("occam", 0) != 0) {
      wrong += " unexpected " + k + ";";
    }
  }
  return wrong;
}

std::string CheckUiMessage(const nlohmann::json& m) {
  static const Fields kEnvelope{{"@level", "@message", "@module", "@timestamp", "type"}, {}};
  static const Fields kResource{{"addr", "module", "resource", "implied_provider",
                                 "resource_type", "resource_name", "resource_key"}, {}};
  static const std::map<std::string, std::pair<std::string, Fields>> kBodies = {
      {"version", {"", {{"terraform", "ui"}, {}}}},
      {"planned_change", {"change", {{"resource", "action"}, {"previous_resource", "reason"}}}},
      {"resource_drift", {"change", {{"resource", "action"}, {"previous_resource", "reason"}}}},
      {"change_summary", {"changes", {{"add", "change", "remove", "operation"}, {"import"}}}},
      {"apply_start", {"hook", {{"resource", "action"}, {"id_key", "id_value"}}}},
      {"apply_progress", {"hook", {{"resource", "action", "elapsed_seconds"}, {}}}},
      {"apply_complete", {"hook", {{"resource", "action", "elapsed_seconds"}, {"id_key", "id_value"}}}},
      {"apply_errored", {"hook", {{"resource", "action", "elapsed_seconds"}, {}}}},
      {"refresh_start", {"hook", {{"resource", "id_key", "id_value"}, {}}}},
      {"refresh_complete", {"hook", {{"resource", "id_key", "id_value"}, {}}}},
      {"diagnostic", {"diagnostic", {{"severity", "summary", "detail"}, {"address", "range", "snippet"}}}},
      {"outputs", {"outputs", {{}, {}}}},
  };
  auto known = kBodies.find(m.value("type", ""));
  if (known == kBodies.end()) return "unknown type " + m.value("type", "");
  const auto& [key, fields] = known->second;
  if (key.empty()) {
    Fields all = fields;
    all.optional.insert(kEnvelope.required.begin(), kEnvelope.required.end());
    return Mismatch(m, all);
  }
  std::string wrong = Mismatch(m, {{"@level", "@message", "@module", "@timestamp", "type", key}, {}});
  const nlohmann::json& body = m[key];
  if (key == "outputs") {
    for (const auto& [name, o] : body.items()) wrong += Mismatch(o, {{"sensitive"}, {"type", "value", "action"}});
    return wrong;
  }
  wrong += Mismatch(body, fields);
  if (body.contains("resource")) wrong += Mismatch(body["resource"], kResource);
  if (key == "diagnostic" && body.contains("range")) {
    const nlohmann::json& range = body["range"];
    wrong += Mismatch(range, {{"filename", "start", "end"}, {}});
    for (const char* end : {"start", "end"}) {
      wrong += Mismatch(range[end], {{"line", "column", "byte"}, {}});
    }
  }
  return wrong;
}

TEST_F(TerraformHabitsTest, TheUiStreamHasTerraformsFieldsAndNoOthers) {
  std::vector<std::string> streams = {Occam("plan -json").out, Occam("apply -json -auto-approve").out};
  int app1 = Pid("app[1]");
  ASSERT_GT(app1, 0);
  kill(app1, SIGKILL);
  ASSERT_TRUE(Dies(app1));
  streams.push_back(Occam("plan -json -refresh-only").out);
  streams.push_back(Occam("destroy -json -auto-approve").out);
  dir_.Write("work/nodes/node_definitions.yaml",
             "'node_def:app':\n  - resource: {type: process, command: [/nonexistent/app]}\n");
  streams.push_back(Occam("apply -json -auto-approve").out);
  dir_.Write("work/infra-habits.yaml", std::string(kInfra) + "  - {name: x, type: y}\n");
  streams.push_back(Occam("plan -json").out);
  std::set<std::string> seen;
  bool delete_start_has_id = false, failure_has_address = false, range_has_byte = false;
  for (const std::string& stream : streams) {
    std::istringstream lines(stream);
    for (std::string line; std::getline(lines, line);) {
      nlohmann::json m = nlohmann::json::parse(line, nullptr, false);
      ASSERT_TRUE(m.is_object()) << "not JSON: " << line;
      seen.insert(m.value("type", ""));
      EXPECT_EQ("", CheckUiMessage(m)) << line;
      if (m["type"] == "apply_start" && m["hook"]["action"] == "delete") {
        delete_start_has_id = !m["hook"].value("id_value", "").empty();
      }
      if (m["type"] == "diagnostic") {
        failure_has_address |= m["diagnostic"].value("address", "") == "process.app[0]";
        range_has_byte |= m["diagnostic"].contains("range") &&
                          m["diagnostic"]["range"]["start"]["byte"].is_number();
      }
      if (m["type"] == "change_summary" && m["changes"]["operation"] == "destroy") {
        EXPECT_EQ("Destroy complete! Resources: 2 destroyed.", m["@message"]) << line;
      }
    }
  }
  for (const char* type : {"version", "planned_change", "change_summary", "apply_start",
                           "apply_complete", "apply_errored", "refresh_start",
                           "refresh_complete", "resource_drift", "diagnostic", "outputs"}) {
    EXPECT_TRUE(seen.count(type)) << type;
  }
  EXPECT_TRUE(delete_start_has_id);
  EXPECT_TRUE(failure_has_address);
  EXPECT_TRUE(range_has_byte);
}

// plan -lock=false while an apply runs: its instances in flight are said to
// be changing now, not left over from an apply that stopped.
TEST_F(TerraformHabitsTest, PlanWithoutTheLockNamesTheRunningApply) {
  dir_.Write("work/nodes/node_definitions.yaml",
             "'node_def:app':\n  - resource:\n      type: process\n"
             "      command: [sleep, \"100000\"]\n"
             "    health_check: {ping: false, ports: [9], timeout: 8}\n");
  RunCommand("cd " + dir_.Path("work") + " && " + testing::OccamBinary() +
             " apply -auto-approve > apply.log 2>&1 < /dev/null &");
  bool creating = false;
  for (int i = 0; i < 200 && !creating; ++i) {
    usleep(20'000);
    creating = Occam("state show app[0]").out.find("\"creating\"") != std::string::npos;
  }
  ASSERT_TRUE(creating);
  CommandResult plan = Occam("plan -lock=false -no-color");
  EXPECT_EQ(0, plan.exit_code) << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("the state is locked by a running occam apply"))
      << plan.out;
  EXPECT_NE(std::string::npos, plan.out.find("is changing app[0] now")) << plan.out;
  EXPECT_EQ(std::string::npos, plan.out.find("an earlier apply stopped")) << plan.out;
  // The apply's health checks time out; then it has stopped, and says so.
  for (int i = 0; i < 600 && Occam("state show app[0]").out.find("\"creating\"") !=
                                 std::string::npos; ++i) {
    usleep(20'000);
  }
  usleep(200'000);
  CommandResult after = Occam("plan -lock=false -no-color");
  EXPECT_EQ(std::string::npos, after.out.find("is changing app[0] now")) << after.out;
}

TEST_F(TerraformHabitsTest, VersionJsonHasTerraformsFields) {
  nlohmann::json v = nlohmann::json::parse(Occam("version -json").out, nullptr, false);
  EXPECT_EQ("1.0", v["format_version"]) << v;
  EXPECT_EQ("1.5.0", v["terraform_version"]) << v;
  EXPECT_EQ("0.1.0", v["occam_version"]) << v;
  EXPECT_EQ(false, v["terraform_outdated"]) << v;
  EXPECT_TRUE(v["provider_selections"].contains("process")) << v;
  CommandResult ui = Occam("plan -json");
  nlohmann::json first = nlohmann::json::parse(ui.out.substr(0, ui.out.find('\n')), nullptr, false);
  EXPECT_EQ("version", first["type"]) << ui.out;
  EXPECT_EQ("1.5.0", first["terraform"]);
  EXPECT_EQ("0.1.0", first["occam"]);
}

}  // namespace
}  // namespace occam
