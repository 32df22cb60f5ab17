// `occam scale NODE +N|-N|N`: records a node type's desired count, clamped
// to its scaling range, with an event saying who asked; the next plan
// shows the instances to create or destroy.
#include <iostream>

#include "cli/command.h"
#include "cli/descriptor_options.h"
#include "cli/state_options.h"
#include "planner/scaling.h"
#include "state/state_lock.h"

namespace occam {
namespace {

struct ScaleOptions {
  CompileOptions compile;
  StateOptions state;
  std::string node;
  std::string change;
  std::string instance;
};

Status Scale(const ScaleOptions& options, const Descriptor& descriptor,
             ScaleDecision* decision) {
  ScaleRequest request;
  request.node = options.node;
  request.instance = options.instance;
  Status s = ParseCountChange(options.change, &request);
  std::unique_ptr<StateStore> store;
  if (s.ok()) s = OpenState(options.state, /*create=*/true, &store);
  if (!s.ok()) return s;
  std::unique_ptr<StateLock> lock;
  s = LockState(store.get(), options.state, "scale", &lock);
  StateSnapshot state;
  if (s.ok()) s = store->Load(&state);
  if (s.ok()) NoteDaemon(state, "it will apply this count");
  if (s.ok()) s = DecideScale(descriptor, state, request, decision);
  int64_t serial;
  if (s.ok()) s = store->Commit(decision->change, &serial);
  return s;
}

int RunScale(const ScaleOptions& options) {
  Descriptor descriptor;
  NodeGraph graph;
  if (!CompileOrReport(options.compile, &descriptor, &graph, std::cerr)) {
    return kExitError;
  }
  ScaleDecision decision;
  Status s = Scale(options, descriptor, &decision);
  if (!s.ok()) return ReportError(s, std::cerr);
  std::cout << decision.message << ".\n";
  if (decision.from != decision.to) {
    std::cout << "Run occam plan to see the instances this changes.\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterScaleCommand(CLI::App* app, CommandList* commands) {
  auto options = std::make_shared<ScaleOptions>();
  CLI::App* cmd = app->add_subcommand(
      "scale", "Set a node type's desired count: +N, -N or N");
  cmd->add_option("NODE", options->node, "node name")->required();
  cmd->add_option("CHANGE", options->change, "+N, -N or N")->required();
  AddDescriptorOptions(cmd, &options->compile);
  AddStateOptions(cmd, &options->state, /*can_create=*/true);
  cmd->add_option("--instance", options->instance,
                  "with a decrease: remove this instance (e.g. app[2]) "
                  "first");
  commands->push_back({cmd, [options] { return RunScale(*options); }});
}

}  // namespace occam
