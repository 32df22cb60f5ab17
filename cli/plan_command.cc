// `occam plan`: compares the descriptor with the state and prints the
// changes apply would make; `--out FILE` saves them for apply.
#include <unistd.h>

#include <iostream>

#include "cli/color.h"
#include "cli/command.h"
#include "cli/command_output.h"
#include "cli/descriptor_options.h"
#include "cli/plan_render.h"
#include "cli/state_options.h"
#include "planner/plan_file.h"
#include "planner/planner.h"
#include "planner/refresh.h"
#include "planner/targeting.h"
#include "state/state_lock.h"

namespace occam {
namespace {

struct PlanOptions {
  CompileOptions compile;
  StateOptions state;
  std::string out;
  bool json = false;
  bool markdown = false;
  size_t markdown_limit = kMarkdownLimit;
  bool detailed_exitcode = false;
  bool refresh = true;
  bool destroy = false;
  std::vector<std::string> targets;
};

// Reads the state under its lock; the lock is released before rendering.
// -lock=false reads without it, and without writing anything: the state
// may be read-only, or missing (then the plan starts from nothing).
Status ReadState(const StateOptions& options, StateSnapshot* snapshot) {
  std::unique_ptr<SqliteStateStore> store;
  if (!options.lock) {
    if (access(options.path.c_str(), F_OK) != 0) return Status::Ok();
    Status s = OpenStateReadOnly(options, &store);
    return s.ok() ? store->Load(snapshot) : s;
  }
  Status s = OpenState(options, /*create=*/true, &store);
  std::unique_ptr<StateLock> lock;
  if (s.ok()) s = LockState(store.get(), options, "plan", &lock);
  if (!s.ok() && s.message().find("readonly") != std::string::npos) {
    return Status::IOError(s.message() +
                           "; to plan from a state you cannot write, add "
                           "-lock=false");
  }
  if (!s.ok()) return s;
  return store->Load(snapshot);
}

// The plan the options ask for: the descriptor's, or (-destroy) one that
// deletes everything; narrowed to -target.
Status MakeCommandPlan(const PlanOptions& options, const Descriptor& descriptor,
                       const NodeGraph& graph, const StateSnapshot& state,
                       Plan* plan) {
  Diagnostics diags;
  if (options.destroy) {
    *plan = MakeDestroyPlan(state);
    plan->infra_name = descriptor.infra_name;
    plan->descriptor_digest = DescriptorDigest(descriptor);
    plan->infra_file = descriptor.infra_file;
    plan->nodes_file = descriptor.nodes_file;
  } else if (!MakePlan(descriptor, graph, state, plan, &diags)) {
    return Status::InvalidArgument(diags.ToString());
  }
  plan->var_assignments = options.compile.variables.assignments;
  plan->var_files = options.compile.variables.files;
  if (options.targets.empty()) return Status::Ok();
  return TargetPlan(options.targets, descriptor, graph, state, plan);
}

// Prints the plan as the options ask: text (coloured on a terminal),
// Markdown, or (-json) Terraform's machine-readable UI.
void PrintPlan(const PlanOptions& options, const Plan& plan,
               CommandOutput* output) {
  if (output->json()) {
    output->PlannedChanges(plan);
    return;
  }
  WritePlan(plan, false, options.markdown, options.markdown_limit,
            [&options](const std::string& piece) {
              std::cout << (options.markdown ? piece : ForStdout(piece));
            });
}

int RunPlan(const PlanOptions& options) {
  CommandOutput output(options.json);
  Descriptor descriptor;
  NodeGraph graph;
  if (!output.Compile(options.compile, &descriptor, &graph)) return kExitError;
  StateSnapshot state;
  Status s = ReadState(options.state, &state);
  if (s.ok() && options.refresh) {
    // Objects that died are planned for re-creation (drift); the refresh
    // is not recorded.
    ProviderRegistry registry(ProviderOptionsFor(options.state));
    s = RefreshState(&registry, &state, nullptr, output.RefreshEvents());
  }
  Plan plan;
  if (s.ok()) s = MakeCommandPlan(options, descriptor, graph, state, &plan);
  if (!s.ok()) return output.Error(s);
  if (!options.targets.empty()) output.Warning(kTargetingSummary, kTargetingDetail);
  PrintPlan(options, plan, &output);
  if (!options.out.empty()) {
    s = WritePlanFile(options.out, plan);
    if (!s.ok()) return output.Error(s);
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
  auto* json = cmd->add_flag(
      "--json", options->json,
      "stream Terraform's machine-readable UI (JSON lines); the plan "
      "document is show -json PLANFILE");
  cmd->add_flag("--markdown", options->markdown,
                "print Markdown for a pull-request comment")
      ->excludes(json);
  cmd->add_option("--markdown-limit", options->markdown_limit,
                  "at most this many characters of Markdown (default 60000; a "
                  "GitHub comment holds 65536)");
  cmd->add_flag("--detailed-exitcode", options->detailed_exitcode,
                "exit 0 without changes, 1 on error, 2 with changes");
  cmd->add_option("--refresh", options->refresh,
                  "ask providers which objects still exist (default true)");
  cmd->add_flag("--destroy", options->destroy,
                "plan to destroy every instance the state records");
  cmd->add_option("--target", options->targets,
                  "plan only this node type or instance (app, app[1]) and "
                  "what it depends on (repeatable)");
  commands->push_back({cmd, [options] { return RunPlan(*options); }});
}

}  // namespace occam
