// Terraform's machine-readable UI (ui version "1.0"), for plan -json and
// apply -json: one JSON object per line on stdout, each with "@level",
// "@message", "@module" ("occam.ui"), "@timestamp" and "type" — version,
// planned_change, resource_drift, change_summary, apply_start,
// apply_progress, apply_complete, apply_errored, outputs and diagnostic — so that tools that follow
// a Terraform run follow an occam run. Thread-safe: apply's workers report
// at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <thread>

#include "apply/apply.h"
#include "base/diagnostic.h"
#include "planner/plan.h"

namespace occam {

class JsonUi {
 public:
  explicit JsonUi(std::ostream& out) : out_(out) {}

  void Version();
  // Remembers each instance's provider for the hooks that follow.
  void PlannedChanges(const Plan& plan);
  // operation: "plan", "apply" or "destroy".
  void ChangeSummary(int add, int change, int remove, const std::string& operation);
  void Hook(const ApplyEvent& event);
  // refresh_start (done = false) and refresh_complete of one instance.
  void Refresh(const std::string& address, const std::string& provider,
               const std::string& id, bool done);
  // Every "still running" message at 10-second marks since its start.
  void Progress(const std::string& address, const std::string& action,
                double elapsed_seconds);
  // `address`, when given, is the instance the diagnostic is about.
  void Diagnostic(const std::string& severity, const std::string& summary,
                  const std::string& detail = "", const std::string& address = "");
  // An error diagnostic for one of ApplyResult::failed ("app[1]: …").
  void FailedChange(const std::string& failure);
  // resource_drift: an object found gone (or changed) outside occam.
  void Drift(const std::string& address, const std::string& provider, bool gone);
  // outputs: Terraform's {"NAME": {"sensitive", "type", "value"}} after an
  // apply.
  void Outputs(const nlohmann::json& outputs);
  // Every error and warning of a compile.
  void Report(const Diagnostics& diags);

 private:
  nlohmann::json Resource(const std::string& address) const;
  void Emit(const std::string& level, const std::string& message,
            const std::string& type, nlohmann::json fields);

  std::ostream& out_;
  std::mutex mu_;
  std::map<std::string, std::string> providers_;  // address → provider
};

// An ApplyObserver that speaks JsonUi and reports, every 10 seconds, the
// operations still running (apply_progress), from a thread of its own.
class JsonUiObserver : public ApplyObserver {
 public:
  explicit JsonUiObserver(JsonUi* ui);
  ~JsonUiObserver() override;
  void OnEvent(const ApplyEvent& event) override;

 private:
  struct Running {
    std::string action;
    double started;  // seconds on the steady clock
    int reported = 0;  // 10-second marks already reported
  };
  void Tick();

  JsonUi* ui_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::map<std::string, Running> running_;
  std::thread ticker_;
};

}  // namespace occam
