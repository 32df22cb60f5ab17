// What `occam rules` writes: Prometheus 2.x alerting rules for every node
// type with a scaling policy, the Alertmanager configuration whose
// receiver posts their alerts to `occam serve`, and the Prometheus
// configuration that loads the rules, scrapes occam's file_sd targets and
// alerts that Alertmanager — at a pace the policies set.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "descriptor/descriptor.h"

namespace occam {

// Rules NODE_overloaded and NODE_underloaded per node type with a policy,
// labelled alert: overloaded|underloaded, node: NODE, infra_id: `infra_id`.
// Empty groups when no node type has a policy.
std::string AlertRulesYaml(const Descriptor& descriptor,
                           const std::string& infra_id);

// How fast the monitoring loop runs, from the scaling policies, so that the
// policies set its pace and not Prometheus's and Alertmanager's defaults:
// Prometheus scrapes and evaluates every `evaluate` (a quarter of the
// shortest for_up/for_down, from 1 s to 1 min; 15 s without policies);
// Alertmanager sends a new group after `evaluate` and repeats a firing
// alert every `repeat` (the shortest cooldown, at least `evaluate`): a
// load that lasts past the cooldown scales one more step.
struct MonitoringPace {
  double evaluate_seconds = 15;
  double repeat_seconds = 60;
};
MonitoringPace PaceOf(const Descriptor& descriptor);
// A Prometheus duration for `seconds`: "15s", "2m", "1500ms".
std::string DurationText(double seconds);

struct ReceiverOptions {
  std::string url;         // http://127.0.0.1:PORT/api/v1/alerts
  // Read by Alertmanager; the token is not copied. "" writes a receiver
  // without credentials (for serve --no-auth).
  std::string token_file;
  // "" : from the pace (group_wait and group_interval `evaluate`,
  // repeat_interval `repeat`).
  std::string group_wait;
  std::string group_interval;
  std::string repeat_interval;
};

// An Alertmanager configuration routing occam's alerts (those labelled
// with `infra_id`) to occam serve's webhook, resolved alerts included.
std::string AlertmanagerConfigYaml(const std::string& infra_id,
                                   const MonitoringPace& pace,
                                   const ReceiverOptions& options);

struct PrometheusOptions {
  std::string rules_file;    // loaded by rule_files (absolute)
  std::string targets_dir;   // occam's file_sd files (absolute)
  std::string alertmanager;  // HOST:PORT
  // Node types scraped besides those with a scaling policy.
  std::vector<std::string> scrape_nodes;
  // More jobs: name and static targets (node exporters, say).
  std::vector<std::pair<std::string, std::vector<std::string>>> static_jobs;
  std::string scrape_interval;      // "" : the pace's `evaluate`
  std::string evaluation_interval;  // "" : the pace's `evaluate`
};

// A prometheus.yml: the global intervals, rule_files, the Alertmanager,
// one job per scraped node type over its targets file (labels node,
// infra_id, instance and address from occam), and the static jobs.
std::string PrometheusConfigYaml(const Descriptor& descriptor,
                                 const MonitoringPace& pace,
                                 const PrometheusOptions& options);

}  // namespace occam
