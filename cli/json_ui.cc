#include "cli/json_ui.h"

#include "planner/address.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "base/diagnostic_json.h"
#include "cli/command.h"
#include "state/state_snapshot.h"  // ParseInstanceAddress

namespace occam {
namespace {

using nlohmann::json;

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  long micros = static_cast<long>(
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch())
          .count() % 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+00:00",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, micros);
  return buf;
}

double SteadySeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Action(const ResourceChange& c) {
  switch (c.action) {
    case ChangeAction::kCreate: return "create";
    case ChangeAction::kUpdate: return "update";
    case ChangeAction::kDelete: return "delete";
    case ChangeAction::kReplace: return "replace";
    case ChangeAction::kNoOp: return "noop";
  }
  return "noop";
}

// "Creating", "Modifying", "Destroying" …
std::string Verb(const std::string& action, bool ing) {
  if (action == "create") return ing ? "Creating" : "Creation";
  if (action == "delete") return ing ? "Destroying" : "Destruction";
  return ing ? "Modifying" : "Modifications";
}

std::string Seconds(double s) {
  return std::to_string(static_cast<long>(std::lround(s))) + "s";
}

}  // namespace

json JsonUi::Resource(const std::string& address) const {
  std::string node = address;
  int index = 0;
  ParseInstanceAddress(address, &node, &index);
  auto it = providers_.find(address);
  std::string provider = it == providers_.end() ? "" : it->second;
  // Terraform's TYPE.NAME[KEY]: tools draw the type as a level.
  std::string addr = TerraformAddress(provider, address);
  return {{"addr", addr},             {"module", ""},
          {"resource", addr},         {"implied_provider", provider},
          {"resource_type", provider}, {"resource_name", node},
          {"resource_key", index}};
}

void JsonUi::Emit(const std::string& level, const std::string& message,
                  const std::string& type, json fields) {
  fields["@level"] = level;
  fields["@message"] = message;
  fields["@module"] = "occam.ui";
  fields["@timestamp"] = Timestamp();
  fields["type"] = type;
  std::lock_guard<std::mutex> lock(mu_);
  out_ << fields.dump(-1, ' ', false, json::error_handler_t::replace) << "\n"
       << std::flush;
}

void JsonUi::Version() {
  Emit("info", std::string("occam ") + kVersion, "version",
       {{"occam", kVersion}, {"terraform", kTerraformFormatsVersion}, {"ui", "1.0"}});
}

void JsonUi::PlannedChanges(const Plan& plan) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const ResourceChange& c : plan.changes) providers_[c.address] = c.provider;
  }
  for (const ResourceChange& c : plan.changes) {
    if (c.action == ChangeAction::kNoOp) continue;
    std::string action = Action(c);
    json change = {{"resource", Resource(c.address)}, {"action", action}};
    if (c.reason == ChangeReason::kTainted) change["reason"] = "tainted";
    if (c.reason == ChangeReason::kConfigChanged && c.action == ChangeAction::kReplace) {
      change["reason"] = "cannot_update";
    }
    if (c.reason == ChangeReason::kNodeTypeRemoved) change["reason"] = "delete_because_no_resource_config";
    if (c.reason == ChangeReason::kScaleDown) change["reason"] = "delete_because_count_index";
    change["occam_reason"] = ChangeReasonName(c.reason);
    Emit("info", c.address + ": Plan to " + action, "planned_change",
         {{"change", change}});
  }
}

void JsonUi::ChangeSummary(int add, int change, int remove,
                           const std::string& operation) {
  // The same words as the text output.
  std::string message =
      operation == "plan"
          ? "Plan: " + std::to_string(add) + " to add, " + std::to_string(change) +
                " to change, " + std::to_string(remove) + " to destroy."
      : operation == "destroy"
          ? "Destroy complete! Resources: " + std::to_string(remove) + " destroyed."
          : "Apply complete! Resources: " + std::to_string(add) + " added, " +
                std::to_string(change) + " changed, " + std::to_string(remove) +
                " destroyed.";
  Emit("info", message, "change_summary",
       {{"changes",
         {{"add", add},
          {"change", change},
          {"import", 0},  // Terraform 1.5's import blocks; occam imports by command
          {"remove", remove},
          {"operation", operation}}}});
}

