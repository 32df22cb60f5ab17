// `occam apply` and `occam destroy`: carry out a plan (made now, or saved
// by plan --out) through the providers, printing progress as Terraform
// does, and record every step in the state.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <mutex>

#include "autoscale/monitoring_files.h"
#include "cli/color.h"
#include "cli/command.h"
#include "cli/command_output.h"
#include "cli/descriptor_options.h"
#include "cli/plan_render.h"
#include "cli/state_options.h"
#include "apply/apply.h"
#include "autoscale/file_sd.h"
#include "planner/plan_file.h"
#include "planner/planner.h"
#include "cli/refresh_report.h"
#include "cli/state_outputs.h"
#include "planner/refresh.h"
#include "planner/replace_request.h"
#include "planner/targeting.h"
#include "state/state_lock.h"

namespace occam {
namespace {

using nlohmann::json;

std::atomic<bool> g_interrupted{false};

void OnInterrupt(int) {
  if (!g_interrupted.exchange(true)) {
    const char kMessage[] =
        "\nInterrupt received.\nPlease wait for occam to exit or data loss "
        "may occur.\nGracefully shutting down...\n";
    ssize_t ignored = write(2, kMessage, sizeof kMessage - 1);
    (void)ignored;
  }
}

struct ApplyCommandOptions {
  CompileOptions compile;
  StateOptions state;
  std::string plan_file;
  bool auto_approve = false;
  bool input = true;  // false: never prompt (fail instead)
  bool json = false;
  bool refresh = true;
  int parallelism = 10;
  bool compact_warnings = false;
  bool destroy = false;
  bool refresh_only = false;
  std::vector<std::string> replace;
  std::vector<std::string> targets;
  std::string targets_dir;  // file_sd; "" : occam-targets beside the state
};

// Prints Terraform's progress lines.
class ProgressPrinter : public ApplyObserver {
 public:
  ProgressPrinter() : tty_(isatty(1)) {}
  ~ProgressPrinter() override { std::cout.flush(); }

  void OnEvent(const ApplyEvent& e) override {
    std::cout << e.address << ": " << Text(e) << "\n";
    // Live on a terminal; into a pipe at most ten writes a second, which
    // matters when thousands of instances change.
    auto now = std::chrono::steady_clock::now();
    if (tty_ || now - last_flush_ > std::chrono::milliseconds(100)) {
      std::cout.flush();
      last_flush_ = now;
    }
  }

 private:
  static std::string Text(const ApplyEvent& e) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1fs", e.seconds);
    std::string id = e.id.empty() ? "" : " [id=" + e.id + "]";
    bool create = e.operation == "create", remove = e.operation == "delete";
    switch (e.kind) {
      case ApplyEvent::Kind::kStart:
        return create ? "Creating..." : remove ? "Destroying..." + id : "Modifying...";
      case ApplyEvent::Kind::kComplete:
        return (create   ? "Creation complete after "
                : remove ? "Destruction complete after "
                         : "Modifications complete after ") +
               std::string(seconds) + (remove ? "" : id);
      case ApplyEvent::Kind::kFail:
        return (create ? "Creation" : remove ? "Destruction" : "Modification") +
               std::string(" failed after ") + seconds;
      case ApplyEvent::Kind::kSkip:
        return "Skipped: " + e.message;
    }
    return "";
  }

