// `occam validate`: compiles a descriptor and prints a one-line summary, or
// every error found.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>

#include "planner/compiler.h"

namespace occam {

struct ValidateOptions {
  CompileOptions compile;
};

void AddValidateCommand(CLI::App* app, ValidateOptions* options);
// Exit code: 0 valid, 1 invalid.
int RunValidate(const ValidateOptions& options, std::ostream& out,
                std::ostream& err);

// Prints every diagnostic and a count line; shared by commands that compile.
void PrintDiagnostics(const Diagnostics& diags, std::ostream& err);

}  // namespace occam
