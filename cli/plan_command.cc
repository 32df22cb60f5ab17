// `occam plan`: compares the descriptor with the state and prints the
// changes apply would make; `--out FILE` saves them for apply.
#include <unistd.h>

#include <iostream>
#include <optional>

#include "autoscale/monitoring_files.h"
#include "base/kept_until_exit.h"
#include "cli/color.h"
#include "cli/command.h"
#include "cli/command_output.h"
#include "cli/descriptor_options.h"
#include "cli/plan_render.h"
#include "cli/state_options.h"
#include "planner/plan_file.h"
#include "planner/planner.h"
#include "cli/refresh_report.h"
#include "planner/refresh.h"
#include "planner/replace_request.h"
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
  // Terraform's: plan never asks for input; plan's refresh reads one
  // instance at a time, within any -parallelism.
  bool input = true;
  int parallelism = 10;
  bool compact_warnings = false;
  bool refresh_only = false;
  std::vector<std::string> replace;
};

// Reads the state under its lock; the lock is released before rendering.
// -lock=false reads without it, and without writing anything: the state
// may be read-only, or missing (then the plan starts from nothing).
// `*running` says who holds the lock when -lock=false read a state that a
// running occam is changing.
Status ReadState(const StateOptions& options, StateSnapshot* snapshot,
                 std::optional<LockInfo>* running) {
  std::unique_ptr<StateStore> store;
  if (!options.lock) {
    if (!IsPostgresLocation(options.path) &&
        access(options.path.c_str(), F_OK) != 0) {
      return Status::Ok();
    }
    Status s = OpenStateReadOnly(options, &store);
    if (s.IsNotFound()) return Status::Ok();  // no state yet: plan from nothing
    if (s.ok()) s = store->CurrentLock(running);
    if (s.ok() && *running && !LockHolderIsRunning(**running)) running->reset();
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
  LabelRequestedReplacements(options.replace, plan);
  if (options.targets.empty()) return Status::Ok();
  return TargetPlan(options.targets, descriptor, graph, state, plan);
}

// -lock=false while an apply runs: the instances it is changing are not
// left over from a crash, whatever their status says.
void NoteRunningApply(const LockInfo& holder, Plan* plan) {
  for (ResourceChange& c : plan->changes) {
    if (c.reason != ChangeReason::kInterrupted) continue;
    c.reason_detail = "occam " + holder.operation + " (process " +
                      std::to_string(holder.pid) + " on " + holder.host +
                      ") is changing " + c.address +
                      " now; this plan read the state without the lock and "
                      "may be out of date";
  }
  plan->notes.push_back("the state is locked by a running occam " +
                        holder.operation + " (process " +
                        std::to_string(holder.pid) + " on " + holder.host +
                        "): this plan, made with -lock=false, shows its "
                        "changes in flight; plan again when it has finished");
}

// The files `occam rules` wrote that the descriptor's policies have left
// behind: apply rewrites them.
void NoteStaleMonitoring(const Descriptor& descriptor, const StateSnapshot& state,
                         Plan* plan) {
  for (const std::string& path : StaleMonitoringFiles(descriptor, state)) {
    plan->notes.push_back(path + " is out of date with the scaling policies; "
                          "apply rewrites it (and reloads what occam rules "
                          "--reload named)");
  }
}

// plan -refresh-only: what changed outside occam, and nothing to do about
// it.
int RunRefreshOnlyPlan(const PlanOptions& options, const StateSnapshot& read,
                       CommandOutput* output) {
  StateSnapshot state = read;
  ProviderRegistry registry(ProviderOptionsFor(options.state));
  StateChange found;
  Status s = RefreshState(&registry, &state, &found, output->RefreshEvents());
  if (!s.ok()) return output->Error(s);
  if (!output->json()) std::cout << ForStdout(RefreshOnlyText(found, false));
  if (output->json()) {
    for (const ResourceInstance& r : found.put) {
      bool gone = r.status == InstanceStatus::kGone;
      if (gone || r.status == InstanceStatus::kDrifted) {
        output->ui()->Drift(r.address, r.provider, gone);
      }
    }
    output->ui()->ChangeSummary(0, 0, 0, "plan");
  }
  if (options.detailed_exitcode && DriftCount(found) > 0) return kExitChanges;
  return kExitOk;
}

// The command that applies a plan saved with these options.
std::string ApplyHint(const PlanOptions& options) {
  std::string line = "occam apply";
  if (options.state.path != StateOptions().path) {
    line += IsPostgresLocation(options.state.path)
                ? " --state '" + ShownLocation(options.state.path) + "'"
                : " --state " + options.state.path;
  }
  return line + " " + options.out;
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
  // The state and the plan are the command's largest objects; freeing them
  // would be the last thing it does (base/kept_until_exit.h).
  StateSnapshot& state = KeptUntilExit<StateSnapshot>();
  std::optional<LockInfo> running;
  Status s = ReadState(options.state, &state, &running);
  if (!s.ok()) return output.Error(s);
  if (options.refresh_only) return RunRefreshOnlyPlan(options, state, &output);
  s = MarkForReplacement(options.replace, &state);
  if (s.ok() && options.refresh) {
    // Objects that died are planned for re-creation (drift); the refresh
    // is not recorded.
    ProviderRegistry registry(ProviderOptionsFor(options.state));
    s = RefreshState(&registry, &state, nullptr, output.RefreshEvents());
  }
  Plan& plan = KeptUntilExit<Plan>();
  if (s.ok()) s = MakeCommandPlan(options, descriptor, graph, state, &plan);
  if (!s.ok()) return output.Error(s);
  if (running) NoteRunningApply(*running, &plan);
  if (s.ok() && !options.destroy) NoteStaleMonitoring(descriptor, state, &plan);
  if (options.markdown) s = CheckMarkdownLimit(plan, options.markdown_limit);
  if (!s.ok()) return output.Error(s);
  if (!options.targets.empty()) output.Warning(kTargetingSummary, kTargetingDetail);
  PrintPlan(options, plan, &output);
  if (!options.out.empty()) {
    SecretKeyring keys;
    s = StateKeys(options.state, &keys);
    if (s.ok() && plan.secrets_not_compared > 0) {
      // Its configurations hold the secrets rendered from the descriptor,
      // which only the key could seal.
      s = Status::Unavailable(
          "not saving the plan to " + options.out + ": the state's secrets "
          "are sealed with a key this plan was not given, and a saved plan "
          "would hold the secrets in plain text. Give the state key "
          "(OCCAM_STATE_KEY) to save it");
    }
    if (s.ok()) s = WritePlanFile(options.out, plan, keys);
    if (!s.ok()) return output.Error(s);
    if (!options.json) {
      std::cout << "\nSaved the plan to: " << options.out
                << "\n\nTo perform exactly these actions, run:\n"
                << "  " << ApplyHint(options) << "\n";
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
  cmd->add_option("--input", options->input,
                  "accepted for Terraform's command lines: plan never asks "
                  "for input");
  cmd->add_option("--parallelism", options->parallelism,
                  "at most this many provider calls at once (plan's refresh "
                  "makes one at a time)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--compact-warnings", options->compact_warnings,
                "print warnings as one line each");
  auto* refresh_only = cmd->add_flag(
      "--refresh-only", options->refresh_only,
      "only show what changed outside occam (objects gone or drifted); "
      "occam apply -refresh-only records it");
  cmd->add_option("--replace", options->replace,
                  "plan to replace this instance (app[0]) although its "
                  "configuration is unchanged (repeatable)")
      ->excludes(refresh_only);
  refresh_only->excludes("--destroy");
  commands->push_back({cmd, [options]() -> int {
                         SetCompactWarnings(options->compact_warnings);
                         if (options->refresh_only && !options->out.empty()) {
                           std::cerr << "Error: a refresh-only plan cannot be "
                                        "saved; run occam apply -refresh-only "
                                        "to record what it finds\n";
                           return kExitUsage;
                         }
                         return RunPlan(*options);
                       }});
}

}  // namespace occam
