#include "autoscale/alert_rules.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

namespace occam {
namespace {

// A YAML double-quoted scalar (JSON's quoting is valid YAML).
std::string Quote(const std::string& text) {
  return nlohmann::json(text).dump();
}

std::string Number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

void Rule(std::ostringstream& out, const NodeSpec& node,
          const std::string& infra_id, bool overloaded) {
  const ScalingPolicy& p = node.scaling.policy;
  std::string kind = overloaded ? "overloaded" : "underloaded";
  std::string threshold = overloaded ? "> " + Number(p.overloaded_above)
                                     : "< " + Number(p.underloaded_below);
  out << "      - alert: " << Quote(node.name + "_" + kind) << "\n"
      << "        expr: " << Quote("(" + p.query + ") " + threshold) << "\n"
      << "        for: " << (overloaded ? p.for_up : p.for_down) << "\n"
      << "        labels:\n"
      << "          alert: " << kind << "\n"
      << "          node: " << Quote(node.name) << "\n"
      << "          infra_id: " << Quote(infra_id) << "\n"
      << "        annotations:\n"
      << "          summary: "
      << Quote(node.name + " is " + kind + ": " + p.query + " " + threshold)
      << "\n"
      // The query's value: target tracking scales by it.
      << "          value: \"{{ $value }}\"\n";
}

}  // namespace

std::string AlertRulesYaml(const Descriptor& descriptor,
                           const std::string& infra_id) {
  std::ostringstream out;
  out << "# Written by occam rules for infrastructure " << descriptor.infra_name
      << " (" << infra_id << ").\n"
      << "groups:\n"
      << "  - name: " << Quote("occam-" + descriptor.infra_name) << "\n"
      << "    rules:\n";
  bool any = false;
  for (const NodeSpec& node : descriptor.nodes) {
    if (!node.scaling.policy.set) continue;
    Rule(out, node, infra_id, true);
    Rule(out, node, infra_id, false);
    any = true;
  }
  if (!any) {
    return "# Written by occam rules: no node type of " + descriptor.infra_name +
           " has a scaling policy.\ngroups: []\n";
  }
  return out.str();
}

MonitoringPace PaceOf(const Descriptor& descriptor) {
  MonitoringPace pace;
  double shortest_for = 0, shortest_cooldown = 0;
  for (const NodeSpec& node : descriptor.nodes) {
    const ScalingPolicy& p = node.scaling.policy;
    if (!p.set) continue;
    for (double s : {PromDurationSeconds(p.for_up), PromDurationSeconds(p.for_down)}) {
      if (shortest_for == 0 || s < shortest_for) shortest_for = s;
    }
    if (shortest_cooldown == 0 || p.cooldown_seconds < shortest_cooldown) {
      shortest_cooldown = p.cooldown_seconds;
    }
  }
  if (shortest_for == 0 && shortest_cooldown == 0) return pace;
  pace.evaluate_seconds = std::clamp(shortest_for / 4, 1.0, 60.0);
  pace.repeat_seconds = std::max(shortest_cooldown, pace.evaluate_seconds);
  return pace;
}

std::string DurationText(double seconds) {
  long long ms = std::llround(seconds * 1000);
  if (ms <= 0) return "1ms";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string AlertmanagerConfigYaml(const std::string& infra_id,
                                   const MonitoringPace& pace,
                                   const ReceiverOptions& o) {
  std::string evaluate = DurationText(pace.evaluate_seconds);
  std::ostringstream out;
  out << "# Written by occam rules: sends occam's alerts to occam serve.\n"
      << "route:\n"
      << "  receiver: occam\n"
      << "  group_by: [alertname, node, infra_id]\n"
      << "  group_wait: " << (o.group_wait.empty() ? evaluate : o.group_wait) << "\n"
      << "  group_interval: "
      << (o.group_interval.empty() ? evaluate : o.group_interval) << "\n"
      << "  repeat_interval: "
      << (o.repeat_interval.empty() ? DurationText(pace.repeat_seconds)
                                    : o.repeat_interval)
      << "\n"
      << "  routes:\n"
      << "    - receiver: occam\n"
      << "      matchers:\n"
      << "        - " << Quote("infra_id=" + Quote(infra_id)) << "\n"
      << "receivers:\n"
      << "  - name: occam\n"
      << "    webhook_configs:\n"
      << "      - url: " << Quote(o.url) << "\n"
      << "        send_resolved: true\n";
  if (!o.token_file.empty()) {
    out << "        http_config:\n"
        << "          authorization:\n"
        << "            type: Bearer\n"
        << "            credentials_file: " << Quote(o.token_file) << "\n";
  }
  return out.str();
}

namespace {

bool Scraped(const NodeSpec& node, const PrometheusOptions& o) {
  return node.scaling.policy.set ||
         std::find(o.scrape_nodes.begin(), o.scrape_nodes.end(), node.name) !=
             o.scrape_nodes.end();
}

}  // namespace

std::string PrometheusConfigYaml(const Descriptor& descriptor,
                                 const MonitoringPace& pace,
                                 const PrometheusOptions& o) {
  std::string evaluate = DurationText(pace.evaluate_seconds);
  std::string scrape = o.scrape_interval.empty() ? evaluate : o.scrape_interval;
  std::ostringstream out;
  out << "# Written by occam rules for infrastructure " << descriptor.infra_name
      << ": Prometheus loads the scaling rules, scrapes the node types in\n"
      << "# occam's file_sd targets (rewritten by every apply) and sends alerts to\n"
      << "# the Alertmanager that posts them to occam serve.\n"
      << "global:\n"
      << "  scrape_interval: " << scrape << "\n"
      << "  evaluation_interval: "
      << (o.evaluation_interval.empty() ? evaluate : o.evaluation_interval) << "\n"
      << "rule_files:\n"
      << "  - " << Quote(o.rules_file) << "\n"
      << "alerting:\n"
      << "  alertmanagers:\n"
      << "    - static_configs:\n"
      << "        - targets: [" << Quote(o.alertmanager) << "]\n";
  std::ostringstream jobs;
  for (const NodeSpec& node : descriptor.nodes) {
    if (!Scraped(node, o)) continue;
    jobs << "  - job_name: " << Quote(node.name) << "\n"
         << "    file_sd_configs:\n"
         << "      - files: [" << Quote(o.targets_dir + "/" + node.name + ".json")
         << "]\n"
         << "        refresh_interval: " << scrape << "\n";
  }
  for (const auto& [name, targets] : o.static_jobs) {
    jobs << "  - job_name: " << Quote(name) << "\n"
         << "    static_configs:\n"
         << "      - targets: [";
    for (size_t i = 0; i < targets.size(); ++i) {
      jobs << (i ? ", " : "") << Quote(targets[i]);
    }
    jobs << "]\n";
  }
  out << (jobs.str().empty() ? "scrape_configs: []\n" : "scrape_configs:\n" + jobs.str());
  return out.str();
}

}  // namespace occam
