// The occam binary end to end: output, exit codes and usage errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;
using testing::RunCommand;

std::string Occam(const std::string& args) {
  return testing::OccamBinary() + " " + args;
}

std::string Example() { return testing::SourceDir() + "/examples/micado"; }

TEST(Cli, ValidatePrintsSummary) {
  CommandResult r = RunCommand("cd " + Example() + " && " +
                               Occam("validate -f infra.yaml"));
  EXPECT_EQ(0, r.exit_code);
  EXPECT_EQ(
      "infra.yaml: valid: infrastructure 'micado-demo', 3 node types, 3 "
      "instances at minimum, 3 dependencies\n",
      r.out);
}

// Every shipped example validates without a warning, so none rots.
TEST(Cli, EveryExampleValidatesStrictly) {
  int examples = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::SourceDir() + "/examples")) {
    if (!std::filesystem::exists(entry.path() / "infra.yaml")) continue;
    ++examples;
    CommandResult r = RunCommand("cd " + entry.path().string() + " && " +
                                 Occam("validate --strict -f infra.yaml"));
    EXPECT_EQ(0, r.exit_code) << entry.path() << "\n" << r.out;
  }
  EXPECT_GE(examples, 3);
}

TEST(Cli, GraphPrintsLevels) {
  CommandResult r = RunCommand("cd " + Example() + " && " +
                               Occam("graph -f infra.yaml"));
  EXPECT_EQ(0, r.exit_code);
  EXPECT_EQ("level 0: db\nlevel 1: manager\nlevel 2: app\n", r.out);
}

TEST(Cli, GraphPrintsDot) {
  CommandResult r = RunCommand("cd " + Example() + " && " +
                               Occam("graph -f infra.yaml --format dot"));
  EXPECT_EQ(0, r.exit_code);
  EXPECT_EQ(
      "digraph \"micado-demo\" {\n"
      "  rankdir = \"BT\";\n"
      "  \"db\" [label=\"db\\nprocess x1\"];\n"
      "  \"manager\" [label=\"manager\\nprocess x1\"];\n"
      "  \"app\" [label=\"app\\nprocess x1..5\"];\n"
      "  \"manager\" -> \"db\";\n"
      "  \"app\" -> \"db\";\n"
      "  \"app\" -> \"manager\";\n"
      "}\n",
      r.out);
}

TEST(Cli, InvalidDescriptorExitsOneWithEveryError) {
  testing::TempDir dir;
  dir.Write("infra.yaml",
            "user_id: u\ninfra_name: Bad_Name\nnodes: [{name: a, type: a, scalin: 1}]\n");
  dir.Write("nodes/node_definitions.yaml",
            "'node_def:a': [{resource: {type: dumy}}]\n");
  CommandResult r =
      RunCommand("cd " + dir.path().string() + " && " +
                 Occam("validate -f infra.yaml"));
  EXPECT_EQ(1, r.exit_code);
  EXPECT_EQ(
      "infra.yaml:2:13: error: infra_name 'Bad_Name' is not a valid name; "
      "use 1-63 letters, digits and '-', as Occopus does\n"
      "infra.yaml:3:28: error: unknown key 'scalin' in node 'a'; did you "
      "mean 'scaling'?\n"
      "nodes/node_definitions.yaml:1:34: error: unknown resource type "
      "'dumy' in the resource of implementation 1 of 'node_def:a'; did you "
      "mean 'dummy'?\n"
      "occam: 3 errors\n",
      r.out);
}

TEST(Cli, GraphOfInvalidDescriptorExitsOne) {
  testing::TempDir dir;
  dir.Write("infra.yaml",
            "user_id: u\ninfra_name: c\nnodes: [{name: a, type: a}, {name: b, type: a}]\n"
            "dependencies: [[a, b], [b, a]]\n");
  dir.Write("nodes/node_definitions.yaml",
            "'node_def:a': [{resource: {type: dummy}}]\n");
  CommandResult r = RunCommand("cd " + dir.path().string() + " && " +
                               Occam("graph -f infra.yaml"));
  EXPECT_EQ(1, r.exit_code);
  EXPECT_EQ(
      "infra.yaml:4:16: error: dependency cycle: a -> b -> a; remove one of "
      "these dependencies\noccam: 1 error\n",
      r.out);
}

// Terraform's codes: a usage error is 1, never --detailed-exitcode's 2.
TEST(Cli, UsageErrorsExitOne) {
  for (const char* args :
       {"", "frobnicate", "validate", "graph -f x --format png",
        "plan -f infra.yaml --detailed-exitcode --no-such-flag",
        "plan --nonsense", "show", "apply --parallelism many", "destroy extra",
        "refresh --bogus", "taint", "scale", "state", "state list extra",
        "state show", "history --limit x", "force-unlock", "rules --bogus",
        "serve --interval"}) {
    CommandResult r = RunCommand(Occam(args));
    EXPECT_EQ(1, r.exit_code) << args << ": " << r.out;
  }
}

TEST(Cli, HelpExitsZero) {
  CommandResult r = RunCommand(Occam("--help"));
  EXPECT_EQ(0, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("validate")) << r.out;
}

TEST(Cli, NodesAndOutsideImportOptions) {
  testing::TempDir dir;
  dir.Write("shared/ctx.yaml", "runcmd: [true]\n");
  dir.Write("project/infra.yaml",
            "user_id: u\ninfra_name: x\nnodes: [{name: a, type: a}]\n");
  dir.Write("project/defs.yaml",
            "'node_def:a':\n  - resource: {type: dummy}\n"
            "    contextualisation:\n      type: cloudinit\n"
            "      context_template: !yaml_import {url: "
            "'file://../shared/ctx.yaml'}\n");
  std::string cd = "cd " + dir.path().string() + "/project && ";
  CommandResult refused =
      RunCommand(cd + Occam("validate -f infra.yaml --nodes defs.yaml"));
  EXPECT_EQ(1, refused.exit_code);
  EXPECT_EQ(
      "defs.yaml:5:44: error: import '../shared/ctx.yaml' is outside the "
      "descriptor's folder; move it inside, or pass "
      "--allow-outside-imports\noccam: 1 error\n",
      refused.out);
  CommandResult allowed = RunCommand(
      cd + Occam("validate -f infra.yaml --nodes defs.yaml "
                 "--allow-outside-imports"));
  EXPECT_EQ(0, allowed.exit_code) << allowed.out;
}

}  // namespace
}  // namespace occam
