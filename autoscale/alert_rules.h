// What `occam rules` writes: Prometheus 2.x alerting rules for every node
// type with a scaling policy, and the Alertmanager configuration whose
// receiver posts their alerts to `occam serve`.
#pragma once

#include <string>

#include "descriptor/descriptor.h"

namespace occam {

// Rules NODE_overloaded and NODE_underloaded per node type with a policy,
// labelled alert: overloaded|underloaded, node: NODE, infra_id: `infra_id`.
// Empty groups when no node type has a policy.
std::string AlertRulesYaml(const Descriptor& descriptor,
                           const std::string& infra_id);

struct ReceiverOptions {
  std::string url;         // http://127.0.0.1:PORT/api/v1/alerts
  std::string token_file;  // read by Alertmanager; the token is not copied
  std::string group_wait = "10s";
  std::string group_interval = "1m";
  std::string repeat_interval = "5m";
};

// An Alertmanager configuration routing occam's alerts (those labelled
// with `infra_id`) to occam serve's webhook, resolved alerts included.
std::string AlertmanagerConfigYaml(const std::string& infra_id,
                                   const ReceiverOptions& options);

}  // namespace occam
