// Fuzzes what the planner reads from a state: one recorded instance whose
// attributes, outputs, sensitivity marks and tags are the four parts of the
// input, as a state edited by hand (or damaged) would hold them. Planning
// against it and rendering the plan must not crash.
#include <cstdint>

#include "descriptor/compiler.h"
#include "fuzz/fuzz_input.h"
#include "planner/planner.h"

namespace {

struct Compiled {
  occam::Descriptor descriptor;
  occam::NodeGraph graph;
};

const Compiled& Infrastructure() {
  static const Compiled compiled = [] {
    occam::CompileOptions options;
    options.infra_path = occam::fuzz::WriteFile(
        "state/infra.yaml",
        "user_id: u\ninfra_name: shop\nnodes:\n"
        "  - {name: app, type: app, scaling: {min: 1, max: 3}}\n"
        "  - {name: db, type: db}\n"
        "dependencies: [[app, db]]\nvariables: {password: s3cret}\n");
    occam::fuzz::WriteFile(
        "state/nodes/node_definitions.yaml",
        "'node_def:app': [{resource: {type: dummy, attributes: "
        "{db: \"{{getip('db')}}\", p: '{{variables.password}}'}}}]\n"
        "'node_def:db': [{resource: {type: dummy}}]\n");
    Compiled c;
    occam::Diagnostics diags;
    occam::CompileDescriptor(options, &c.descriptor, &c.graph, &diags);
    return c;
  }();
  return compiled;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = occam::fuzz::SplitParts(data, size, 4);
  occam::StateSnapshot state;
  state.infra_id = "infra-1";
  state.lineage = "lineage-1";
  for (const char* address : {"db[0]", "app[0]"}) {
    occam::ResourceInstance r;
    r.address = address;
    r.node = std::string(address).substr(0, std::string(address).find('['));
    r.provider = "dummy";
    r.provider_id = "id";
    r.attributes = occam::StoredJson::FromText(parts[0]);
    r.outputs = occam::StoredJson::FromText(parts[1]);
    r.sensitive = occam::StoredJson::FromText(parts[2]);
    r.tags["t"] = parts[3];
    state.instances[address] = r;
  }
  occam::Plan plan;
  occam::Diagnostics diags;
  const Compiled& c = Infrastructure();
  if (occam::MakePlan(c.descriptor, c.graph, state, &plan, &diags)) {
    occam::PlanToJson(plan).dump(-1, ' ', false,
                                 nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