  bool tty_;
  std::chrono::steady_clock::time_point last_flush_;
};

bool Confirm(bool destroy) {
  std::cout << (destroy ? "\nDo you really want to destroy all resources?\n"
                          "  occam will destroy all your managed "
                          "infrastructure, as shown above.\n"
                        : "\nDo you want to perform these actions?\n"
                          "  occam will perform the actions described "
                          "above.\n")
            << "  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
            << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  std::cout << "\n";
  return answer == "yes";
}

// Everything apply needs, held for the whole command.
struct Session {
  Descriptor descriptor;
  NodeGraph graph;
  std::unique_ptr<StateStore> store;
  std::unique_ptr<StateLock> lock;
  StateSnapshot state;
  std::unique_ptr<ProviderRegistry> providers;
};

// A saved plan is applied to the state it was made against: with no state
// there, that is what the error says (a new, empty state would only fail
// the lineage check).
Status OpenSession(const ApplyCommandOptions& o, Session* s,
                   const Plan* saved = nullptr) {
  Status st = OpenState(o.state, /*create=*/!saved, &s->store);
  if (st.IsNotFound() && saved) {
    st = Status::NotFound(
        "no state found at " + ShownLocation(o.state.path) + ": the saved "
        "plan " + o.plan_file + " was made against the state with lineage " +
        saved->lineage + " (serial " + std::to_string(saved->serial) +
        "). Apply it where that state is, or name it with --state (a "
        "postgres:// state is shared by every runner)");
  }
  if (st.ok()) {
    st = LockState(s->store.get(), o.state, o.destroy ? "destroy" : "apply",
                   &s->lock);
  }
  if (st.ok()) st = s->store->Load(&s->state);
  // Providers are handed the secrets (credentials, passwords to render).
  if (st.ok()) st = s->store->SecretsReadable();
  s->providers = std::make_unique<ProviderRegistry>(ProviderOptionsFor(o.state));
  return st;
}

// The plan to apply: the saved one, checked against the state and the
// descriptor, or one made now.
Status GetPlan(const ApplyCommandOptions& o, Session* s, Plan* plan,
               CommandOutput* output) {
  if (o.destroy) {
    *plan = MakeDestroyPlan(s->state);
    return Status::Ok();
  }
  if (!o.plan_file.empty()) {
    Status st = CheckPlanApplies(*plan, s->state);
    if (st.ok() && plan->secrets_not_compared > 0) {
      st = Status::InvalidArgument(
          "the saved plan was made without the state key: " +
          std::to_string(plan->secrets_not_compared) +
          " secret value(s) were not compared. Plan again with the key");
    }
    if (st.ok() && DescriptorDigest(s->descriptor) != plan->descriptor_digest) {
      st = Status::InvalidArgument(
          "Saved plan is stale: the descriptor changed after the plan was "
          "made. Plan again");
    }
    return st;
  }
  if (o.refresh) {
    Status st = RefreshState(s->providers.get(), &s->state, nullptr,
                             output->RefreshEvents());
    if (!st.ok()) return st;
  }
  // -replace plans from a copy in which those instances are tainted; the
  // state itself is not changed until they are replaced.
  StateSnapshot planned_from = s->state;
  Status replace = MarkForReplacement(o.replace, &planned_from);
  if (!replace.ok()) return replace;
  Diagnostics diags;
  if (!MakePlan(s->descriptor, s->graph, planned_from, plan, &diags)) {
    return Status::InvalidArgument(diags.ToString());
  }
  LabelRequestedReplacements(o.replace, plan);
  plan->var_assignments = o.compile.variables.assignments;
  plan->var_files = o.compile.variables.files;
  if (o.targets.empty()) return Status::Ok();
  output->Warning(kTargetingSummary, kTargetingDetail);
  return TargetPlan(o.targets, s->descriptor, s->graph, s->state, plan);
}

int ReportJson(const ApplyResult& result, bool destroy, JsonUi* ui) {
  if (result.ok()) {
    ui->ChangeSummary(result.added, result.changed, result.destroyed,
                      destroy ? "destroy" : "apply");
    return kExitOk;
  }
  for (const std::string& error : result.failed) ui->FailedChange(error);
  if (!result.skipped.empty()) {
    std::string all;
    for (const std::string& a : result.skipped) all += (all.empty() ? "" : " ") + a;
    ui->Diagnostic("warning", "Not started (" + std::to_string(result.skipped.size()) + ")", all);
  }
  ui->Diagnostic("error", "Apply stopped",
                 "What succeeded is recorded in the state: " +
                     std::to_string(result.added) + " added, " +
                     std::to_string(result.changed) + " changed, " +
                     std::to_string(result.destroyed) +
                     " destroyed. Run occam apply again to continue.");
  return kExitError;
}

int Report(const ApplyResult& result, bool destroy, CommandOutput* output) {
  if (output->json()) return ReportJson(result, destroy, output->ui());
  if (result.ok()) {
    std::cout << "\n"
              << (destroy ? "Destroy complete! Resources: " +
                                std::to_string(result.destroyed) +
                                " destroyed.\n"
                          : "Apply complete! Resources: " +
                                std::to_string(result.added) + " added, " +
                                std::to_string(result.changed) + " changed, " +
                                std::to_string(result.destroyed) +
                                " destroyed.\n");
    return kExitOk;
  }
  for (const std::string& error : result.failed) {
    std::cerr << "\nError: " << error << "\n";
  }
  if (!result.skipped.empty()) {
    std::cerr << "\nNot started (" << result.skipped.size() << "):";
    for (const std::string& a : result.skipped) std::cerr << " " << a;
    std::cerr << "\n";
  }
  std::cerr << "\nWhat succeeded is recorded in the state: " << result.added
            << " added, " << result.changed << " changed, " << result.destroyed
            << " destroyed. Run occam apply again to continue.\n";
  return kExitError;
}

// Shows the plan and gets the approval it needs; false when refused.
bool Approve(const ApplyCommandOptions& o, const Plan& plan,
             CommandOutput* output) {
  if (output->json()) {
    output->PlannedChanges(plan);
    if (o.plan_file.empty() && !o.auto_approve) {
      output->Error(Status::InvalidArgument(
          "-json never asks for approval: pass -auto-approve, or apply a "
          "saved plan"));
      return false;
    }
    return true;
  }
  if (o.plan_file.empty()) {
    WritePlanText(plan, [](const std::string& piece) { std::cout << ForStdout(piece); });
  }
  if (!o.plan_file.empty() || o.auto_approve) return true;
  if (!o.input) {
    std::cerr << "Error: " << (o.destroy ? "destroy" : "apply")
              << " needs approval, and -input=false forbids asking for it; "
                 "pass -auto-approve, or apply a saved plan\n";
    return false;
  }
  if (Confirm(o.destroy)) return true;
  std::cerr << (o.destroy ? "Destroy" : "Apply") << " cancelled.\n";
  return false;
}

ApplyOptions ApplyOptionsFromEnvironment(const ApplyCommandOptions& o) {
  ApplyOptions options;
  options.parallelism = std::max(1, o.parallelism);
  options.interrupted = &g_interrupted;
  // Fault injection for the crash tests (tests/apply_cli_test.cc,
  // tests/docker_cli_test.cc).
  if (const char* crash = std::getenv("OCCAM_CRASH_AFTER_COMMIT")) {
    options.crash_after_commit = std::atoi(crash);
  }
  if (const char* crash = std::getenv("OCCAM_CRASH_BEFORE_COMMIT")) {
    options.crash_before_commit = std::atoi(crash);
  }
  return options;
}

void PrintMonitoringUpdate(const MonitoringUpdate& update) {
  for (const std::string& path : update.rewritten) {
    std::cout << "Monitoring: rewrote " << path << " (the scaling policies changed)\n";
  }
  for (const std::string& url : update.reloaded) {
    std::cout << "Monitoring: reloaded " << url << "\n";
  }
}

// Discovery follows the state, whoever applied: the file_sd targets of
// every node type, rewritten after each apply and destroy.
Status WriteTargets(const ApplyCommandOptions& o, Session* session,
                    const Plan& plan) {
  StateSnapshot state;
  Status s = session->store->Load(&state);
  if (!s.ok()) return s;
  s = WriteTargetsAfterApply(session->descriptor, plan, state,
                             TargetsDir(o.state, o.targets_dir));
  if (!s.ok() || plan.destroy) return s;
  // And the monitoring `occam rules` wrote follows the policies.
  MonitoringUpdate update;
  s = KeepMonitoringInStep(session->descriptor, state, &update);
  if (s.ok() && !o.json) PrintMonitoringUpdate(update);
  return s;
}

// apply -refresh-only: records what a refresh finds (objects gone or
// drifted) once approved, and changes no object.
int RunRefreshOnly(const ApplyCommandOptions& o, CommandOutput* output) {
  Session session;
  Status s = OpenSession(o, &session);
  StateChange found;
  if (s.ok()) {
    s = RefreshState(session.providers.get(), &session.state, &found,
                     output->RefreshEvents());
  }
  if (!s.ok()) return output->Error(s);
  if (!output->json()) std::cout << ForStdout(RefreshOnlyText(found, true));
  if (DriftCount(found) > 0) {
    if (!o.auto_approve && output->json()) {
      return output->Error(Status::InvalidArgument(
          "-json never asks for approval: pass -auto-approve"));
    }
    if (!o.auto_approve && !o.input) {
      return output->Error(Status::InvalidArgument(
          "apply -refresh-only needs approval, and -input=false forbids asking "
          "for it; pass -auto-approve"));
    }
    if (!o.auto_approve && !Confirm(false)) {
      std::cerr << "Apply cancelled.\n";
      return kExitError;
    }
    Event event;
    event.kind = "refresh";
    event.message = "apply -refresh-only: " + std::to_string(DriftCount(found)) +
                    " gone or drifted of " +
                    std::to_string(session.state.instances.size());
    event.detail = {{"cause", "cli"}};
    found.events.push_back(event);
    int64_t serial;
    s = session.store->Commit(found, &serial);
    if (!s.ok()) return output->Error(s);
  }
  if (output->json()) {
    output->ui()->ChangeSummary(0, 0, 0, "apply");
  } else {
    std::cout << "\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n";
  }
  return kExitOk;
}

// -json: Terraform's "outputs" message after the summary: where each node
// type's instances now run.
void EmitOutputs(Session* session, CommandOutput* output) {
  StateSnapshot state;
  if (session->store->Load(&state).ok()) output->ui()->Outputs(OutputsJson(state));
}

int RunApply(ApplyCommandOptions o) {
  CommandOutput output(o.json);
  if (o.refresh_only) return RunRefreshOnly(o, &output);
  Plan plan;
  if (!o.plan_file.empty()) {
    SecretKeyring keys;
    Status s = StateKeys(o.state, &keys);
    if (s.ok()) s = ReadPlanFile(o.plan_file, &plan, keys);
    if (!s.ok()) return output.Error(s);
    o.compile.infra_path = plan.infra_file;
    for (const std::string& file : {plan.infra_file, plan.nodes_file}) {
      if (file.empty() || access(file.c_str(), R_OK) == 0) continue;
      return output.Error(Status::NotFound(
          "cannot read '" + file + "', which the saved plan " + o.plan_file +
          " was made from: apply reads the descriptor again to check that "
          "the plan is not stale and to render what the plan left unknown. "
          "Run apply in the folder where plan ran, with the same files (in a "
          "pipeline, carry the descriptor and its nodes/ with the plan)"));
    }
    o.compile.nodes_path = plan.nodes_file;
    o.compile.variables.assignments = plan.var_assignments;
    o.compile.variables.files = plan.var_files;
  }
  Session session;
  if ((!o.destroy || !o.compile.infra_path.empty()) &&
      !output.Compile(o.compile, &session.descriptor, &session.graph)) {
    return kExitError;
  }
  Status s = OpenSession(o, &session, o.plan_file.empty() ? nullptr : &plan);
  if (s.ok()) {
    NoteDaemon(session.state, o.destroy ? "it will leave the infrastructure "
                                          "destroyed until an apply"
                                        : "it will follow this apply");
  }
  if (s.ok()) s = GetPlan(o, &session, &plan, &output);
  if (!s.ok()) return output.Error(s);
  if (!plan.HasChanges() && !output.json()) {
    std::cout << ForStdout(RenderPlanText(plan));
  }
  if (!plan.HasChanges()) {
    // Nothing to do, but this is now what was applied (and, for destroy,
    // the infrastructure is destroyed).
    s = RecordApplied(session.store.get(), plan);
    if (s.ok()) s = WriteTargets(o, &session, plan);
    if (!s.ok()) return output.Error(s);
    int code = Report(ApplyResult(), plan.destroy, &output);
    if (output.json()) EmitOutputs(&session, &output);
    return code;
  }
  if (!Approve(o, plan, &output)) return kExitError;
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigaction(SIGINT, &action, nullptr);
  NetworkHealthChecker health;
  ProgressPrinter printer;
  std::unique_ptr<JsonUiObserver> json_observer;
  if (output.json()) json_observer = std::make_unique<JsonUiObserver>(output.ui());
  ApplyObserver* observer = output.json() ? static_cast<ApplyObserver*>(json_observer.get())
                                          : &printer;
  ApplyResult result;
  s = ApplyPlan(session.descriptor, plan, session.store.get(),
                session.providers.get(), &health, observer,
                ApplyOptionsFromEnvironment(o), &result);
  json_observer.reset();  // its progress thread stops before the summary
  if (s.ok()) s = WriteTargets(o, &session, plan);
  if (!s.ok() && !output.json()) {
    // What was recorded before the state failed (a full disk) still counts.
    std::cerr << "\nRecorded in the state before it could not be written: " << result.added
              << " added, " << result.changed << " changed, " << result.destroyed
              << " destroyed. Objects being made when it failed carry occam's tags: the "
                 "next apply finds them. Fix the cause and run occam apply again.\n";
  }
  if (!s.ok()) return output.Error(s);
  // A saved destroy plan reports as occam destroy does.
  int code = Report(result, plan.destroy, &output);
  if (output.json() && result.ok()) EmitOutputs(&session, &output);
  return code;
}

void AddApplyOptions(CLI::App* cmd, ApplyCommandOptions* o) {
  AddStateOptions(cmd, &o->state, /*can_create=*/true);
  AddTargetsDirOption(cmd, &o->targets_dir);
  cmd->add_flag("--compact-warnings", o->compact_warnings,
                "print warnings as one line each");
  cmd->add_flag("--auto-approve", o->auto_approve,
                "do not ask for confirmation");
  cmd->add_option("--input", o->input,
                  "ask for approval when needed (default true); "
                  "-input=false fails instead of asking");
  cmd->add_option("--parallelism", o->parallelism,
                  "how many provider calls may run at once (default 10)");
  cmd->add_flag("--json", o->json,
                "stream Terraform's machine-readable UI (JSON lines); needs "
                "-auto-approve or a saved plan");
}

}  // namespace

