// Fuzzes the Alertmanager webhook: parsing the payload and deciding on
// each alert against a small infrastructure.
#include <cstdint>

#include "autoscale/autoscaler.h"
#include "descriptor/compiler.h"
#include "fuzz/fuzz_input.h"

namespace {

const occam::Descriptor& Infrastructure() {
  static const occam::Descriptor descriptor = [] {
    occam::CompileOptions options;
    options.infra_path = occam::fuzz::WriteFile(
        "alerts/infra.yaml",
        "user_id: u\ninfra_name: shop\nnodes:\n"
        "  - {name: app, type: app, scaling: {min: 1, max: 3}}\n"
        "  - {name: db, type: db}\n");
    occam::fuzz::WriteFile("alerts/nodes/node_definitions.yaml",
                           "'node_def:app': [{resource: {type: dummy}}]\n"
                           "'node_def:db': [{resource: {type: dummy}}]\n");
    occam::Descriptor d;
    occam::NodeGraph graph;
    occam::Diagnostics diags;
    occam::CompileDescriptor(options, &d, &graph, &diags);
    return d;
  }();
  return descriptor;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<occam::Alert> alerts;
  std::string body(reinterpret_cast<const char*>(data), size);
  if (!occam::ParseAlertmanagerPayload(body, &alerts).ok()) return 0;
  occam::StateSnapshot state;
  state.infra_id = "infra-1";
  state.desired_counts["app"] = 2;
  occam::Autoscaler autoscaler;
  auto now = occam::Autoscaler::Clock::now();
  for (const occam::Alert& alert : alerts) {
    occam::AlertDecision d = autoscaler.Decide(alert, Infrastructure(), state, now);
    occam::ApplyChange(d.change, &state);
  }
  return 0;
}
