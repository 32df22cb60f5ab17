// A subcommand: the CLI11 parser that recognises it and the function that
// runs it once parsed. Each *_command.cc registers its own; main() parses
// and runs whichever was given.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace occam {

struct Command {
  CLI::App* parser;
  std::function<int()> run;  // returns the exit code
};

using CommandList = std::vector<Command>;

// Exit codes shared by every command.
// As Terraform: 1 for every error, a usage error too, so that a typo is
// never read as `--detailed-exitcode`'s 2 ("changes present").
constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 1;
constexpr int kExitChanges = 2;  // plan --detailed-exitcode only

constexpr char kVersion[] = "0.1.0";
// What occam reports where Terraform's JSON formats put a Terraform
// version (terraform_version, the UI's version message): the Terraform
// release whose formats occam writes — plan format 1.2, state format 1.0,
// machine-readable UI 1.0 — so that tools choosing a parser by version
// choose the right one. occam's own version is beside it, as
// occam_version (docs/json-output.md).
constexpr char kTerraformFormatsVersion[] = "1.5.0";
// "occam v0.1.0\non linux_amd64\n", as `terraform version` prints it.
std::string VersionText();

// Prints "Error: MESSAGE" to `err` and returns kExitError.
int ReportError(const Status& status, std::ostream& err);

void RegisterValidateCommand(CLI::App* app, CommandList* commands);
void RegisterGraphCommand(CLI::App* app, CommandList* commands);
void RegisterPlanCommand(CLI::App* app, CommandList* commands);
void RegisterShowCommand(CLI::App* app, CommandList* commands);
void RegisterOutputCommand(CLI::App* app, CommandList* commands);
void RegisterImportCommand(CLI::App* app, CommandList* commands);
void RegisterScaleCommand(CLI::App* app, CommandList* commands);
void RegisterStateCommands(CLI::App* app, CommandList* commands);
// state rm and state mv, under `state` (RegisterStateCommands calls it).
void RegisterStateSurgery(CLI::App* state, CommandList* commands);
void RegisterStateMigrate(CLI::App* state, CommandList* commands);
void RegisterStateKeyCommands(CLI::App* state, CommandList* commands);
void RegisterHistoryCommand(CLI::App* app, CommandList* commands);
void RegisterForceUnlockCommand(CLI::App* app, CommandList* commands);
void RegisterApplyCommands(CLI::App* app, CommandList* commands);
void RegisterLifecycleCommands(CLI::App* app, CommandList* commands);
void RegisterRulesCommand(CLI::App* app, CommandList* commands);
void RegisterServeCommand(CLI::App* app, CommandList* commands);
void RegisterVersionCommand(CLI::App* app, CommandList* commands);

}  // namespace occam
