// The options every command that reads a descriptor shares (-f/--file,
// --nodes, --allow-outside-imports), and compiling the descriptor they
// name with every error printed.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>

#include "descriptor/compiler.h"

namespace occam {

// -f defaults to DefaultDescriptorPath(): as Terraform reads the folder it
// runs in, `occam plan` with no -f reads infra.yaml there.
void AddDescriptorOptions(CLI::App* command, CompileOptions* options);

// The descriptor of the current folder: infra.yaml (or .yml), else the one
// file named infra*.yaml or infra*.yml (Occopus's tutorials name theirs
// infra-NAME.yaml); "" when there is none, or more than one.
std::string DefaultDescriptorPath();
// The error for a command that has no descriptor to read.
std::string NoDescriptorMessage();
// -var NAME=VALUE and -var-file FILE (part of AddDescriptorOptions).
void AddVariableOptions(CLI::App* command, CompileOptions* options);

// Compiles; on failure prints every diagnostic and a count to `err`.
bool CompileOrReport(const CompileOptions& options, Descriptor* descriptor,
                     NodeGraph* graph, std::ostream& err);

}  // namespace occam
