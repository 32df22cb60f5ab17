// The options every command that reads a descriptor shares:
// -f/--file, --nodes and --allow-outside-imports.
#pragma once

#include <CLI/CLI.hpp>

#include "planner/compiler.h"

namespace occam {

void AddDescriptorOptions(CLI::App* command, CompileOptions* options);

}  // namespace occam
