#include "cli/graph_command.h"

#include <ostream>

#include "cli/descriptor_options.h"
#include "cli/graph_render.h"
#include "cli/validate_command.h"

namespace occam {

void AddGraphCommand(CLI::App* app, GraphOptions* options) {
  CLI::App* cmd = app->add_subcommand(
      "graph", "Print the dependency graph of a descriptor's node types");
  AddDescriptorOptions(cmd, &options->compile);
  cmd->add_option("--format", options->format,
                  "text (build levels) or dot (graphviz)")
      ->check(CLI::IsMember({"text", "dot"}));
}

int RunGraph(const GraphOptions& options, std::ostream& out,
             std::ostream& err) {
  Descriptor descriptor;
  NodeGraph graph;
  Diagnostics diags;
  if (!CompileDescriptor(options.compile, &descriptor, &graph, &diags)) {
    PrintDiagnostics(diags, err);
    return 1;
  }
  out << (options.format == "dot" ? RenderDot(descriptor, graph)
                                  : RenderLevels(descriptor, graph));
  return 0;
}

}  // namespace occam
