#include "autoscale/serve_daemon.h"

#include <sys/stat.h>

#include <iostream>

#include "base/clock.h"
#include "base/json_fields.h"
#include "planner/planner.h"
#include "state/state_settings.h"

namespace occam {

using nlohmann::json;

// How far back a restarted daemon reads the event log for its cooldowns.
constexpr int kRestoredEvents = 10'000;

ServeDaemon::ServeDaemon(std::shared_ptr<const ServedConfig> config,
                         std::unique_ptr<SqliteStateStore> decisions,
                         std::unique_ptr<SqliteStateStore> applies,
                         ProviderRegistry* providers, HealthChecker* health,
                         ServeMetrics* metrics, ServeDaemonOptions options)
    : config_(std::move(config)),
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
      options_.log->Log("info", "alert", "alert received",
                        {{"alertname", JsonString(alert.labels, "alertname")},
                         {"node", JsonString(alert.labels, "node")},
                         {"status", alert.status},
                         {"fingerprint", alert.fingerprint}});
      AlertDecision d = autoscaler_.Decide(alert, Config()->descriptor, state,
                                           Autoscaler::Clock::now());
      // Committed before it is acted on: a crash loses no decision.
      s = Commit(d.change);
      if (!s.ok()) break;
      metrics_->Decision("alert", d.outcome);
      options_.log->Log("info", "decision", d.change.events.back().message,
                        {{"node", d.node}, {"outcome", d.outcome}, {"cause", "alert"}});
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
    if (s.ok() && IsDestroyed(state)) {
      s = Status::Busy("the infrastructure is destroyed; occam serve does not "
                       "scale it until occam apply makes it active again");
    }
    if (s.ok()) s = DecideScale(Config()->descriptor, state, request, decision);
    if (s.ok()) s = Commit(decision->change);
  }
  std::string outcome = !s.ok()                         ? "refused"
                        : decision->from != decision->to ? "scaled"
                                                         : "clamped";
  metrics_->Decision(request.cause, outcome);
  options_.log->Log("info", "decision", s.ok() ? decision->message : s.message(),
                    {{"node", request.node},
                     {"outcome", outcome},
                     {"from", decision->from},
                     {"to", decision->to},
                     {"cause", request.cause}});
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
  std::shared_ptr<const ServedConfig> config = Config();
  std::map<std::string, int> actual = ActualCounts(config->descriptor, state);
  *out = json::object();
  for (const NodeSpec& node : config->descriptor.nodes) {
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

std::shared_ptr<const ServedConfig> ServeDaemon::Config() {
  std::lock_guard<std::mutex> lock(config_mu_);
  return config_;
}

void ServeDaemon::SayOnce(const std::string& key, const std::string& message) {
  if (said_ == key) return;
  said_ = key;
  if (!message.empty()) options_.log->Log("info", "config", message);
}

bool ServeDaemon::Follow(const StateSnapshot& state) {
  if (IsDestroyed(state)) {
    SayOnce("destroyed",
            "the infrastructure is destroyed; serve does not rebuild it until "
            "occam apply makes it active again");
    return false;
  }
  std::shared_ptr<const ServedConfig> config = Config();
  auto applied = state.settings.find(kAppliedDigestSetting);
  if (applied == state.settings.end() || applied->second == config->digest) {
    SayOnce("following", "");
    return true;
  }
  CompileOptions source;
  std::shared_ptr<const ServedConfig> next;
  Diagnostics diags;
  if (AppliedSource(state, config->options, &source) &&
      LoadServedConfig(source, &next, &diags) && next->digest == applied->second) {
    {
      std::lock_guard<std::mutex> lock(config_mu_);
      config_ = next;
    }
    files_seen_.clear();
    SayOnce("following:" + next->digest,
            "following the configuration applied from " + source.infra_path +
                " (" + next->digest.substr(0, 12) + ")");
    return true;
  }
  SayOnce("unreadable:" + applied->second,
          "the state was last applied from a configuration (" +
              applied->second.substr(0, 12) +
              ") that serve cannot read back from its files; serve leaves the "
              "infrastructure as it is until an apply it can follow");
  return false;
}

namespace {

// "size:mtime" of each file, to notice an edit without compiling.
std::string FilesStamp(const CompileOptions& options) {
  std::string out;
  for (const std::string& path : {options.infra_path, NodeDefinitionsPath(options)}) {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0) {
      out += std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
             "." + std::to_string(st.st_mtim.tv_nsec) + ";";
    }
  }
  return out;
}

}  // namespace

