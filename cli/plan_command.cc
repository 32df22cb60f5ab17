// `occam plan`: compares the descriptor with the state and prints the
// changes apply would make; `--out FILE` saves them for apply.
#include <iostream>

#include "cli/command.h"
#include "cli/descriptor_options.h"
#include "cli/plan_render.h"
#include "cli/state_options.h"
#include "planner/plan_file.h"
#include "planner/planner.h"
#include "planner/refresh.h"
#include "state/state_lock.h"

namespace occam {
namespace {

struct PlanOptions {
  CompileOptions compile;
  StateOptions state;
  std::string out;
  bool json = false;
  bool markdown = false;
  bool detailed_exitcode = false;
  bool refresh = true;
};

// Reads the state under its lock; the lock is released before rendering.
Status ReadState(const StateOptions& options, StateSnapshot* snapshot) {
  std::unique_ptr<SqliteStateStore> store;
  Status s = OpenState(options, /*create=*/true, &store);
  if (!s.ok()) return s;
  std::unique_ptr<StateLock> lock;
  s = LockState(store.get(), options, "plan", &lock);
  if (!s.ok()) return s;
  return store->Load(snapshot);
}

int RunPlan(const PlanOptions& options) {
  Descriptor descriptor;
  NodeGraph graph;
  if (!CompileOrReport(options.compile, &descriptor, &graph, std::cerr)) {
    return kExitError;
  }
  StateSnapshot state;
  Status s = ReadState(options.state, &state);
  if (s.ok() && options.refresh) {
    // Objects that died are planned for re-creation (drift); the refresh
    // is not recorded.
    ProviderRegistry registry(ProviderOptionsFor(options.state));
    s = RefreshState(&registry, &state, nullptr);
  }
  if (!s.ok()) return ReportError(s, std::cerr);
  Plan plan;
  Diagnostics diags;
  if (!MakePlan(descriptor, graph, state, &plan, &diags)) {
    std::cerr << diags.ToString();
    return kExitError;
  }
  std::cout << RenderPlan(plan, options.json, options.markdown);
  if (!options.out.empty()) {
    s = WritePlanFile(options.out, plan);
    if (!s.ok()) return ReportError(s, std::cerr);
    if (!options.json) {
      std::cout << "\nSaved the plan to: " << options.out
                << "\n\nTo perform exactly these actions, run:\n"
                << "  occam apply " << options.out << "\n";
    }
  }
  if (options.detailed_exitcode && plan.HasChanges()) return kExitChanges;
  return kExitOk;
}

}  // namespace

void RegisterPlanCommand(CLI::App* app, CommandList* commands) {
  auto options = std::make_shared<PlanOptions>();
  CLI::App* cmd = app->add_subcommand(
      "plan", "Show the changes that would make the state match the "
              "descriptor");
  AddDescriptorOptions(cmd, &options->compile);
  AddStateOptions(cmd, &options->state, /*can_create=*/true);
  cmd->add_option("--out", options->out,
                  "save the plan to FILE for occam apply (also -out)");
  auto* json = cmd->add_flag("--json", options->json,
                             "print Terraform's plan JSON representation");
  cmd->add_flag("--markdown", options->markdown,
                "print Markdown for a pull-request comment")
      ->excludes(json);
  cmd->add_flag("--detailed-exitcode", options->detailed_exitcode,
                "exit 0 without changes, 1 on error, 2 with changes");
  cmd->add_option("--refresh", options->refresh,
                  "ask providers which objects still exist (default true)");
  commands->push_back({cmd, [options] { return RunPlan(*options); }});
}

}  // namespace occam
