// occam's entry point: registers the subcommands, parses the command line
// and runs the one given. It decides nothing itself.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/command.h"

namespace {

// Terraform spells some options with one dash (-out=FILE); CLI11 wants two.
std::vector<std::string> TerraformSpellings(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (std::string& a : args) {
    if (a == "-out" || a.rfind("-out=", 0) == 0) a = "-" + a;
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"occam: a declarative planner for Occopus infrastructures"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "occam 0.1.0");
  occam::CommandList commands;
  occam::RegisterValidateCommand(&app, &commands);
  occam::RegisterGraphCommand(&app, &commands);
  occam::RegisterPlanCommand(&app, &commands);
  occam::RegisterShowCommand(&app, &commands);
  occam::RegisterScaleCommand(&app, &commands);
  occam::RegisterStateCommands(&app, &commands);
  occam::RegisterHistoryCommand(&app, &commands);
  occam::RegisterForceUnlockCommand(&app, &commands);
  occam::RegisterApplyCommands(&app, &commands);
  occam::RegisterLifecycleCommands(&app, &commands);
  occam::RegisterRulesCommand(&app, &commands);
  occam::RegisterServeCommand(&app, &commands);

  std::vector<std::string> args = TerraformSpellings(argc, argv);
  std::vector<char*> pointers;
  for (std::string& a : args) pointers.push_back(a.data());
  try {
    app.parse(static_cast<int>(pointers.size()), pointers.data());
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return occam::kExitUsage;
  }
  for (const occam::Command& command : commands) {
    if (command.parser->parsed()) return command.run();
  }
  return occam::kExitUsage;
}