void RegisterApplyCommands(CLI::App* app, CommandList* commands) {
  auto apply = std::make_shared<ApplyCommandOptions>();
  CLI::App* cmd = app->add_subcommand(
      "apply", "Make the infrastructure match the descriptor, or carry out a "
               "saved plan");
  cmd->add_option("PLANFILE", apply->plan_file, "a plan saved by plan --out");
  cmd->add_option("-f,--file", apply->compile.infra_path,
                  "Occopus infrastructure descriptor");
  cmd->add_option("--nodes", apply->compile.nodes_path, "node definitions");
  cmd->add_flag("--allow-outside-imports",
                apply->compile.allow_outside_imports,
                "let imports read files outside the descriptor's folder");
  AddVariableOptions(cmd, &apply->compile);
  cmd->add_option("--target", apply->targets,
                  "apply only this node type or instance (app, app[1]) and "
                  "what it depends on (repeatable)");
  cmd->add_option("--refresh", apply->refresh,
                  "ask providers which objects still exist first (default "
                  "true)");
  auto* refresh_only = cmd->add_flag(
      "--refresh-only", apply->refresh_only,
      "only record what changed outside occam (objects gone or drifted); "
      "no object is changed");
  cmd->add_option("--replace", apply->replace,
                  "replace this instance (app[0]) although its configuration "
                  "is unchanged (repeatable)")
      ->excludes(refresh_only);
  AddApplyOptions(cmd, apply.get());
  commands->push_back({cmd, [apply]() -> int {
                         if (!apply->plan_file.empty() &&
                             !apply->compile.infra_path.empty()) {
                           std::cerr << "Error: give a descriptor (-f "
                                        "infra.yaml) or a saved plan, not "
                                        "both\n";
                           return kExitUsage;
                         }
                         if (apply->plan_file.empty() &&
                             apply->compile.infra_path.empty()) {
                           apply->compile.infra_path = DefaultDescriptorPath();
                         }
                         if (apply->plan_file.empty() && !apply->refresh_only &&
                             apply->compile.infra_path.empty()) {
                           std::cerr << "Error: " << NoDescriptorMessage()
                                     << ", or apply a plan saved by plan "
                                        "-out\n";
                           return kExitUsage;
                         }
                         if (apply->refresh_only && !apply->plan_file.empty()) {
                           std::cerr << "Error: -refresh-only makes its own "
                                        "plan; it cannot apply a saved one\n";
                           return kExitUsage;
                         }
                         SetCompactWarnings(apply->compact_warnings);
                         return RunApply(*apply);
                       }});

  auto destroy = std::make_shared<ApplyCommandOptions>();
  destroy->destroy = true;
  CLI::App* dcmd = app->add_subcommand(
      "destroy", "Delete every instance the state records, dependents first");
  dcmd->add_option("-f,--file", destroy->compile.infra_path,
                   "the descriptor (optional)");
  dcmd->add_option("--refresh", destroy->refresh,
                   "accepted: destroy deletes what the state records without "
                   "reading it first (deleting an object already gone succeeds)");
  AddApplyOptions(dcmd, destroy.get());
  commands->push_back({dcmd, [destroy] {
                         SetCompactWarnings(destroy->compact_warnings);
                         return RunApply(*destroy);
                       }});
}

}  // namespace occam
