// occam's entry point: parses the command line and hands each subcommand
// to its Run function. It decides nothing itself.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/graph_command.h"
#include "cli/validate_command.h"

namespace {

// Usage errors exit 2, as in Terraform and most Unix tools.
constexpr int kUsageError = 2;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"occam: a declarative planner for Occopus infrastructures"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "occam 0.1.0");
  occam::ValidateOptions validate;
  occam::GraphOptions graph;
  occam::AddValidateCommand(&app, &validate);
  occam::AddGraphCommand(&app, &graph);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsageError;
  }
  if (app.got_subcommand("validate")) {
    return occam::RunValidate(validate, std::cout, std::cerr);
  }
  return occam::RunGraph(graph, std::cout, std::cerr);
}
