// `occam graph`: the dependency graph of a descriptor's node types, as DOT
// for graphviz or as build levels in text.
#include <iostream>

#include "cli/command.h"
#include "cli/descriptor_options.h"
#include "cli/graph_render.h"

namespace occam {
namespace {

struct GraphOptions {
  CompileOptions compile;
  std::string format = "text";
};

int RunGraph(const GraphOptions& options) {
  Descriptor descriptor;
  NodeGraph graph;
  if (!CompileOrReport(options.compile, &descriptor, &graph, std::cerr)) {
    return kExitError;
  }
  std::cout << (options.format == "dot" ? RenderDot(descriptor, graph)
                                        : RenderLevels(descriptor, graph));
  return kExitOk;
}

}  // namespace

void RegisterGraphCommand(CLI::App* app, CommandList* commands) {
  auto options = std::make_shared<GraphOptions>();
  CLI::App* cmd = app->add_subcommand(
      "graph", "Print the dependency graph of a descriptor's node types");
  AddDescriptorOptions(cmd, &options->compile);
  cmd->add_option("--format", options->format,
                  "text (build levels) or dot (graphviz)")
      ->check(CLI::IsMember({"text", "dot"}));
  commands->push_back({cmd, [options] { return RunGraph(*options); }});
}

}  // namespace occam
