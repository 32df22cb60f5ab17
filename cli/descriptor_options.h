// The options every command that reads a descriptor shares (-f/--file,
// --nodes, --allow-outside-imports), and compiling the descriptor they
// name with every error printed.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>

#include "descriptor/compiler.h"

namespace occam {

void AddDescriptorOptions(CLI::App* command, CompileOptions* options);
// -var NAME=VALUE and -var-file FILE (part of AddDescriptorOptions).
void AddVariableOptions(CLI::App* command, CompileOptions* options);

// Compiles; on failure prints every diagnostic and a count to `err`.
bool CompileOrReport(const CompileOptions& options, Descriptor* descriptor,
                     NodeGraph* graph, std::ostream& err);

}  // namespace occam
