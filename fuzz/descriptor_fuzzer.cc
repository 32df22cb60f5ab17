// Fuzzes reading and compiling a descriptor: the infrastructure file, its
// node definitions and one imported file (yaml or text), as three parts of
// the input. Any input must give a result or diagnostics, never a crash.
#include <cstdint>

#include "descriptor/compiler.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = occam::fuzz::SplitParts(data, size, 3);
  occam::CompileOptions options;
  options.infra_path = occam::fuzz::WriteFile("infra.yaml", parts[0]);
  options.nodes_path = occam::fuzz::WriteFile("nodes/node_definitions.yaml",
                                              parts[1]);
  occam::fuzz::WriteFile("nodes/imported.yaml", parts[2]);
  occam::Descriptor descriptor;
  occam::NodeGraph graph;
  occam::Diagnostics diags;
  occam::CompileDescriptor(options, &descriptor, &graph, &diags);
  diags.ToString();
  return 0;
}
