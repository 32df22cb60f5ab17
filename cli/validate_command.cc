// `occam validate`: compiles a descriptor and prints a one-line summary, or
// every error found.
#include <iostream>

#include "cli/command.h"
#include "cli/descriptor_options.h"

namespace occam {
namespace {

std::string Plural(size_t n, const std::string& one, std::string many = "") {
  if (many.empty()) many = one + "s";
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

int RunValidate(const CompileOptions& options) {
  Descriptor descriptor;
  NodeGraph graph;
  if (!CompileOrReport(options, &descriptor, &graph, std::cerr)) {
    return kExitError;
  }
  std::cout << descriptor.infra_file << ": valid: infrastructure '"
            << descriptor.infra_name << "', "
            << Plural(descriptor.nodes.size(), "node type") << ", "
            << Plural(descriptor.MinimumInstances(), "instance")
            << " at minimum, "
            << Plural(graph.dag().edge_count(), "dependency", "dependencies")
            << "\n";
  return kExitOk;
}

}  // namespace

void RegisterValidateCommand(CLI::App* app, CommandList* commands) {
  auto options = std::make_shared<CompileOptions>();
  CLI::App* cmd = app->add_subcommand(
      "validate", "Check a descriptor and its node definitions");
  AddDescriptorOptions(cmd, options.get());
  cmd->add_flag("--strict", options->strict,
                "treat warnings (what Occopus accepts but occam would not "
                "write: an undefined template name, an unquoted node name, "
                "min above max) as errors");
  commands->push_back({cmd, [options] { return RunValidate(*options); }});
}

}  // namespace occam
