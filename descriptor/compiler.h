// The descriptor compiler: reads an Occopus infrastructure descriptor and
// its node definitions, resolves imports, checks every rule, and links each
// node to its chosen implementation. All problems are reported in one run.
#pragma once

#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "descriptor/descriptor.h"
#include "descriptor/node_graph.h"
#include "descriptor/source_loader.h"
#include "descriptor/variable_overrides.h"

namespace occam {

struct CompileOptions {
  std::string infra_path;
  // How diagnostics name the descriptor file; "" names it by its path.
  std::string infra_display_name;
  // "" means nodes/node_definitions.yaml beside the descriptor.
  std::string nodes_path;
  // Imports may leave the descriptor's (and node file's) folder.
  bool allow_outside_imports = false;
  // When not empty, the only folders imports may come from (instead of the
  // two files' folders), and the end of the error for an import outside
  // them: serve's posted descriptors.
  std::vector<std::string> import_roots;
  std::string outside_imports;
  // -var and -var-file: override the infrastructure's variables.
  VariableOverrides variables;
  // Warnings (what Occopus accepts but occam would not write) are errors.
  bool strict = false;
  SourceLimits limits;
};

// The node definition file that `options` names.
std::string NodeDefinitionsPath(const CompileOptions& options);

// Compiles the descriptor into `*out` and its dependency graph into
// `*graph`. Returns false with every problem in `diags` when the descriptor
// is invalid; the outputs are then incomplete.
bool CompileDescriptor(const CompileOptions& options, Descriptor* out,
                       NodeGraph* graph, Diagnostics* diags);

}  // namespace occam
