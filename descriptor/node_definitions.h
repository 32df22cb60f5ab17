// Reads and checks an Occopus node definition file: a mapping from
// 'node_def:TYPE' to a list of implementations.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "descriptor/descriptor.h"
#include "base/value.h"

namespace occam {

struct NodeDefinition {
  std::string type;
  std::vector<Implementation> implementations;  // in written order
  SourceMark mark;
};

// Node definitions by TYPE (the part after "node_def:").
using NodeDefinitions = std::map<std::string, NodeDefinition>;

// Fills `*out` with every definition of `root`, reporting each problem.
// Returns false when there was any; `*out` then holds what could be read.
bool ReadNodeDefinitions(const Value& root, NodeDefinitions* out,
                         Diagnostics* diags);

}  // namespace occam
