#include "autoscale/serve_daemon.h"

#include <map>
#include <sys/stat.h>

#include <cstdio>
#include <iostream>

#include "base/atomic_file.h"
#include "base/clock.h"
#include "base/json_fields.h"
#include "apply/apply.h"
#include "autoscale/status_page.h"
#include "planner/planner.h"
#include "state/state_settings.h"

namespace occam {

using nlohmann::json;

// How far back a restarted daemon reads the event log for its cooldowns.
constexpr int kRestoredEvents = 10'000;

ServeDaemon::ServeDaemon(std::shared_ptr<const ServedConfig> config,
                         std::unique_ptr<StateStore> decisions,
                         std::unique_ptr<StateStore> applies,
                         ProviderRegistry* providers, HealthChecker* health,
                         ServeMetrics* metrics, ServeDaemonOptions options)
    : config_(std::move(config)),
      decisions_(std::move(decisions)),
      applies_(std::move(applies)),
      providers_(providers),
      health_(health),
      metrics_(metrics),
      options_(std::move(options)),
      health_watch_(options_.health_failures) {
  standby_ = options_.standby;
  StateSnapshot state;
  if (decisions_->Load(&state).ok()) infra_id_ = state.infra_id;
  // A restart keeps the cooldowns of the decisions before it.
  std::vector<Event> recent;
  if (decisions_->Events(kRestoredEvents, &recent).ok()) {
    autoscaler_.Restore(recent, NowMillis(), Autoscaler::Clock::now());
  }
}

Status ServeDaemon::RefuseIfStandby() {
  if (!standby_) return Status::Ok();
  StateSnapshot state;
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    decisions_->Load(&state);
  }
  std::optional<DaemonLease> leader = RecordedDaemon(state);
  return Status::Unavailable(
      "this occam serve is a standby; " +
      (leader ? DescribeDaemon(*leader) + " on " + leader->process.host + " leads: send changes there"
              : std::string("the leader is starting")) +
      " (a standby takes over within a second of the leader's end)");
}

void ServeDaemon::Promote() {
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    std::vector<Event> recent;
    if (decisions_->Events(kRestoredEvents, &recent).ok()) {
      autoscaler_.Restore(recent, NowMillis(), Autoscaler::Clock::now());
    }
  }
  standby_ = false;
  options_.log->Log("info", "leading", "this serve now leads the state");
  Wake();
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
  // Refused, not dropped: Alertmanager retries a receiver that answers
  // 5xx, so an alert sent only here while the leader dies is acted on
  // once this serve leads.
  s = RefuseIfStandby();
  if (!s.ok()) return s;
  *answer = {{"decisions", json::array()}};
  bool scaled = false;
  std::map<std::string, int> ignored;  // foreign alerts by outcome
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    StateSnapshot state;
    bool loaded = false;  // the state, read again after each commit
    for (const Alert& alert : alerts) {
      if (!loaded) {
        s = decisions_->Load(&state);
        if (!s.ok()) break;
        loaded = true;
      }
      AlertDecision d = autoscaler_.Decide(alert, Config()->descriptor, state,
                                           Autoscaler::Clock::now());
      // Not about this infrastructure's nodes: counted, never a row each
      // (a webhook of 262,000 empty alerts wrote as many events).
      if (IsForeignOutcome(d.outcome)) {
        ++ignored[d.outcome];
        metrics_->Decision("alert", d.outcome);
        continue;
      }
      options_.log->Log("info", "alert", "alert received",
                        {{"alertname", JsonString(alert.labels, "alertname")},
                         {"node", JsonString(alert.labels, "node")},
                         {"status", alert.status},
                         {"fingerprint", alert.fingerprint}});
      // Committed before it is acted on: a crash loses no decision.
      s = Commit(d.change);
      loaded = false;
      if (!s.ok()) break;
      metrics_->Decision("alert", d.outcome);
      // Why it scaled: the counts and, from the alert, the metric's value
      // against the policy's target and the step taken.
      const Event& decided = d.change.events.back();
      ServeLog::Fields fields = {{"node", d.node}, {"outcome", d.outcome}, {"cause", "alert"}};
      for (const char* key : {"from", "to", "value", "target", "step", "alertname"}) {
        if (decided.detail.contains(key)) fields.emplace_back(key, decided.detail[key]);
      }
      options_.log->Log("info", "decision", decided.message, fields);
      scaled = scaled || d.scaled();
      (*answer)["decisions"].push_back(
          {{"node", d.node},
           {"outcome", d.outcome},
           {"message", d.change.events.back().message}});
    }
  }
  if (!ignored.empty()) {
    json counts = json::object();
    int total = 0;
    for (const auto& [outcome, n] : ignored) {
      counts[outcome] = n;
      total += n;
    }
    (*answer)["ignored"] = counts;
    options_.log->Log("info", "alerts ignored",
                      std::to_string(total) + " alerts not about this infrastructure's nodes",
                      {{"counts", counts}});
  }
  if (scaled) Wake();
  if (!s.ok()) metrics_->Error("state");
  return s;
}

