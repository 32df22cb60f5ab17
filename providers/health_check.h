// Health checks as Occopus defines them (health_check: ping, ports, urls,
// mysqldbs, timeout): an instance is ready when all of them pass. The
// checker polls until they do or the timeout runs out.
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace occam {

struct HealthCheckSpec {
  bool ping = true;             // ICMP echo to the instance's address
  std::vector<int> ports;       // TCP ports that must accept connections
  // Ports written as templates ("{{port}}": the instance's own port), put
  // in at check time.
  std::vector<std::string> port_templates;
  std::vector<std::string> urls;  // HTTP(S) URLs that must answer 2xx/3xx
  double timeout_seconds = 600;

  // From a rendered "health_check" section (null: the defaults).
  static HealthCheckSpec FromConfig(const nlohmann::json& section);
};

class HealthChecker {
 public:
  virtual ~HealthChecker() = default;
  // Waits until every check passes against the instance described by
  // `outputs` (its "ip", and "port" for {{port}} in URLs). Unavailable,
  // naming the failing check, on timeout; stops early when `*cancel`, and
  // at once when `alive` (if set) says the instance is gone — a process
  // that exits during the wait must not cost the whole timeout.
  virtual Status WaitReady(const HealthCheckSpec& spec,
                           const nlohmann::json& outputs,
                           const std::atomic<bool>* cancel,
                           const std::function<Status()>& alive = {}) = 0;
};

// Real checks over the network, with libcurl for URLs.
class NetworkHealthChecker : public HealthChecker {
 public:
  Status WaitReady(const HealthCheckSpec& spec, const nlohmann::json& outputs,
                   const std::atomic<bool>* cancel,
                   const std::function<Status()>& alive = {}) override;

  // One round of checks; "" when all pass, else what failed.
  static std::string CheckOnce(const HealthCheckSpec& spec,
                               const std::string& ip, const std::string& port);
};

}  // namespace occam
