#include "autoscale/serve_daemon.h"

#include <iostream>

#include "base/clock.h"
#include "base/json_fields.h"
#include "planner/planner.h"

namespace occam {

using nlohmann::json;

// How far back a restarted daemon reads the event log for its cooldowns.
constexpr int kRestoredEvents = 10'000;

ServeDaemon::ServeDaemon(const Descriptor& descriptor, const NodeGraph& graph,
                         std::unique_ptr<SqliteStateStore> decisions,
                         std::unique_ptr<SqliteStateStore> applies,
                         ProviderRegistry* providers, HealthChecker* health,
                         ServeMetrics* metrics, ServeDaemonOptions options)
    : descriptor_(descriptor),
      graph_(graph),
      decisions_(std::move(decisions)),
      applies_(std::move(applies)),
      providers_(providers),
      health_(health),
      metrics_(metrics),
      options_(std::move(options)) {
  StateSnapshot state;
  if (decisions_->Load(&state).ok()) infra_id_ = state.infra_id;
  // A restart keeps the cooldowns of the decisions before it.
  std::vector<Event> recent;
  if (decisions_->Events(kRestoredEvents, &recent).ok()) {
    autoscaler_.Restore(recent, NowMillis(), Autoscaler::Clock::now());
  }
}

Status ServeDaemon::Commit(const StateChange& change) {
  int64_t serial = 0;
  return decisions_->Commit(change, &serial);
}

void ServeDaemon::Wake() {
  std::lock_guard<std::mutex> lock(loop_mu_);
  dirty_ = true;
  loop_cv_.notify_one();
}

Status ServeDaemon::OnAlerts(const std::string& body, json* answer) {
  std::vector<Alert> alerts;
  Status s = ParseAlertmanagerPayload(body, &alerts);
  if (!s.ok()) return s;
  *answer = {{"decisions", json::array()}};
  bool scaled = false;
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    for (const Alert& alert : alerts) {
      StateSnapshot state;
      s = decisions_->Load(&state);
      if (!s.ok()) break;
      AlertDecision d = autoscaler_.Decide(alert, descriptor_, state,
                                           Autoscaler::Clock::now());
      // Committed before it is acted on: a crash loses no decision.
      s = Commit(d.change);
      if (!s.ok()) break;
      metrics_->Decision("alert", d.outcome);
      scaled = scaled || d.scaled();
      (*answer)["decisions"].push_back(
          {{"node", d.node},
           {"outcome", d.outcome},
           {"message", d.change.events.back().message}});
    }
  }
  if (scaled) Wake();
  if (!s.ok()) metrics_->Error("state");
  return s;
}

Status ServeDaemon::Scale(const ScaleRequest& request,
                          ScaleDecision* decision) {
  Status s;
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    StateSnapshot state;
    s = decisions_->Load(&state);
    if (s.ok()) s = DecideScale(descriptor_, state, request, decision);
    if (s.ok()) s = Commit(decision->change);
  }
  metrics_->Decision(request.cause, !s.ok()                       ? "refused"
                                    : decision->from != decision->to ? "scaled"
                                                                     : "clamped");
  if (s.ok() && decision->from != decision->to) Wake();
  return s;
}

namespace {

// Occopus's instance states.
std::string OccopusState(InstanceStatus status) {
  switch (status) {
    case InstanceStatus::kReady:
      return "ready";
    case InstanceStatus::kCreating:
      return "pending";
    case InstanceStatus::kDeleting:
      return "shutdown";
    case InstanceStatus::kTainted:
      return "failed";
    case InstanceStatus::kGone:
    case InstanceStatus::kDrifted:
      return "unknown";
  }
  return "unknown";
}

}  // namespace

Status ServeDaemon::Describe(json* out) {
  StateSnapshot state;
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    Status s = decisions_->Load(&state);
    if (!s.ok()) return s;
  }
  std::map<std::string, int> actual = ActualCounts(descriptor_, state);
  *out = json::object();
  for (const NodeSpec& node : descriptor_.nodes) {
    json instances = json::object();
    for (const ResourceInstance* r : state.InstancesOf(node.name)) {
      instances[r->address] = {
          {"resource_address", JsonString(r->outputs.value(), "ip")},
          {"state", OccopusState(r->status)}};
    }
    std::string note;
    (*out)[node.name] = {{"instances", instances},
                         {"scaling",
                          {{"actual", actual[node.name]},
                           {"min", node.scaling.min},
                           {"max", node.scaling.max},
                           {"target", DesiredCount(node, state, &note)}}}};
  }
  return Status::Ok();
}

void ServeDaemon::Round() {
  ReconcileOptions options;
  options.state_name = options_.state_path;
  options.targets_dir = options_.targets_dir;
  options.parallelism = options_.parallelism;
  ReconcileOutcome outcome;
  Status s = Reconcile(descriptor_, graph_, applies_.get(), providers_,
                       health_, options, &outcome);
  if (outcome.applied) {
    metrics_->Apply(s.ok() && outcome.result.ok(), outcome.seconds);
    for (const std::string& failure : outcome.result.failed) {
      std::cerr << "occam serve: " << failure << "\n";
    }
  }
  if (s.ok()) metrics_->SetCounts(outcome.desired, outcome.actual);
  if (!s.ok()) {
    metrics_->Error(s.code() == Status::Code::kBusy ? "lock" : "reconcile");
    std::cerr << "occam serve: " << s.ToString() << "\n";
  }
  // A held lock or a failed apply: try again soon, not only at the interval.
  if (!s.ok() || !outcome.result.ok()) {
    std::unique_lock<std::mutex> lock(loop_mu_);
    loop_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; });
    dirty_ = true;
  }
}

void ServeDaemon::Run() {
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!stop_) {
    loop_cv_.wait_for(lock, options_.interval, [&] { return dirty_ || stop_; });
    if (stop_) break;
    dirty_ = false;
    lock.unlock();
    Round();
    lock.lock();
  }
}

void ServeDaemon::Stop() {
  std::lock_guard<std::mutex> lock(loop_mu_);
  stop_ = true;
  loop_cv_.notify_all();
}

}  // namespace occam