Status ServeDaemon::Scale(const ScaleRequest& request,
                          ScaleDecision* decision) {
  Status s = RefuseIfStandby();
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    StateSnapshot state;
    s = decisions_->Load(&state);
    if (s.ok() && (IsDestroyed(state) || IsDestroying(state))) {
      s = Status::Busy("the infrastructure is destroyed; occam serve does not "
                       "scale it until occam apply (or POST /infrastructures/) makes "
                  "it active again");
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

// An instance as Occopus shows it, with the port and provider id occam
// knows.
json InstanceView(const ResourceInstance& r) {
  const json& outputs = r.outputs.value();
  json view = {{"resource_address", JsonString(outputs, "ip")},
               {"state", OccopusState(r.status)},
               {"id", r.provider_id}};
  const json& port = JsonField(outputs, "port");
  if (port.is_number_integer() || port.is_string()) view["port"] = port;
  return view;
}

}  // namespace

bool ServeDaemon::Serving(const StateSnapshot& state) {
  // Until its last instance is deleted, a destroyed one is still there.
  if (!state.instances.empty()) return true;
  if (IsDestroyed(state)) return false;
  return !Config()->empty() || state.settings.count(kAppliedDigestSetting) > 0;
}

// How many events the status page reads for its charts and decisions.
constexpr int kStatusPageEvents = 2000;

Status ServeDaemon::StatusPage(std::string* html) {
  StateSnapshot state;
  StatusPageInput input;
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    Status s = decisions_->Load(&state);
    if (s.ok()) s = decisions_->Events(kStatusPageEvents, &input.events);
    if (!s.ok()) return s;
  }
  std::shared_ptr<const ServedConfig> config = Config();
  input.descriptor = &config->descriptor;
  input.graph = config->empty() ? nullptr : &config->graph;
  input.state = &state;
  input.now_ms = NowMillis();
  if (options_.shared_state) {
    std::optional<DaemonLease> leader = RecordedDaemon(state);
    input.leadership = !standby_ ? "this serve leads"
                       : leader  ? "standby; " + DescribeDaemon(*leader) + " on " +
                                      leader->process.host + " leads"
                                 : "standby";
  }
  {
    std::lock_guard<std::mutex> lock(samples_mu_);
    input.samples = samples_;
  }
  if (!options_.prometheus_url.empty()) MetricHistories(&input);
  input.display_id = [this](const ResourceInstance& r) {
    std::string why;
    Provider* p = providers_->Find(r.provider, &why);
    return p && !r.provider_id.empty() ? p->DisplayId(r.provider_id) : r.provider_id;
  };
  *html = RenderStatusPage(input);
  return Status::Ok();
}

// Each scaling policy's metric over the charts' span, from Prometheus;
// its first failure is shown on the page.
void ServeDaemon::MetricHistories(StatusPageInput* input) {
  int64_t start = ChartsStartMs(*input);
  for (const NodeSpec& node : input->descriptor->nodes) {
    const ScalingPolicy& policy = node.scaling.policy;
    if (!policy.set || policy.query.empty() || node.scaling.min == node.scaling.max) continue;
    Status s = QueryMetricHistory(options_.prometheus_url, policy.query, start, input->now_ms,
                                  &input->metrics[node.name]);
    if (!s.ok() && input->metrics_error.empty()) input->metrics_error = s.message();
  }
}

// A day of changes every ten seconds; older ones are dropped.
constexpr size_t kCountSamples = 8640;

