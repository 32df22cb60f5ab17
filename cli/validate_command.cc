#include "cli/validate_command.h"

#include <ostream>

#include "cli/descriptor_options.h"

namespace occam {
namespace {

std::string Plural(size_t n, const std::string& one, std::string many = "") {
  if (many.empty()) many = one + "s";
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

void AddValidateCommand(CLI::App* app, ValidateOptions* options) {
  CLI::App* cmd = app->add_subcommand(
      "validate", "Check a descriptor and its node definitions");
  AddDescriptorOptions(cmd, &options->compile);
}

void PrintDiagnostics(const Diagnostics& diags, std::ostream& err) {
  err << diags.ToString();
  err << "occam: " << Plural(diags.size(), "error") << "\n";
}

int RunValidate(const ValidateOptions& options, std::ostream& out,
                std::ostream& err) {
  Descriptor descriptor;
  NodeGraph graph;
  Diagnostics diags;
  if (!CompileDescriptor(options.compile, &descriptor, &graph, &diags)) {
    PrintDiagnostics(diags, err);
    return 1;
  }
  out << descriptor.infra_file << ": valid: infrastructure '"
      << descriptor.infra_name << "', "
      << Plural(descriptor.nodes.size(), "node type") << ", "
      << Plural(descriptor.MinimumInstances(), "instance")
      << " at minimum, "
      << Plural(graph.dag().edge_count(), "dependency", "dependencies")
      << "\n";
  return 0;
}

}  // namespace occam
