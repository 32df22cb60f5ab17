#include "autoscale/alert_rules.h"

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
      << "\n";
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

std::string AlertmanagerConfigYaml(const std::string& infra_id,
                                   const ReceiverOptions& o) {
  std::ostringstream out;
  out << "# Written by occam rules: sends occam's alerts to occam serve.\n"
      << "route:\n"
      << "  receiver: occam\n"
      << "  group_by: [alertname, node, infra_id]\n"
      << "  group_wait: " << o.group_wait << "\n"
      << "  group_interval: " << o.group_interval << "\n"
      << "  repeat_interval: " << o.repeat_interval << "\n"
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

}  // namespace occam