void ServeDaemon::SampleCounts(const std::map<std::string, int>& desired,
                               const std::map<std::string, int>& ready) {
  int64_t now = NowMillis();
  std::lock_guard<std::mutex> lock(samples_mu_);
  for (const auto& [node, want] : desired) {
    auto have = ready.find(node);
    CountSample sample{now, want, have == ready.end() ? 0 : have->second};
    std::vector<CountSample>& samples = samples_[node];
    if (!samples.empty() && samples.back().desired == sample.desired &&
        samples.back().ready == sample.ready) {
      continue;
    }
    if (samples.size() >= kCountSamples) samples.erase(samples.begin());
    samples.push_back(sample);
  }
}

std::vector<std::string> ServeDaemon::Infrastructures() {
  StateSnapshot state;
  std::lock_guard<std::mutex> lock(decisions_mu_);
  if (!decisions_->Load(&state).ok() || !Serving(state)) return {};
  return {infra_id_};
}

Status ServeDaemon::Describe(json* out) {
  StateSnapshot state;
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    Status s = decisions_->Load(&state);
    if (!s.ok()) return s;
    if (!Serving(state)) {
      return Status::NotFound("infrastructure " + infra_id_ +
                              (IsDestroyed(state) ? " is destroyed"
                                                  : " is not created yet") +
                              "; POST /infrastructures/ a descriptor to "
                              "create it");
    }
  }
  std::shared_ptr<const ServedConfig> config = Config();
  std::map<std::string, int> actual = ActualCounts(config->descriptor, state);
  *out = json::object();
  for (const NodeSpec& node : config->descriptor.nodes) {
    json instances = json::object();
    for (const ResourceInstance* r : state.InstancesOf(node.name)) {
      instances[r->address] = InstanceView(*r);
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

Status ServeDaemon::CompilePosted(const std::string& body,
                                  std::shared_ptr<const ServedConfig>* out,
                                  Diagnostics* diags) {
  // Compiled from where it will be kept (imports resolve as they will
  // after a restart), but named "request" in what the client reads.
  std::string draft = options_.posted_path + ".request";
  Status s = WriteFileAtomically(draft, body, 0600);
  if (!s.ok()) return s;
  CompileOptions options = options_.compile;
  options.infra_path = draft;
  options.infra_display_name = "request";
  Descriptor checked;
  NodeGraph graph;
  bool valid = CompileDescriptor(options, &checked, &graph, diags);
  if (!valid) {
    std::remove(draft.c_str());
    return Status::InvalidArgument(
        "the descriptor is invalid (" + std::to_string(diags->size()) +
        (diags->size() == 1 ? " error" : " errors") + ")");
  }
  if (std::rename(draft.c_str(), options_.posted_path.c_str()) != 0) {
    std::remove(draft.c_str());
    return Status::IOError("cannot write " + options_.posted_path);
  }
  options.infra_path = options_.posted_path;
  options.infra_display_name.clear();
  Diagnostics again;
  if (!LoadServedConfig(options, out, &again)) {
    return Status::IOError(options_.posted_path + " changed while it was read: " +
                           again.ToString());
  }
  return Status::Ok();
}

Status ServeDaemon::Create(const std::string& body, Diagnostics* diags) {
  Status standby = RefuseIfStandby();
  if (!standby.ok()) return standby;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument(
        "the request has no body: POST an infrastructure descriptor (YAML), "
        "as to Occopus (curl --data-binary @infra.yaml)");
  }
  std::shared_ptr<const ServedConfig> next;
  StateChange change;
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    StateSnapshot state;
    Status s = decisions_->Load(&state);
    if (!s.ok()) return s;
    if (IsDestroying(state)) {
      return Status::Busy("infrastructure " + infra_id_ +
                          " is being destroyed; POST again once GET "
                          "/infrastructures/ no longer lists it");
    }
    if (Serving(state)) {
      return Status::Busy(
          "occam serve manages one infrastructure per state, and " +
          infra_id_ + " exists; DELETE /infrastructures/" + infra_id_ +
          " first, or run another occam serve with another --state");
    }
    s = CompilePosted(body, &next, diags);
    if (!s.ok()) return s;
    // What is wanted, as an apply of it records (serve follows it), and
    // the infrastructure is active again.
    Plan wanted;
    wanted.descriptor_digest = next->digest;
    wanted.infra_file = next->descriptor.infra_file;
    wanted.nodes_file = next->descriptor.nodes_file;
    wanted.var_assignments = next->options.variables.assignments;
    wanted.var_files = next->options.variables.files;
    change.set_settings = AppliedSettings(wanted);
    Event event;
    event.kind = "infrastructure";
    event.message = "infrastructure " + next->descriptor.infra_name +
                    " created through the REST API (" +
                    std::to_string(next->descriptor.nodes.size()) +
                    " node types)";
    event.detail = {{"cause", "rest"}, {"operation", "create"},
                    {"digest", next->digest}};
    change.events.push_back(event);
    s = Commit(change);
    if (!s.ok()) return s;
    std::lock_guard<std::mutex> config_lock(config_mu_);
    config_ = next;
  }
  options_.log->Log("info", "infrastructure", change.events.back().message,
                    {{"operation", "create"}, {"infra_id", infra_id_},
                     {"digest", next->digest}});
  Wake();
  return Status::Ok();
}

