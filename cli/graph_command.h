// `occam graph`: the dependency graph of a descriptor's node types, as DOT
// for graphviz or as build levels in text.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>

#include "planner/compiler.h"

namespace occam {

struct GraphOptions {
  CompileOptions compile;
  std::string format = "text";  // "text" or "dot"
};

void AddGraphCommand(CLI::App* app, GraphOptions* options);
// Exit code: 0 printed, 1 invalid descriptor.
int RunGraph(const GraphOptions& options, std::ostream& out,
             std::ostream& err);

}  // namespace occam
