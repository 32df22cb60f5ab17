// occam's entry point: registers the subcommands, parses the command line
// and runs the one given. It decides nothing itself.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/color.h"
#include "cli/command.h"
#include "cli/terraform_args.h"

int main(int argc, char** argv) {
  // -chdir=DIR first, as Terraform: every command then runs in DIR, and the
  // defaults (infra.yaml, occam.db) are looked up there.
  std::vector<std::string> raw(argv, argv + argc);
  std::string chdir_to, chdir_error;
  if (!occam::TakeChdir(&raw, &chdir_to, &chdir_error)) {
    std::cerr << "occam: " << chdir_error << "\n";
    return occam::kExitUsage;
  }
  if (!chdir_to.empty() && chdir(chdir_to.c_str()) != 0) {
    std::cerr << "Error: -chdir=" << chdir_to << ": cannot enter the folder: "
              << std::strerror(errno) << "\n";
    return occam::kExitError;
  }
  CLI::App app{"occam: a declarative planner for Occopus infrastructures"};
  app.require_subcommand(1);
  std::string version = occam::VersionText();
  app.set_version_flag("-v,--version", version.substr(0, version.size() - 1));
  bool no_color = false;
  app.add_flag("--no-color", no_color,
               "no colours in the output (also when NO_COLOR is set)");
  // Global options may follow the subcommand: occam plan -no-color.
  app.fallthrough();
  std::string chdir_help;
  app.add_option("--chdir", chdir_help,
                 "switch to DIR before running the command (give it first: "
                 "occam -chdir=DIR plan)");
  occam::CommandList commands;
  occam::RegisterValidateCommand(&app, &commands);
  occam::RegisterGraphCommand(&app, &commands);
  occam::RegisterPlanCommand(&app, &commands);
  occam::RegisterShowCommand(&app, &commands);
  occam::RegisterOutputCommand(&app, &commands);
  occam::RegisterImportCommand(&app, &commands);
  occam::RegisterScaleCommand(&app, &commands);
  occam::RegisterStateCommands(&app, &commands);
  occam::RegisterHistoryCommand(&app, &commands);
  occam::RegisterForceUnlockCommand(&app, &commands);
  occam::RegisterApplyCommands(&app, &commands);
  occam::RegisterLifecycleCommands(&app, &commands);
  occam::RegisterRulesCommand(&app, &commands);
  occam::RegisterServeCommand(&app, &commands);
  occam::RegisterVersionCommand(&app, &commands);

  std::vector<std::string> args = occam::TerraformSpellings(app, raw);
  std::string unknown = occam::UnknownCommand(app, args);
  if (!unknown.empty()) {
    std::cerr << "occam: " << unknown << "\n";
    return occam::kExitUsage;
  }
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
  if (!chdir_help.empty()) {
    std::cerr << "occam: -chdir must come before the command, as in "
                 "Terraform: occam -chdir=" << chdir_help << " COMMAND\n";
    return occam::kExitUsage;
  }
  occam::SetNoColor(no_color);
  for (const occam::Command& command : commands) {
    if (command.parser->parsed()) return command.run();
  }
  return occam::kExitUsage;
}
