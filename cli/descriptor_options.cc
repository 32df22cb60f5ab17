#include "cli/descriptor_options.h"

#include <filesystem>
#include <ostream>
#include <set>

#include "cli/command_output.h"

namespace occam {

std::string DefaultDescriptorPath() {
  namespace fs = std::filesystem;
  for (const char* name : {"infra.yaml", "infra.yml"}) {
    std::error_code ec;
    if (fs::is_regular_file(name, ec)) return name;
  }
  std::set<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(".", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    if (name.starts_with("infra") && yaml && it->is_regular_file(ec)) {
      found.insert(name);
    }
  }
  return found.size() == 1 ? *found.begin() : "";
}

std::string NoDescriptorMessage() {
  return "no descriptor to read: give one with -f FILE (with no -f, occam "
         "reads infra.yaml in the current folder, or the one infra*.yaml "
         "there)";
}

void AddDescriptorOptions(CLI::App* command, CompileOptions* options) {
  options->infra_path = DefaultDescriptorPath();
  command->add_option("-f,--file", options->infra_path,
                      "Occopus infrastructure descriptor (default: infra.yaml, "
                      "or the one infra*.yaml, in the current folder)");
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
  if (options.infra_path.empty()) {
    err << "Error: " << NoDescriptorMessage() << "\n";
    return false;
  }
  Diagnostics diags;
  bool ok = CompileDescriptor(options, descriptor, graph, &diags);
  std::string warnings = diags.WarningsToString();
  if (CompactWarnings() && !warnings.empty()) {
    // The first line of each: where, and what.
    err << "Warnings:\n\n";
    for (size_t at = 0; at < warnings.size();) {
      size_t end = warnings.find('\n', at);
      std::string line = warnings.substr(at, end - at);
      if (line.starts_with("warning: ") ||
          line.find(": warning: ") != std::string::npos) {
        err << "- " << line << "\n";
      }
      at = end == std::string::npos ? warnings.size() : end + 1;
    }
    err << "\n";
  } else {
    err << warnings;
  }
  if (ok) return true;
  err << diags.ToString() << "occam: " << diags.size()
      << (diags.size() == 1 ? " error\n" : " errors\n");
  return false;
}

}  // namespace occam
