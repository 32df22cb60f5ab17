// How a command reports: Terraform's human text (stdout, errors on stderr)
// or, with -json, Terraform's machine-readable UI — JSON lines on stdout
// and nothing else there. plan and apply speak through it, so that both
// forms say the same things.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "cli/json_ui.h"
#include "descriptor/compiler.h"
#include "planner/plan.h"
#include "planner/refresh.h"

namespace occam {

class CommandOutput {
 public:
  explicit CommandOutput(bool json);

  bool json() const { return ui_ != nullptr; }
  JsonUi* ui() { return ui_.get(); }

  // Compiles the descriptor; warnings and errors go out as text or JSON.
  bool Compile(const CompileOptions& options, Descriptor* descriptor,
               NodeGraph* graph);
  // Reports `status` as an error; returns kExitError.
  int Error(const Status& status);
  // A warning with a headline and its explanation.
  void Warning(const std::string& summary, const std::string& detail);
  // JSON only: refresh_start/refresh_complete per instance (empty for
  // text).
  RefreshObserver RefreshEvents();
  // JSON only: each planned change and the plan's summary.
  void PlannedChanges(const Plan& plan);

 private:
  std::unique_ptr<JsonUi> ui_;
};

// -compact-warnings: warnings as one line each, under "Warnings:".
void SetCompactWarnings(bool compact);
bool CompactWarnings();

// Terraform's counts: a replace adds one and removes one.
int PlanAdds(const Plan& plan);
int PlanRemoves(const Plan& plan);

}  // namespace occam
