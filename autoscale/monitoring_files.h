// The monitoring files `occam rules` writes — Prometheus's alerting rules,
// prometheus.yml, Alertmanager's configuration — kept in step with the
// descriptor's scaling policies. `occam rules` records what it wrote (and
// whom to tell) in the state; every apply, by the CLI or by serve, renders
// them again, rewrites those that changed and asks Prometheus and
// Alertmanager to reload (POST URL/-/reload; Prometheus allows it with
// --web.enable-lifecycle), so that a policy change reaches Prometheus
// without a manual step.
#pragma once

#include <string>
#include <vector>

#include "autoscale/alert_rules.h"
#include "base/status.h"
#include "descriptor/descriptor.h"
#include "state/state_snapshot.h"

namespace occam {

// The state's setting holding MonitoringFiles as JSON.
inline constexpr char kMonitoringSetting[] = "monitoring";

struct MonitoringFiles {
  // Absolute paths; "" where `occam rules` did not write that file.
  std::string rules;
  std::string alertmanager;
  std::string prometheus;
  ReceiverOptions receiver;      // for the Alertmanager file
  PrometheusOptions options;     // for prometheus.yml
  // POSTed once any file was rewritten: http://127.0.0.1:9090/-/reload …
  std::vector<std::string> reload_urls;
};

std::string MonitoringFilesToJson(const MonitoringFiles& files);
// The files recorded in `state`; false when none are.
bool RecordedMonitoringFiles(const StateSnapshot& state, MonitoringFiles* out);

// Each file to write (its path) with its text, for `descriptor` and the
// state's infrastructure id.
std::vector<std::pair<std::string, std::string>> RenderMonitoringFiles(
    const Descriptor& descriptor, const std::string& infra_id,
    const MonitoringFiles& files);

// Checks the texts with promtool and amtool when they are installed (the
// tools Prometheus and Alertmanager check their own files with): a rules
// file with a query Prometheus would reject is an error with promtool's
// reason. `*checked` says whether the tools were there.
Status CheckMonitoringTexts(const MonitoringFiles& files,
                            const std::vector<std::pair<std::string, std::string>>& texts,
                            bool* checked);

// The files on disk that differ from what `descriptor` renders now.
std::vector<std::string> StaleMonitoringFiles(const Descriptor& descriptor,
                                              const StateSnapshot& state);

// What KeepMonitoringInStep did.
struct MonitoringUpdate {
  std::vector<std::string> rewritten;  // paths
  std::vector<std::string> reloaded;   // URLs
};

// When `state` records monitoring files: rewrites those that differ from
// what `descriptor` renders (checked first; atomically), then POSTs each
// reload URL. A reload refused (Prometheus answers 500 with the reason when
// a file does not load) or unanswered is an error naming the URL.
Status KeepMonitoringInStep(const Descriptor& descriptor,
                            const StateSnapshot& state,
                            MonitoringUpdate* update);

}  // namespace occam
