#include "cli/command_output.h"

#include <iostream>

#include "cli/command.h"
#include "cli/descriptor_options.h"

namespace occam {

CommandOutput::CommandOutput(bool json) {
  if (!json) return;
  ui_ = std::make_unique<JsonUi>(std::cout);
  ui_->Version();
}

bool CommandOutput::Compile(const CompileOptions& options,
                            Descriptor* descriptor, NodeGraph* graph) {
  if (!ui_) return CompileOrReport(options, descriptor, graph, std::cerr);
  if (options.infra_path.empty()) {
    ui_->Diagnostic("error", NoDescriptorMessage());
    return false;
  }
  Diagnostics diags;
  bool ok = CompileDescriptor(options, descriptor, graph, &diags);
  ui_->Report(diags);
  return ok;
}

int CommandOutput::Error(const Status& status) {
  if (!ui_) return ReportError(status, std::cerr);
  ui_->Diagnostic("error", status.message());
  return kExitError;
}

namespace {
bool g_compact_warnings = false;
}  // namespace

void SetCompactWarnings(bool compact) { g_compact_warnings = compact; }
bool CompactWarnings() { return g_compact_warnings; }

void CommandOutput::Warning(const std::string& summary,
                            const std::string& detail) {
  if (ui_) {
    ui_->Diagnostic("warning", summary, detail);
  } else if (g_compact_warnings) {
    std::cerr << "\nWarnings:\n\n- " << summary << "\n";
  } else {
    std::cerr << "\nWarning: " << summary << "\n\n" << detail << "\n\n";
  }
}

RefreshObserver CommandOutput::RefreshEvents() {
  if (!ui_) return {};
  JsonUi* ui = ui_.get();
  return [ui](const ResourceInstance& r, bool done) {
    ui->Refresh(r.address, r.provider, r.provider_id, done);
  };
}

void CommandOutput::PlannedChanges(const Plan& plan) {
  if (!ui_) return;
  ui_->PlannedChanges(plan);
  ui_->ChangeSummary(PlanAdds(plan), plan.Count(ChangeAction::kUpdate),
                     PlanRemoves(plan), "plan");
}

int PlanAdds(const Plan& plan) {
  return plan.Count(ChangeAction::kCreate) + plan.Count(ChangeAction::kReplace);
}

int PlanRemoves(const Plan& plan) {
  return plan.Count(ChangeAction::kDelete) + plan.Count(ChangeAction::kReplace);
}

}  // namespace occam
