// Writes a state that already holds every instance a descriptor asks for,
// as a successful apply would have recorded it, so that plan can be
// benchmarked against a full state. With --change-percent P, P% of the
// instances get a different recorded attribute, so the plan updates them.
//
//   make_state INFRA STATE [--change-percent P]
// STATE is a file or a postgres:// location, as --state.
#include <cstdlib>
#include <iostream>
#include <string>

#include "descriptor/compiler.h"
#include "planner/planner.h"
#include "state/state_location.h"

namespace occam {
namespace {

Status Plan1(const Descriptor& d, const NodeGraph& g, StateStore* store,
             Plan* plan) {
  StateSnapshot state;
  Status s = store->Load(&state);
  if (!s.ok()) return s;
  Diagnostics diags;
  if (!MakePlan(d, g, state, plan, &diags)) {
    return Status::InvalidArgument(diags.ToString());
  }
  return Status::Ok();
}

ResourceInstance Recorded(const ResourceChange& c, int64_t serial) {
  ResourceInstance r;
  r.address = c.address;
  r.node = c.node;
  r.index = c.index;
  r.provider = c.provider;
  r.provider_id = "bench-" + c.address;
  r.attributes = StoredJson(*c.after);
  r.sensitive = StoredJson(*c.after_sensitive);
  r.outputs = StoredJson(nlohmann::json{
      {"ip", "10.0." + std::to_string(serial / 250) + "." +
                 std::to_string(serial % 250)}});
  r.dependencies = c.dependencies;
  r.created_serial = serial;
  return r;
}

Status MakeState(const std::string& infra, const std::string& path,
                 int change_percent) {
  CompileOptions options;
  options.infra_path = infra;
  Descriptor d;
  NodeGraph g;
  Diagnostics diags;
  if (!CompileDescriptor(options, &d, &g, &diags)) {
    return Status::InvalidArgument(diags.ToString());
  }
  std::unique_ptr<StateStore> store;
  Status s = OpenStateStore(path, {}, &store);
  // Create everything, then record attributes again now that addresses
  // are known, as apply does.
  for (int pass = 0; s.ok() && pass < 2; ++pass) {
    Plan plan;
    s = Plan1(d, g, store.get(), &plan);
    StateChange change;
    int64_t n = 0;
    for (const ResourceChange& c : plan.changes) {
      ResourceInstance r = Recorded(c, ++n);
      if (pass == 1 && c.action == ChangeAction::kNoOp) continue;
      change.put.push_back(r);
    }
    change.set_desired = plan.desired_counts;
    int64_t serial;
    if (s.ok()) s = store->Commit(change, &serial);
  }
  if (!s.ok() || change_percent <= 0) return s;
  StateSnapshot state;
  s = store->Load(&state);
  StateChange drift;
  int i = 0;
  for (auto& [address, r] : state.instances) {
    if (i++ % (100 / change_percent) != 0) continue;
    ResourceInstance changed = r;
    changed.attributes.mutable_value()["resource"]["attributes"]["size"] =
        "tiny";
    drift.put.push_back(changed);
  }
  int64_t serial;
  return s.ok() ? store->Commit(drift, &serial) : s;
}

}  // namespace
}  // namespace occam

int main(int argc, char** argv) {
  if (argc != 3 && !(argc == 5 && std::string(argv[3]) == "--change-percent")) {
    std::cerr << "usage: make_state INFRA STATE [--change-percent P]\n";
    return 2;
  }
  int percent = argc == 5 ? std::atoi(argv[4]) : 0;
  occam::Status s = occam::MakeState(argv[1], argv[2], percent);
  if (!s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  return 0;
}