Status ServeDaemon::Destroy() {
  Status standby = RefuseIfStandby();
  if (!standby.ok()) return standby;
  StateChange change;
  {
    std::lock_guard<std::mutex> lock(decisions_mu_);
    StateSnapshot state;
    Status s = decisions_->Load(&state);
    if (!s.ok()) return s;
    if (IsDestroying(state)) return Status::Ok();  // asked twice
    if (!Serving(state)) {
      return Status::NotFound("infrastructure " + infra_id_ +
                              (IsDestroyed(state) ? " is destroyed already"
                                                  : " is not created yet"));
    }
    change.set_settings[kLifecycleSetting] = "destroying";
    Event event;
    event.kind = "infrastructure";
    event.message = "destroy of infrastructure " + infra_id_ +
                    " requested through the REST API";
    event.detail = {{"cause", "rest"}, {"operation", "destroy"}};
    change.events.push_back(event);
    s = Commit(change);
    if (!s.ok()) return s;
  }
  options_.log->Log("info", "infrastructure", change.events.back().message,
                    {{"operation", "destroy"}, {"infra_id", infra_id_}});
  Wake();
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
  // The round destroys it; that needs no configuration.
  if (IsDestroying(state)) return true;
  if (IsDestroyed(state)) {
    SayOnce("destroyed",
            "the infrastructure is destroyed; serve does not rebuild it until "
            "occam apply (or POST /infrastructures/) makes it active again");
    return false;
  }
  std::shared_ptr<const ServedConfig> config = Config();
  auto applied = state.settings.find(kAppliedDigestSetting);
  if (applied == state.settings.end() && config->empty()) {
    SayOnce("waiting",
            "no infrastructure yet: POST /infrastructures/ a descriptor, or "
            "occam apply one to this state");
    return false;
  }
  if (applied == state.settings.end() || applied->second == config->digest) {
    SayOnce("following", "");
    return true;
  }
  // --watch took an edit of the files: this round applies it.
  if (options_.watch && config->digest == watched_edit_) return true;
  CompileOptions source;
  std::shared_ptr<const ServedConfig> next;
  Diagnostics diags;
  if (AppliedSource(state, options_.compile, &source) &&
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
  if (config->empty()) return;
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
  watched_edit_ = edited->digest;
  options_.log->Log("info", "config",
                    "--watch: applying the edited " + config->options.infra_path,
                    {{"digest", edited->digest.substr(0, 12)}});
}

// Between two rounds of a rollout: longer than a waiting command's poll
// of the state lock (50 ms).
constexpr std::chrono::milliseconds kBetweenRolloutSteps(250);

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
  options.interrupted = &stopping_;
  LoggingObserver observer(options_.log);
  options.observer = &observer;
  if (options_.health_failures > 0) {
    options.health_watch = &health_watch_;
    options.on_health_failure = [this](const HealthFailure& f) {
      ServeLog::Fields fields = {{"address", f.address}, {"failing", f.failing},
                                 {"failures", f.failures}, {"recreate", f.recreate}};
      if (!f.held.empty()) fields.push_back({"held", f.held});
      options_.log->Log(f.recreate ? "error" : "warn", "health_check_failed",
                        f.recreate       ? f.address + ": unhealthy; recreating it"
                        : f.held.empty() ? f.address + ": health check failed"
                                         : f.address + ": unhealthy; recreation waits: " +
                                               f.held,
                        fields);
    };
  }
  options.defer_drains = true;
  options.one_rollout_step = true;
  if (s.ok()) SortDrains(state, &options.draining, &options.drained);
  if (s.ok()) {
    s = Reconcile(config->descriptor, config->graph, applies_.get(), providers_,
                  health_, options, &outcome);
  }
  NoteDrains(outcome.result);
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
  for (const std::string& path : outcome.monitoring.rewritten) {
    options_.log->Log("info", "monitoring_rewritten",
                      "rewrote " + path + " (the scaling policies changed)",
                      {{"path", path}});
  }
  for (const std::string& url : outcome.monitoring.reloaded) {
    options_.log->Log("info", "monitoring_reloaded", "reloaded " + url, {{"url", url}});
  }
  if (s.ok()) {
    metrics_->SetCounts(outcome.desired, outcome.actual);
    SampleCounts(outcome.desired, outcome.actual);
  }
  if (!s.ok()) {
    bool busy = s.code() == Status::Code::kBusy;
    metrics_->Error(busy ? "lock" : "reconcile");
    options_.log->Log(busy ? "warn" : "error", "error", s.ToString());
  }
  // The next step of a rollout: the next round in a moment (decisions that
  // came during this one are applied with it). The moment lets a command
  // waiting for the state lock (occam scale) take it between two steps.
  if (s.ok() && outcome.result.ok() && outcome.replacements_deferred > 0) {
    options_.log->Log("info", "rollout_continues",
                      std::to_string(outcome.replacements_deferred) +
                          " replacements wait for the rollout's next step",
                      {{"waiting", outcome.replacements_deferred}});
    std::unique_lock<std::mutex> lock(loop_mu_);
    loop_cv_.wait_for(lock, kBetweenRolloutSteps, [&] { return stop_; });
    dirty_ = true;
  }
  // A held lock or a failed apply: try again soon, not only at the interval;
  // and check a failing instance again in a second.
  if (!s.ok() || !outcome.result.ok() ||
      (options_.health_failures > 0 && health_watch_.Failing())) {
    std::unique_lock<std::mutex> lock(loop_mu_);
    loop_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; });
    dirty_ = true;
  }
}

