#include "cli/descriptor_options.h"

#include <ostream>

namespace occam {

void AddDescriptorOptions(CLI::App* command, CompileOptions* options) {
  command
      ->add_option("-f,--file", options->infra_path,
                   "Occopus infrastructure descriptor")
      ->required();
  command->add_option("--nodes", options->nodes_path,
                      "node definitions (default: nodes/node_definitions.yaml "
                      "beside the descriptor)");
  command->add_flag("--allow-outside-imports", options->allow_outside_imports,
                    "let !yaml_import/!text_import read files outside the "
                    "descriptor's folder");
  AddVariableOptions(command, options);
}

void AddVariableOptions(CLI::App* command, CompileOptions* options) {
  command->add_option("--var", options->variables.assignments,
                      "NAME=VALUE: override an infrastructure variable "
                      "(repeatable; a.b=VALUE sets a nested key)");
  command->add_option("--var-file", options->variables.files,
                      "a YAML or JSON file of variables to override "
                      "(repeatable)");
}

bool CompileOrReport(const CompileOptions& options, Descriptor* descriptor,
                     NodeGraph* graph, std::ostream& err) {
  Diagnostics diags;
  bool ok = CompileDescriptor(options, descriptor, graph, &diags);
  err << diags.WarningsToString();
  if (ok) return true;
  err << diags.ToString() << "occam: " << diags.size()
      << (diags.size() == 1 ? " error\n" : " errors\n");
  return false;
}

}  // namespace occam
