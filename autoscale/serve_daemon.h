// The daemon behind `occam serve`: it takes scaling decisions (alerts,
// the Occopus REST API), commits each before acting on it, and runs one
// reconcile loop that plans and applies after a decision and on an
// interval. Decisions that arrive during an apply are coalesced into the
// next round. Thread-safe: HTTP handlers call it concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autoscale/serve_metrics.h"
#include "autoscale/autoscaler.h"
#include "autoscale/reconciler.h"
#include "autoscale/status_page.h"
#include "autoscale/served_config.h"
#include "autoscale/serve_log.h"
#include "planner/scaling.h"
#include "state/state_location.h"

namespace occam {

struct StatusPageInput;

struct ServeDaemonOptions {
  std::string state_path;
  std::string targets_dir;
  std::chrono::milliseconds interval{30'000};
  int parallelism = 10;
  // --watch: a descriptor file edited on disk is applied; without it serve
  // only says that the file differs from what was applied.
  bool watch = false;
  ServeLog* log = nullptr;  // required
  // How a descriptor posted to the REST API is read: serve's node
  // definitions (nodes_path set), limits, import rule and -var overrides.
  CompileOptions compile;
  // Where a posted descriptor is kept, so that a restarted serve can read
  // back what it applied (beside the state).
  std::string posted_path;
  // An instance whose health checks fail this many rounds in a row is
  // recreated; 0: health is checked only when an instance is created.
  int health_failures = 3;
  // Starts as a standby of another serve that leads the same (shared)
  // state: reads are answered, changes refused with the leader's address,
  // and no round runs until Promote().
  bool standby = false;
  // The state may be shared by several serves (one leads): the status
  // page says which this one is.
  bool shared_state = false;
  // Where the status page reads the scaling policies' metric history
  // (Prometheus, http://127.0.0.1:9090); "": it draws the values alerts
  // carried.
  std::string prometheus_url;
};

class ServeDaemon {
 public:
  // `decisions` and `applies` are two connections to the same state: one
  // for the HTTP threads, one for the loop. `config` is what serve was
  // started with; each round it follows the configuration the state says
  // was applied last.
  ServeDaemon(std::shared_ptr<const ServedConfig> config,
              std::unique_ptr<StateStore> decisions,
              std::unique_ptr<StateStore> applies,
              ProviderRegistry* providers, HealthChecker* health,
              ServeMetrics* metrics, ServeDaemonOptions options);

  // The reconcile loop; returns after Stop() once the running round ends.
  void Run();
  void Stop();
  // SIGHUP: the descriptor files are read again in a round that starts now
  // (even when their size and mtime look unchanged).
  void RereadFiles();
  // A standby becomes the leader: it reads the decisions the previous
  // leader recorded (so that an alert it acted on is not acted on again)
  // and starts its rounds.
  void Promote();
  bool standby() const { return standby_; }

  // An Alertmanager webhook body: InvalidArgument when malformed; else the
  // decisions taken, one per alert, in `*answer`.
  Status OnAlerts(const std::string& body, nlohmann::json* answer);
  // A request from the REST API or elsewhere; commits it and wakes the loop.
  Status Scale(const ScaleRequest& request, ScaleDecision* decision);
  // Occopus's view of the infrastructure: nodes, instances and scaling;
  // NotFound when there is none (destroyed, or not created yet).
  Status Describe(nlohmann::json* out);
  // The HTML status page (autoscale/status_page) of what is served now.
  Status StatusPage(std::string* html);
  // The infrastructures served: this one unless destroyed or not created.
  std::vector<std::string> Infrastructures();
  // POST /infrastructures/: `body` is an infrastructure descriptor (YAML)
  // read with serve's node definitions. InvalidArgument with `diags` (file
  // "request") when it is invalid, Busy when an infrastructure is active;
  // else it becomes what is wanted and the loop builds it. Changes nothing
  // unless it succeeds.
  Status Create(const std::string& body, Diagnostics* diags);
  // DELETE /infrastructures/ID: records that the infrastructure is to be
  // destroyed; the loop deletes every instance. NotFound when it is not
  // served (destroyed already).
  Status Destroy();
  const std::string& infra_id() const { return infra_id_; }

 private:
  Status Commit(const StateChange& change);
  // Unavailable, naming the leader, while this serve stands by.
  Status RefuseIfStandby();
  // Whether `state` has an infrastructure to show: instances recorded, or
  // not destroyed and created (a configuration applied or wanted).
  bool Serving(const StateSnapshot& state);
  // Writes `body` to options_.posted_path and compiles it; decisions_mu_
  // held.
  Status CompilePosted(const std::string& body,
                       std::shared_ptr<const ServedConfig>* out,
                       Diagnostics* diags);
  void Wake();
  void Round();
  std::shared_ptr<const ServedConfig> Config();
  // Before a round: false when the round must not act (the infrastructure
  // is destroyed, or was applied from a configuration serve cannot read
  // back); switches to the applied configuration when it can.
  bool Follow(const StateSnapshot& state);
  // --watch, or a note: the descriptor files changed on disk.
  void NoticeEditedFiles(const StateSnapshot& state);
  // Says `message` once, until `key` changes.
  void SayOnce(const std::string& key, const std::string& message);

  std::mutex config_mu_;
  std::shared_ptr<const ServedConfig> config_;
  std::string said_;  // key of the last SayOnce
  std::string files_seen_;  // size and mtime of the descriptor files
  // The digest of the edit --watch took from the files, which the next
  // round applies although the state says another configuration was.
  std::string watched_edit_;
  std::atomic<bool> reread_{false};
  // Set by Stop(): a round's apply starts nothing more and ends its drains.
  std::atomic<bool> stopping_{false};
  std::atomic<bool> standby_{false};
  std::mutex decisions_mu_;  // the decisions store and the autoscaler
  std::unique_ptr<StateStore> decisions_;
  Autoscaler autoscaler_;
  std::unique_ptr<StateStore> applies_;
  ProviderRegistry* providers_;
  HealthChecker* health_;
  ServeMetrics* metrics_;
  ServeDaemonOptions options_;
  HealthWatch health_watch_;  // the loop's only
  // Desired and ready counts after each round that changed them, by node
  // type, for the status page's charts (at most kCountSamples each).
  void SampleCounts(const std::map<std::string, int>& desired,
                    const std::map<std::string, int>& ready);
  // Scale-downs draining (the loop's only): address -> when the drain ends
  // (steady ms) and the object drained, so that a new object at the
  // address is not taken for it.
  struct Draining {
    int64_t until_ms = 0;
    std::string id;
  };
  std::map<std::string, Draining> draining_;
  // Fills the status page's metric histories from options_.prometheus_url.
  void MetricHistories(StatusPageInput* input);
  // Forgets drains whose instance is gone or changed; splits the rest.
  void SortDrains(const StateSnapshot& state, std::set<std::string>* draining,
                  std::set<std::string>* drained);
  void NoteDrains(const ApplyResult& result);
  // How long the loop may sleep: its interval, or until a drain ends.
  std::chrono::milliseconds NextWake() const;
  std::mutex samples_mu_;
  std::map<std::string, std::vector<CountSample>> samples_;
  std::string infra_id_;

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool dirty_ = true;  // the first round acts on what was recorded before
  bool stop_ = false;
};

}  // namespace occam