namespace {

int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void ServeDaemon::SortDrains(const StateSnapshot& state, std::set<std::string>* draining,
                             std::set<std::string>* drained) {
  int64_t now = SteadyMillis();
  for (auto it = draining_.begin(); it != draining_.end();) {
    auto r = state.instances.find(it->first);
    if (r == state.instances.end() || r->second.status != InstanceStatus::kDeleting ||
        r->second.provider_id != it->second.id) {
      it = draining_.erase(it);
      continue;
    }
    (now >= it->second.until_ms ? drained : draining)->insert(it->first);
    ++it;
  }
}

void ServeDaemon::NoteDrains(const ApplyResult& result) {
  if (result.draining.empty()) return;
  StateSnapshot state;
  if (!applies_->Load(&state).ok()) return;
  int64_t now = SteadyMillis();
  for (const auto& [address, seconds] : result.draining) {
    auto r = state.instances.find(address);
    if (r == state.instances.end() || draining_.count(address)) continue;
    draining_[address] = {now + static_cast<int64_t>(seconds * 1000), r->second.provider_id};
    options_.log->Log("info", "draining",
                      address + ": left its dependents; deleted after its drain of " +
                          std::to_string(static_cast<int>(seconds)) + " s",
                      {{"address", address}, {"seconds", seconds}});
  }
}

std::chrono::milliseconds ServeDaemon::NextWake() const {
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(options_.interval);
  int64_t now = SteadyMillis();
  for (const auto& [address, d] : draining_) {
    wait = std::min(wait, std::chrono::milliseconds(std::max<int64_t>(d.until_ms - now, 0) + 10));
  }
  return wait;
}

void ServeDaemon::Run() {
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!stop_) {
    loop_cv_.wait_for(lock, NextWake(), [&] { return dirty_ || stop_; });
    if (stop_) break;
    if (standby_) {  // the leader's rounds change the state
      dirty_ = false;
      continue;
    }
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
  stopping_ = true;
  std::lock_guard<std::mutex> lock(loop_mu_);
  stop_ = true;
  loop_cv_.notify_all();
}

}  // namespace occam