void ServeDaemon::NoticeEditedFiles(const StateSnapshot& state) {
  std::shared_ptr<const ServedConfig> config = Config();
  std::string stamp = FilesStamp(config->options);
  bool reread = reread_.exchange(false);
  if (!reread && (files_seen_.empty() || stamp == files_seen_)) {
    files_seen_ = stamp;
    return;
  }
  files_seen_ = stamp;
  std::shared_ptr<const ServedConfig> edited;
  Diagnostics diags;
  if (!LoadServedConfig(config->options, &edited, &diags)) {
    options_.log->Log("warn", "config",
                      config->options.infra_path +
                          " changed and does not compile; serve keeps what "
                          "was applied",
                      {{"errors", diags.ToString()}});
    return;
  }
  auto applied = state.settings.find(kAppliedDigestSetting);
  std::string current = applied == state.settings.end() ? config->digest : applied->second;
  if (edited->digest == current) return;
  if (!options_.watch) {
    options_.log->Log("warn", "config",
                      config->options.infra_path +
                          " differs from what was applied; run occam apply "
                          "to apply it (or start serve with --watch)");
    return;
  }
  {
    std::lock_guard<std::mutex> lock(config_mu_);
    config_ = edited;
  }
  options_.log->Log("info", "config",
                    "--watch: applying the edited " + config->options.infra_path);
}

void ServeDaemon::Round() {
  ReconcileOptions options;
  options.state_name = options_.state_path;
  options.targets_dir = options_.targets_dir;
  options.parallelism = options_.parallelism;
  ReconcileOutcome outcome;
  StateSnapshot state;
  Status s = applies_->Load(&state);
  if (s.ok()) NoticeEditedFiles(state);
  if (s.ok() && !Follow(state)) return;
  std::shared_ptr<const ServedConfig> config = Config();
  options.descriptor_digest = config->digest;
  // --watch: an edited descriptor is applied as if by occam apply.
  options.allow_new_configuration = options_.watch;
  LoggingObserver observer(options_.log);
  options.observer = &observer;
  if (s.ok()) {
    s = Reconcile(config->descriptor, config->graph, applies_.get(), providers_,
                  health_, options, &outcome);
  }
  if (outcome.applied) {
    bool ok = s.ok() && outcome.result.ok();
    metrics_->Apply(ok, outcome.seconds);
    options_.log->Log(ok ? "info" : "error", "apply_finish",
                      ok ? "apply complete" : "apply failed",
                      {{"added", outcome.result.added},
                       {"changed", outcome.result.changed},
                       {"destroyed", outcome.result.destroyed},
                       {"failed", outcome.result.failed.size()},
                       {"seconds", outcome.seconds}});
  }
  if (s.ok()) metrics_->SetCounts(outcome.desired, outcome.actual);
  if (!s.ok()) {
    bool busy = s.code() == Status::Code::kBusy;
    metrics_->Error(busy ? "lock" : "reconcile");
    options_.log->Log(busy ? "warn" : "error", "error", s.ToString());
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

void ServeDaemon::RereadFiles() {
  options_.log->Log("info", "config", "SIGHUP: reading the descriptor files again");
  reread_ = true;
  Wake();
}

void ServeDaemon::Stop() {
  std::lock_guard<std::mutex> lock(loop_mu_);
  stop_ = true;
  loop_cv_.notify_all();
}

}  // namespace occam