void JsonUi::Hook(const ApplyEvent& e) {
  json hook = {{"resource", Resource(e.address)}, {"action", e.operation}};
  switch (e.kind) {
    case ApplyEvent::Kind::kStart:
      if (!e.id.empty()) {  // a delete names what it deletes
        hook["id_key"] = "id";
        hook["id_value"] = e.id;
      }
      Emit("info",
           e.address + ": " + Verb(e.operation, true) + "..." +
               (e.id.empty() ? "" : " [id=" + e.id + "]"),
           "apply_start", {{"hook", hook}});
      return;
    case ApplyEvent::Kind::kComplete:
      hook["elapsed_seconds"] = std::lround(e.seconds);
      if (!e.id.empty()) {
        hook["id_key"] = "id";
        hook["id_value"] = e.id;
      }
      Emit("info",
           e.address + ": " + Verb(e.operation, false) + " complete after " +
               Seconds(e.seconds) + (e.id.empty() ? "" : " [id=" + e.id + "]"),
           "apply_complete", {{"hook", hook}});
      return;
    case ApplyEvent::Kind::kFail:
      hook["elapsed_seconds"] = std::lround(e.seconds);
      Emit("error",
           e.address + ": " + Verb(e.operation, false) + " errored after " +
               Seconds(e.seconds),
           "apply_errored", {{"hook", hook}});
      return;
    case ApplyEvent::Kind::kSkip:
      Diagnostic("warning", e.address + " was not started", e.message);
      return;
  }
}

void JsonUi::Refresh(const std::string& address, const std::string& provider,
                     const std::string& id, bool done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    providers_[address] = provider;
  }
  json hook = {{"resource", Resource(address)}, {"id_key", "id"}, {"id_value", id}};
  Emit("info",
       address + (done ? ": Refresh complete [id=" : ": Refreshing state... [id=") +
           id + "]",
       done ? "refresh_complete" : "refresh_start", {{"hook", hook}});
}

void JsonUi::Progress(const std::string& address, const std::string& action,
                      double elapsed_seconds) {
  std::string verb = Verb(action, true);
  for (char& c : verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  json hook = {{"resource", Resource(address)},
               {"action", action},
               {"elapsed_seconds", std::lround(elapsed_seconds)}};
  Emit("info",
       address + ": Still " + verb + "... [" + Seconds(elapsed_seconds) + " elapsed]",
       "apply_progress", {{"hook", hook}});
}

void JsonUi::Diagnostic(const std::string& severity, const std::string& summary,
                        const std::string& detail, const std::string& address) {
  std::string prefix = severity == "error" ? "Error: " : "Warning: ";
  json diagnostic = {{"severity", severity}, {"summary", summary}, {"detail", detail}};
  if (!address.empty()) {
    std::string provider;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = providers_.find(address);
      if (it != providers_.end()) provider = it->second;
    }
    diagnostic["address"] = TerraformAddress(provider, address);
  }
  Emit(severity == "error" ? "error" : "warn", prefix + summary, "diagnostic",
       {{"diagnostic", diagnostic}});
}

void JsonUi::FailedChange(const std::string& failure) {
  // "app[1]: what went wrong": Terraform's diagnostic names the resource in
  // its own field, sums the error up in one line and gives it whole.
  size_t colon = failure.find(": ");
  std::string address = colon == std::string::npos ? "" : failure.substr(0, colon);
  std::string node;
  int index;
  if (!ParseInstanceAddress(address, &node, &index)) address.clear();
  std::string what = address.empty() ? failure : failure.substr(colon + 2);
  std::string summary = what.substr(0, what.find('\n'));
  if (summary.size() > 200) summary = summary.substr(0, 197) + "...";
  Diagnostic("error", summary, what, address);
}

void JsonUi::Drift(const std::string& address, const std::string& provider,
                   bool gone) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    providers_[address] = provider;
  }
  json change = {{"resource", Resource(address)}, {"action", gone ? "delete" : "update"}};
  Emit("info", address + (gone ? ": Drift detected (delete)" : ": Drift detected (update)"),
       "resource_drift", {{"change", change}});
}

void JsonUi::Outputs(const nlohmann::json& outputs) {
  Emit("info", "Outputs: " + std::to_string(outputs.size()), "outputs",
       {{"outputs", outputs}});
}

void JsonUi::Report(const Diagnostics& diags) {
  for (const auto* list : {&diags.warnings(), &diags.list()}) {
    for (const occam::Diagnostic& d : *list) {
      Emit(d.warning ? "warn" : "error",
           (d.warning ? "Warning: " : "Error: ") + d.message, "diagnostic",
           {{"diagnostic", DiagnosticToJson(d)}});
    }
  }
}

JsonUiObserver::JsonUiObserver(JsonUi* ui) : ui_(ui) {
  ticker_ = std::thread([this] { Tick(); });
}

JsonUiObserver::~JsonUiObserver() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  ticker_.join();
}

void JsonUiObserver::OnEvent(const ApplyEvent& event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (event.kind == ApplyEvent::Kind::kStart) {
      running_[event.address] = {event.operation, SteadySeconds(), 0};
    } else {
      running_.erase(event.address);
    }
  }
  ui_->Hook(event);
}

void JsonUiObserver::Tick() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(500));
    double now = SteadySeconds();
    for (auto& [address, r] : running_) {
      int marks = static_cast<int>((now - r.started) / 10);
      if (marks > r.reported) {
        r.reported = marks;
        ui_->Progress(address, r.action, marks * 10.0);
      }
    }
  }
}

}  // namespace occam
